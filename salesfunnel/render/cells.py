"""The house style of human output: the consoles, cell formatting, bars and the
table frame every report table uses.

Numbers only (never colour) carry meaning, so a table without colour reads the
same. Percentages have one decimal, counts and amounts thousands separators.
"""

from __future__ import annotations

import codecs
import copy
import io
import math
import os
import sys
from pathlib import Path

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

NULL = "–"
BAR_WIDTH = 12
OFF_TERMINAL_WIDTH = 160
MIN_WIDTH = 40  # a $COLUMNS below this (0, 5, ...) is taken as this
# a report table shows at most this many rows (a note on stderr points to the machine
# formats, which hold every row): 100k rows would take minutes and gigabytes to lay out
TABLE_ROW_LIMIT = 1000
_BLOCKS = " ▏▎▍▌▋▊▉█"


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


def columns_width() -> int | None:
    """$COLUMNS as a width, at least MIN_WIDTH; None when unset or not a number."""
    text = os.environ.get("COLUMNS", "").strip()
    if not text.lstrip("-").isdigit():
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
    (tables take only the width they need; `fit_table` splits wider ones)."""
    if width is None:
        width = columns_width()
    if width is None and not sys.stdout.isatty():
        width = OFF_TERMINAL_WIDTH
    # markup=False: values from the data (a rep named "[/]") are text, never Rich markup
    # emoji=False: a ":fire:" in a rep's name or a reason is shown as written
    return Console(file=_stdout_file(), width=width, highlight=False, soft_wrap=False,
                   markup=False, emoji=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True, markup=False, emoji=False)


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


def _column_width(console: Console, table: Table, index: int) -> int:
    """The width column `index` needs unwrapped: its header or widest cell, plus padding."""
    column = table.columns[index]
    cells = [column.header, *column.cells]
    widest = max(_cell_width(console, cell) for cell in cells)
    return max(widest, column.min_width or 0) + 2


def _cell_width(console: Console, cell) -> int:
    """A cell's width unwrapped: its longest line in terminal cells (what Rich measures
    for a text without markup or emoji codes, at a tenth of the cost), else Rich's."""
    text = cell if isinstance(cell, str) else cell.plain if isinstance(cell, Text) else None
    if text is None or "\t" in text:
        return Measurement.get(console, console.options, cell).maximum
    return max((cell_len(line) for line in text.splitlines()), default=0)


def _table_width(widths: list[int]) -> int:
    """The width a house-style table takes with these column widths (each with its
    padding): the columns and a one-character gap between each two."""
    return sum(widths) + len(widths) - 1 if widths else 0


def key_columns(table: Table) -> int:
    """The leading label columns (left-aligned, at most two) that every panel repeats."""
    keys = 0
    for column in table.columns[:2]:
        if column.justify not in ("left", "default", None):
            break
        keys += 1
    return max(keys, 1) if len(table.columns) > 1 else 0


def _words_outside(table: Table, width: int) -> Table | Group:
    """The table, or, when its title or caption (the legend) is wider than the table, the
    title above it and the caption below it as text of the console's width: they wrap at
    word boundaries there, not in the table's narrow width, and never widen its columns."""
    title, caption = table.title, table.caption
    wider = any(text is not None and Text(str(text)).cell_len > width for text in (title, caption))
    if not wider:
        return table
    table = copy.copy(table)  # the caller's table keeps its title and caption
    parts: list = []
    if title is not None:
        parts.append(Text(str(title), style="table.title", justify="left"))
    table.title = None
    if caption is not None:
        table.caption = None
        return Group(*parts, table, Text(str(caption), style="table.caption", justify="left"))
    return Group(*parts, table)


def column_widths(table: Table, console: Console) -> list[int]:
    """The width each column of `table` needs unwrapped, with its padding."""
    return [_column_width(console, table, index) for index in range(len(table.columns))]


def panel_layout(widths: list[int], keys: int, width: int) -> list[list[int]] | None:
    """The panels of a table of these column widths on a console `width` wide: None when
    it fits whole, else per panel the indexes of its columns after the `keys` label
    columns every panel repeats, as many as fit, in order (at least one)."""
    if _table_width(widths) <= width or len(widths) < 2:
        return None
    panels: list[list[int]] = []
    current: list[int] = []
    for index in range(keys, len(widths)):
        if current and _table_width([*widths[:keys], *(widths[i] for i in current),
                                     widths[index]]) > width:
            panels.append(current)
            current = []
        current.append(index)
    panels.append(current)
    return panels


def fit_table(table: Table, console: Console) -> list[Table | Group]:
    """The table as it is when it fits the console, else split into panels that do:
    each panel repeats the label columns (the rep, the stage) and takes as many of the
    other columns, in order, as fit. No cell is ever cut to `…`; a title or legend wider
    than its panel is printed outside it, wrapped at word boundaries."""
    width = console.width
    widths = column_widths(table, console)
    panels = panel_layout(widths, key_columns(table), width)
    if panels is None:
        return [_words_outside(table, _table_width(widths))]
    keys = key_columns(table)
    result = []
    for number, indexes in enumerate(panels):
        title = table.title if len(panels) == 1 else f"{table.title} ({number + 1}/{len(panels)})"
        panel = Table(
            title=title, box=table.box, title_justify=table.title_justify,
            pad_edge=table.pad_edge, caption=table.caption if number == len(panels) - 1 else None,
            caption_justify=table.caption_justify, show_header=table.show_header,
        )
        chosen = [*range(keys), *indexes]
        # a lone column too wide even so wraps at spaces (never cut to …)
        fits = _table_width([widths[index] for index in chosen]) <= width
        for index in chosen:
            column = table.columns[index]
            panel.add_column(
                column.header, justify=column.justify, no_wrap=fits,
                min_width=column.min_width if fits else None, style=column.style,
                overflow="ellipsis" if fits else "fold",
            )
        cells = [list(table.columns[index].cells) for index in chosen]
        for row_number, row in enumerate(table.rows):
            panel.add_row(*(column[row_number] for column in cells), end_section=row.end_section)
        result.append(_words_outside(panel, min(width, _table_width(
            [widths[index] for index in chosen]))))
    return result


def print_table(table: Table | list[Table], output: Path | None) -> None:
    """On stdout, or into `output` as plain text 120 columns wide; split into panels
    when wider than that (`fit_table`). A list of tables is printed one after another."""
    tables = table if isinstance(table, list) else [table]
    if output is None:
        console = stdout_console()
        for each in tables:
            for panel in fit_table(each, console):
                console.print(panel)
        return
    from salesfunnel.written import written_whole

    # whole or not at all, as every file a command writes (written.written_whole)
    with written_whole(output) as staging, staging.open("w", encoding="utf-8") as handle:
        # markup=False: a value like "[/]" in the data is text, not Rich markup
        console = Console(file=handle, width=120, color_system=None, markup=False, emoji=False)
        for each in tables:
            for panel in fit_table(each, console):
                console.print(panel)


def fmt_interval(low, high) -> str:
    """A Wilson interval formatted like the rate it bounds: 15.3%–42.9% (– when there is none)."""
    if is_missing(low) or is_missing(high):
        return NULL
    return f"{fmt_pct(low)}–{fmt_pct(high)}"


def fmt_rate_interval(rate, low, high) -> str:
    """A rate with its interval: 26.9% 15.3%–42.9%."""
    if is_missing(rate):
        return NULL
    return f"{fmt_pct(rate)} {fmt_interval(low, high)}"


NOT_RANKED = "·"
