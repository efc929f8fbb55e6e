"""The SQL tree's view layers (queries/facts, queries/reports, queries/info): one view or macro per
file, named after the file, opening with a comment that says what one row is (or,
for a scalar macro, what it returns); every file is used and every name the code
asks for exists. Every load script is run by the loader."""

from __future__ import annotations

import re
from pathlib import Path

from salesfunnel.sqltree import SQL_DIR, VIEW_LAYERS, query_files, view_files

PACKAGE = Path(__file__).resolve().parent.parent / "salesfunnel"


def _python_sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py"))


def test_each_file_defines_one_object_named_after_it():
    assert {path.parent.name for path in view_files()} == set(VIEW_LAYERS)
    for path in view_files():
        text = path.read_text(encoding="utf-8")
        assert text.startswith("-- "), f"{path.name} must open with a comment"
        assert re.match(r"-- (One row\b|A scalar macro\b)", text), (
            f"{path.name}: first comment says what a row is"
        )
        creates = re.findall(r"^\s*create\s+or\s+replace\s+temp\s+(?:view|macro)\s+(\w+)", text,
                             re.IGNORECASE | re.MULTILINE)
        assert creates == [path.stem], f"{path.name} defines {creates}"


def test_every_query_file_is_used():
    code = _python_sources()
    files = {q.name: q for q in query_files()}
    used_by_sql = set().union(*(q.depends_on for q in files.values()))
    for name in files:
        used_in_code = re.search(rf"\b{name}\b", code) is not None
        assert used_in_code or name in used_by_sql, f"{name}.sql is never used"


def test_every_name_the_code_asks_for_exists():
    code = _python_sources()
    asked = set(re.findall(r"(?:call_macro|read_view)\(\s*\"(\w+)\"", code))
    asked |= set(re.findall(r"from (data_span|loaded_files|deal_counts|recent_rejects)\b", code))
    asked |= set(re.findall(r"from (conversion|rep_rank|dropoff)\(", code))  # macros in SQL text
    names = {q.name for q in query_files()}
    # sample_* are tables that queries/sample/sample.sql creates, not views
    asked = {name for name in asked if not name.startswith("sample_")}
    assert asked <= names, f"missing in the view layers: {asked - names}"
    assert {"conversion", "rep_rank", "dropoff", "loaded_files"} <= asked


def test_query_files_are_ordered_by_dependency():
    seen: set[str] = set()
    for query in query_files():
        assert query.depends_on <= seen, f"{query.name} comes before {query.depends_on - seen}"
        seen.add(query.name)


def test_every_load_script_is_run():
    code = _python_sources()
    for path in sorted((SQL_DIR / "load").glob("*.sql")):
        stem = path.stem
        named = re.search(rf'"load/{stem}"', code)
        by_kind = re.match(r"(stage|merge)_(\w+)", stem) and f'f"load/{stem.split("_")[0]}_{{kind}}"' in code
        assert named or by_kind, f"queries/load/{path.name} is never run"
