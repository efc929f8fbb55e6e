"""The monthly pack (`salesfunnel pack`): an Excel workbook with one sheet per report
and a Definitions sheet, a self-contained index.html with inline SVG charts, and one
page per rep under reps/.

- `collect.py`: the reports of the month, from the report functions.
- `charts.py`: Vega-Lite specifications rendered to SVG offline by vl-convert.
- `html.py`: the page shell, report tables carrying their JSON values, safe file names.
- `pages.py`: index.html and the rep pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from salesfunnel.render.pack.definitions import DEFINITIONS

if TYPE_CHECKING:
    from salesfunnel.render.pack.collect import PackData


PAGE_THREADS = 4


@dataclass
class PackFiles:
    workbook: Path
    index: Path
    rep_pages: dict[str, Path]

    @property
    def all(self) -> list[Path]:
        return [self.workbook, self.index, *self.rep_pages.values()]


def write_pack(data: PackData, out: Path) -> PackFiles:
    """Write the workbook, index.html and reps/*.html of `data` into `out`. The pages are
    built on a few threads: chart rendering (vl-convert) runs outside the GIL."""
    from concurrent.futures import ThreadPoolExecutor

    from salesfunnel.render.pack.html import safe_file_name
    from salesfunnel.render.pack.pages import index_page, rep_page
    from salesfunnel.render.workbook import write_workbook

    (out / "reps").mkdir(parents=True, exist_ok=True)
    workbook = out / f"salesfunnel-{data.label}.xlsx"
    write_workbook(workbook, [(name, report.frame) for name, report in data.reports.items()],
                   [*DEFINITIONS, *(("Note", note) for note in data.notes)])
    taken: set[str] = set()
    rep_files = {part.rep: safe_file_name(part.rep, taken) for part in data.reps}
    with ThreadPoolExecutor(max_workers=PAGE_THREADS) as pool:
        index_html = pool.submit(index_page, data, rep_files)
        rep_html = [pool.submit(rep_page, data, part) for part in data.reps]
        index = out / "index.html"
        index.write_text(index_html.result(), encoding="utf-8")
        pages = {}
        for part, page in zip(data.reps, rep_html, strict=True):
            path = out / "reps" / f"{rep_files[part.rep]}.html"
            path.write_text(page.result(), encoding="utf-8")
            pages[part.rep] = path
    return PackFiles(workbook, index, pages)
