"""The pack in a real browser: headless Chromium (Debian's `chromium`; `make test`
installs it) renders index.html and a rep page at 1280 and 390 pixels wide with no
console message, and the screenshots are not blank. A missing Chromium fails with
the install command: never a silent skip."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Cli, load_into
from PIL import Image

SAMPLE = Path(__file__).parent.parent / "sample_data"
INSTALL = "apt-get install -y chromium (make test installs it when missing)"
WIDTHS = (1280, 390)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail(f"Chromium is needed for the browser tests and is not installed: {INSTALL}.")
    return found


def render(url: str, png: Path, width: int, profile: Path, height: int = 1800) -> list[str]:
    """Screenshot `url` into `png`; the console messages the page logged."""
    result = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
         f"--window-size={width},{height}", f"--screenshot={png}", url],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert png.exists(), result.stderr[-2000:]
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def not_blank(png: Path, width: int) -> None:
    """The right width, many colours, and a good part of it not the page background."""
    image = Image.open(png).convert("RGB")
    assert image.width == width
    small = image.resize((image.width // 4, image.height // 4))
    colours = small.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 50, f"{png.name}: {len(colours or [])} colours"
    background = max(colours)[0] / (small.width * small.height)
    assert background < 0.9, f"{png.name}: {background:.0%} one colour"


@pytest.fixture(scope="module")
def pack(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    db = folder / "sample.duckdb"
    load_into(db, SAMPLE)
    out = folder / "pack"
    result = Cli()("pack", "--out", out, "--db", db, "--target-amount", "500000",
                   env={"SALESFUNNEL_TODAY": "2026-11-01"})
    assert result.exit_code == 0, result.stderr
    return out


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", ["index.html", "reps/kira-patel.html"])
def test_pack_renders_in_chromium(pack, tmp_path, page, width):
    png = tmp_path / f"{Path(page).stem}-{width}.png"
    console = render((pack / page).as_uri(), png, width, tmp_path / "profile")
    assert console == [], console
    not_blank(png, width)


def test_console_messages_and_blank_pages_are_caught(tmp_path):
    """The two checks above can fail: a page that logs an error, and an empty page."""
    page = tmp_path / "bad.html"
    page.write_text("<!DOCTYPE html><html><body><script>console.error('boom')</script></body></html>",
                    encoding="utf-8")
    png = tmp_path / "bad.png"
    console = render(page.as_uri(), png, 390, tmp_path / "profile", height=400)
    assert any("boom" in line for line in console)
    with pytest.raises(AssertionError):
        not_blank(png, 390)
