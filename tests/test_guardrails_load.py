"""Issue 13, the load side: a file replaced during a load, a same-size edit within the
same modification time, pipes, folders with subfolders and broken links, SIGTERM, and
labels that Python and DuckDB lower-case differently.

Each case asserts the exit code, the message and the database before/after.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, load_into, query, write
from test_corpus import snapshot

from salesfunnel.config import Config
from salesfunnel.db import open_database
from salesfunnel.errors import ExitCode, InputError
from salesfunnel.load.orchestrate import LoadOptions, load_paths


def _load_funnel(db: Path) -> None:
    load_into(db, FIXTURES / "funnel")


@pytest.fixture
def loaded(tmp_path, built_once) -> Path:
    return built_once("funnel", _load_funnel, tmp_path / "crm.duckdb")


def one_error(result) -> str:
    assert result.stderr.startswith("salesfunnel: error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


# -- case 3: a file replaced during a folder load ---------------------------------------------
def test_file_replaced_during_the_load_is_refused(loaded, tmp_path):
    """b.csv is inspected (header deal_id,rep,stage), then renamed over by a file whose
    columns are in another order before its turn comes: nothing is loaded."""
    folder = tmp_path / "exports"
    folder.mkdir()
    write(folder, "a.csv", "deal_id,rep,stage\nA1,ann,lead\n")
    target = write(folder, "b.csv", "deal_id,rep,stage\nB1,ann,lead\n")
    before = snapshot(loaded)

    def replace_b(number, total, path):
        if number == 1:
            other = write(tmp_path, "other.csv", "deal_id,stage,rep\nB1,lead,mgr\n")
            os.replace(other, target)

    db = open_database(loaded, write=True, config_funnel=None)
    try:
        with pytest.raises(InputError, match=r"b.csv changed or was replaced while the load"):
            load_paths(db, [folder], config=Config(), options=LoadOptions(), progress=replace_b)
    finally:
        db.close()
    assert snapshot(loaded) == before


# -- case 4: same size, same modification time, other content -------------------------------------
def test_same_size_and_mtime_edit_is_reloaded(loaded, tmp_path):
    """D9's stage changes from lead to won (4 bytes each way after padding): the SHA-256
    differs, so the file is loaded again, not skipped as unchanged."""
    path = write(tmp_path, "deals.csv", "deal_id,rep,stage\nD9,ann,lead\n")
    load_into(loaded, path)
    stat = path.stat()
    path.write_text("deal_id,rep,stage\nD9,ann,won \n", encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    report = load_into(loaded, path)
    assert not report.files[0].skipped_unchanged
    assert query(loaded, "select stage from deals where deal_id = 'D9'") == [("won",)]
    # and truly unchanged is still skipped
    assert load_into(loaded, path).files[0].skipped_unchanged


# -- case 24: pipes --------------------------------------------------------------------------------
def test_pipe_given_as_a_file_is_refused(cli, loaded, tmp_path):
    fifo = tmp_path / "deals.csv"
    os.mkfifo(fifo)
    before = snapshot(loaded)
    result = cli("load", fifo, "--db", loaded)
    assert result.exit_code == ExitCode.INPUT
    assert "is a pipe or device, not a file" in one_error(result)
    assert "save it to a file and load that" in result.stderr
    assert snapshot(loaded) == before


def test_stdin_pipe_is_refused_in_a_process(loaded):
    before = snapshot(loaded)
    proc = subprocess.run(
        [sys.executable, "-m", "salesfunnel", "load", "/dev/stdin", "--db", str(loaded)],
        input="deal_id,rep,stage\nP1,ann,lead\n", capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == ExitCode.INPUT
    assert "/dev/stdin is a pipe or device, not a file" in proc.stderr
    assert snapshot(loaded) == before


# -- case 31: what a folder holds but is not read is said --------------------------------------------
def test_folder_subfolders_and_broken_links_are_said(cli, loaded, tmp_path):
    folder = tmp_path / "exports"
    (folder / "2025").mkdir(parents=True)
    write(folder, "deals.csv", "deal_id,rep,stage\nF1,ann,lead\n")
    write(folder / "2025", "old.csv", "deal_id,rep,stage\nF2,ann,lead\n")
    (folder / "gone.csv").symlink_to(tmp_path / "missing.csv")
    (folder / "loop.csv").symlink_to(folder / "loop.csv")
    os.mkfifo(folder / "pipe.csv")
    result = cli("load", folder, "--db", loaded)
    assert result.exit_code == ExitCode.OK, result.stderr
    text = " ".join(result.stderr.split())
    assert f"{folder / '2025'}: a subfolder; not read" in text
    assert f"{folder / 'gone.csv'}: a broken or looping symbolic link; not read" in text
    assert f"{folder / 'loop.csv'}: a broken or looping symbolic link; not read" in text
    assert f"{folder / 'pipe.csv'}: a pipe or device, not a file; not read" in text
    assert query(loaded, "select deal_id from deals where deal_id like 'F%'") == [("F1",)]
    result = cli("load", folder / "gone.csv", "--db", loaded)
    assert result.exit_code == ExitCode.INPUT
    assert "is a symbolic link to a file that does not exist" in one_error(result)


# -- case 30: SIGTERM ----------------------------------------------------------------------------------
def test_sigterm_rolls_back_and_removes_scratch_files(loaded, tmp_path):
    """A cp1252 export is transcoded into a scratch folder under $TMPDIR; SIGTERM while it
    loads: exit 143, nothing written, no scratch folder left."""
    rows = "".join(f"T{i},J\u00fcrgen,lead\n" for i in range(400_000))
    big = tmp_path / "big.csv"
    big.write_bytes(("deal_id,rep,stage\n" + rows).encode("cp1252"))
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    before = snapshot(loaded)
    env = {**os.environ, "TMPDIR": str(scratch_root)}
    env.pop("SALESFUNNEL_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "salesfunnel", "load", str(big), "--db", str(loaded)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 60
    while not any(scratch_root.iterdir()) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert any(scratch_root.iterdir()), "the load never made its scratch folder"
    time.sleep(0.2)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == ExitCode.TERMINATED, err
    assert "Terminated (SIGTERM); nothing was written." in err
    assert list(scratch_root.iterdir()) == []
    assert snapshot(loaded) == before


# -- case 28: labels Python and DuckDB lower-case differently ------------------------------------------
def test_turkish_and_greek_labels_match(cli, tmp_path):
    """Configured exactly as exported: İnceleme (Turkish dotted capital I) and ΟΔΟΣ (a
    final capital sigma). Both rows load; none is rejected."""
    config = write(tmp_path, "c.toml", '[funnel]\nstages = ["lead", "İnceleme", "ΟΔΟΣ", "won"]\n')
    deals = write(tmp_path, "deals.csv",
                  "deal_id,rep,stage\nT1,ann,İnceleme\nT2,ann,ΟΔΟΣ\nT3,ann,İNCELEME\n")
    db = tmp_path / "t.duckdb"
    result = cli("load", deals, "--db", db, "--config", config)
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "read 3, loaded 3, rejected 0" in result.stderr
    assert query(db, "select deal_id, stage from deals order by 1") == [
        ("T1", "İnceleme"), ("T2", "ΟΔΟΣ"), ("T3", "İnceleme")
    ]


# -- case 23: a malformed $SALESFUNNEL_PROGRESS_DELAY, terminal or not ---------------------------------
@pytest.mark.parametrize("value", ["abc", "-1", "nan", "99999"])
def test_bad_progress_delay_is_exit_2(cli, loaded, value):
    before = snapshot(loaded)
    result = cli("load", FIXTURES / "funnel", "--force", "--db", loaded,
                 env={"SALESFUNNEL_PROGRESS_DELAY": value})
    assert result.exit_code == ExitCode.USAGE
    assert "$SALESFUNNEL_PROGRESS_DELAY must be a number of seconds from 0 to 3600" in one_error(result)
    assert snapshot(loaded) == before
