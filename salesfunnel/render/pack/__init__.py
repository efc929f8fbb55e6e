"""The monthly pack (`salesfunnel pack`): an Excel workbook with one sheet per report
and a Definitions sheet, a self-contained index.html with inline SVG charts, and one
page per rep under reps/.

- `collect.py`: the reports of the month, from the report functions.
- `charts.py`: Vega-Lite specifications rendered to SVG offline by vl-convert.
- `engine.py`: vl-convert here and in a helper process, rendering the pack's charts on two cores.
- `html.py`: the page shell, report tables carrying their JSON values, safe file names.
- `pages.py`: index.html and the rep pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from salesfunnel.render.pack.definitions import DEFINITIONS

if TYPE_CHECKING:
    from collections.abc import Callable

    from salesfunnel.render.pack.collect import PackData
    from salesfunnel.render.pack.engine import Engines


@dataclass
class PackFiles:
    workbook: Path
    index: Path
    rep_pages: dict[str, Path]

    @property
    def all(self) -> list[Path]:
        return [self.workbook, self.index, *self.rep_pages.values()]

    def moved(self, old: Path, new: Path) -> PackFiles:
        """The same files once the folder `old` they were written into is `new`."""
        def at(path: Path) -> Path:
            return new / path.relative_to(old)

        return PackFiles(at(self.workbook), at(self.index),
                         {rep: at(path) for rep, path in self.rep_pages.items()})


def write_pack(
    data: PackData, out: Path, engines: Engines | None = None,
    collect_rest: Callable[[], None] | None = None,
) -> PackFiles:
    """Write the workbook, index.html and reps/*.html of `data` into `out`.

    Each page is built with a placeholder per chart, and each chart handed to `engines`
    as it is made (without engines, the charts render here, one by one); the SVG takes
    its placeholder's place when the pages are written. The reps' rank charts (the most
    costly) come first; `collect_rest`, if given, then computes the other reports
    (`collect.collect_rest`) while those charts render."""
    from salesfunnel.render.pack import charts
    from salesfunnel.render.pack.engine import Engines
    from salesfunnel.render.pack.html import safe_file_name
    from salesfunnel.render.pack.pages import index_page, rep_page, rep_trend
    from salesfunnel.render.workbook import write_workbook

    (out / "reps").mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    rep_files = {rep: safe_file_name(rep, taken) for rep in data.rep_names}
    with charts.batch(engines or Engines([])) as batch:
        trends = {rep: rep_trend(data, rep) for rep in data.rep_names}
        if collect_rest is not None:
            collect_rest()
        rep_html = [rep_page(data, part, trends.get(part.rep)) for part in data.reps]
        index_html = index_page(data, rep_files)
    workbook = out / f"salesfunnel-{data.label}.xlsx"
    write_workbook(workbook, [(name, report.frame) for name, report in data.reports.items()],
                   [("Month", f"{data.label}: the month of this pack (rank rows carry it as "
                              "month, pulse rows as period)"),
                    *DEFINITIONS, *(("Note", note) for note in data.notes)])
    index = out / "index.html"
    index.write_text(batch.fill(index_html), encoding="utf-8")
    pages = {}
    for part, page in zip(data.reps, rep_html, strict=True):
        path = out / "reps" / f"{rep_files[part.rep]}.html"
        path.write_text(batch.fill(page), encoding="utf-8")
        pages[part.rep] = path
    return PackFiles(workbook, index, pages)
