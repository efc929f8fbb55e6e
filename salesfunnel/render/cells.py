"""The house style of human output: the consoles, cell formatting, bars and the
table frame every report table uses.

Numbers only (never colour) carry meaning, so a table without colour reads the
same. Percentages have one decimal, counts and amounts thousands separators.
"""

from __future__ import annotations

import codecs
import io
import math
import os
import sys
from pathlib import Path

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

NULL = "–"
BAR_WIDTH = 12
_BLOCKS = " ▏▎▍▌▋▊▉█"


MIN_WIDTH = 80  # a $COLUMNS below this (0, 1, ...) is taken as this: numbers stay visible
# what the house style's non-ASCII characters become on a stdout that cannot encode them
ASCII_FALLBACK = {
    "–": "-", "—": "-", "·": "-", "▲": "^", "▼": "v", "…": "...", "─": "-", "━": "-",
    "│": "|", "┃": "|", "═": "=", **{block: "#" for block in _BLOCKS.strip()},
}


def _ascii_fallback(error: UnicodeError):
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object[error.start:error.end]
    return "".join(ASCII_FALLBACK.get(char, "?") for char in text), error.end


codecs.register_error("salesfunnel-ascii", _ascii_fallback)


def _columns_width() -> int | None:
    """$COLUMNS as a width, never below MIN_WIDTH; None when unset or not a number."""
    text = os.environ.get("COLUMNS", "").strip()
    if not text.isdigit():
        return None
    return max(int(text), MIN_WIDTH)


def _stdout_file():
    """sys.stdout, or, when its encoding cannot write the house style's characters
    (a latin-1 locale, a cp1252 pipe), a writer that turns them into ASCII."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        (NULL + "·▲▼" + _BLOCKS.strip()).encode(encoding)
        return sys.stdout
    except UnicodeEncodeError:
        pass
    except LookupError:
        encoding = "ascii"
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        return sys.stdout
    sys.stdout.flush()
    key = (id(buffer), encoding)
    if key not in _WRAPPERS:  # kept: a collected wrapper would close stdout's buffer
        _WRAPPERS[key] = io.TextIOWrapper(buffer, encoding=encoding, errors="salesfunnel-ascii",
                                          write_through=True)
    return _WRAPPERS[key]


_WRAPPERS: dict = {}


def stdout_console(width: int | None = None) -> Console:
    """The console for data on stdout: colour only on a terminal (Rich honours NO_COLOR
    and TERM=dumb); off a terminal up to 160 columns unless $COLUMNS says otherwise
    (tables take only the width they need; a $COLUMNS below 80 counts as 80)."""
    if width is None:
        width = _columns_width()
    if width is None and not sys.stdout.isatty():
        width = 160
    # markup=False: values from the data (a rep named "[/]") are text, never Rich markup
    return Console(file=_stdout_file(), width=width, highlight=False, soft_wrap=False,
                   markup=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


# -- cell formatting -------------------------------------------------------------
def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value) -> str:
    return NULL if is_missing(value) else f"{int(value):,}"


def fmt_pct(value) -> str:
    return NULL if is_missing(value) else f"{value * 100:.1f}%"


def fmt_amount(value) -> str:
    return NULL if is_missing(value) else f"{value:,.0f}"


def fmt_days(value) -> str:
    # round(…, 9) first: an interpolated 3.3499999999999996 days shows as 3.4, as 3.35 would
    return NULL if is_missing(value) else f"{round(value, 9):,.1f}"


def fmt_move(rank, previous) -> str:
    """The move since last month: ▲2 (up two places), ▼1, = (same), new (no rank then)."""
    if is_missing(rank):
        return NULL
    if is_missing(previous):
        return "new"
    delta = int(previous) - int(rank)
    if delta > 0:
        return f"▲{delta}"
    if delta < 0:
        return f"▼{-delta}"
    return "="


def bar(fraction, width: int = BAR_WIDTH) -> Text:
    if is_missing(fraction):
        return Text("")
    fraction = min(max(fraction, 0.0), 1.0)
    eighths = round(fraction * width * 8)
    full, rest = divmod(eighths, 8)
    cells = "█" * full + (_BLOCKS[rest] if rest else "")
    return Text(cells, style="green")


def add_empty_note(table: Table, rows: int, what: str = "Nothing matched these filters.") -> None:
    if rows == 0:
        table.caption = what


def titled_table(title: str) -> Table:
    """The house style of every table: a left-aligned title, a simple header rule."""
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)


def print_table(table: Table, output: Path | None) -> None:
    """On stdout, or into `output` as plain text 120 columns wide."""
    if output is None:
        stdout_console().print(table)
        return
    with output.open("w", encoding="utf-8") as handle:
        # markup=False: a value like "[/]" in the data is text, not Rich markup
        Console(file=handle, width=120, color_system=None, markup=False).print(table)


def fmt_interval(low, high) -> str:
    """A Wilson interval in whole percent, compactly: 27–100 (– when there is none)."""
    if is_missing(low) or is_missing(high):
        return NULL
    return f"{low * 100:.0f}–{high * 100:.0f}"


def fmt_rate_interval(rate, low, high) -> str:
    """A rate with its interval: 26.9% 15–42."""
    if is_missing(rate):
        return NULL
    return f"{fmt_pct(rate)} {fmt_interval(low, high)}"


NOT_RANKED = "·"
