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


def write_pack(data: PackData, out: Path, engines: Engines | None = None) -> PackFiles:
    """Write the workbook, index.html and reps/*.html of `data` into `out`. The pages are
    built first with a placeholder per chart; then every chart is rendered in one batch
    (by `engines`, on two cores; without them, here one by one) and put in its place."""
    from salesfunnel.render.pack import charts
    from salesfunnel.render.pack.html import safe_file_name
    from salesfunnel.render.pack.pages import index_page, rep_page
    from salesfunnel.render.workbook import write_workbook

    (out / "reps").mkdir(parents=True, exist_ok=True)
    workbook = out / f"salesfunnel-{data.label}.xlsx"
    taken: set[str] = set()
    rep_files = {part.rep: safe_file_name(part.rep, taken) for part in data.reps}
    with charts.batch() as batch:
        index_html = index_page(data, rep_files)
        rep_html = [rep_page(data, part) for part in data.reps]
    if engines is not None:
        svgs = engines.render(batch.specs)
    else:
        import vl_convert

        svgs = [vl_convert.vegalite_to_svg(spec) for spec in batch.specs]
    batch.rendered(svgs)
    write_workbook(workbook, [(name, report.frame) for name, report in data.reports.items()],
                   [*DEFINITIONS, *(("Note", note) for note in data.notes)])
    index = out / "index.html"
    index.write_text(batch.fill(index_html), encoding="utf-8")
    pages = {}
    for part, page in zip(data.reps, rep_html, strict=True):
        path = out / "reps" / f"{rep_files[part.rep]}.html"
        path.write_text(batch.fill(page), encoding="utf-8")
        pages[part.rep] = path
    return PackFiles(workbook, index, pages)
