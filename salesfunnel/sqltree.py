"""The SQL tree (`queries/` at the top of the repository), read here and only here.

Analysts read and extend a metric there. In a wheel the tree is shipped inside the
package as `salesfunnel/queries/` (hatchling force-include); in a checkout (an
editable install) it is the repository's `queries/`.

- `schema.sql`: the tables of a database.
- `load/`: the loader's scripts (stage_<kind>.sql checks values, merge_<kind>.sql
  writes valid rows, load_macros.sql the parsing macros).
- the view layers `facts/` (one row per deal, per stage entry, ...), `reports/`
  (one table macro per report) and `info/` (what `info` shows): each file defines
  one temp view or macro named after the file, opening with a comment that says
  what one row is. `query_files` orders them by what they read.
- `sample/`: the sample generator's script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from salesfunnel.errors import DatabaseError


def _sql_dir() -> Path:
    package = Path(__file__).resolve().parent
    for candidate in (package / "queries", package.parent / "queries"):
        if (candidate / "schema.sql").is_file():
            return candidate
    raise DatabaseError(
        f"The SQL tree is missing: neither {package / 'queries'} nor {package.parent / 'queries'} "
        "holds schema.sql. Reinstall salesfunnel."
    )


SQL_DIR = _sql_dir()
# views whose rows are materialised at load time (see Database.refresh_fact_cache)
CACHED_VIEWS = ("deal_facts", "deal_stage_dates")
_CREATE_STATEMENT = re.compile(
    r"^\s*create\s+or\s+replace\s+temp\s+(view|macro)\s+([a-z_][a-z0-9_]*)\b",
    re.IGNORECASE | re.MULTILINE,
)


# the layers whose files each define one temp view or macro named after the file
VIEW_LAYERS = ("facts", "reports", "info")


@cache
def sql_text(relative: str) -> str:
    """The text of one file of the SQL tree, e.g. `sql_text("load/stage_deals")`."""
    return (SQL_DIR / f"{relative}.sql").read_text(encoding="utf-8")


def view_files() -> list[Path]:
    """Every file of the view layers, sorted by name."""
    return sorted(
        (path for layer in VIEW_LAYERS for path in (SQL_DIR / layer).glob("*.sql")),
        key=lambda path: path.stem,
    )


@dataclass(frozen=True)
class QueryFile:
    name: str
    kind: str  # "view" or "macro"
    sql: str
    depends_on: frozenset[str]


@cache
def query_files() -> tuple[QueryFile, ...]:
    """Every file of the view layers, ordered so that each comes after what it reads."""
    files: dict[str, tuple[str, str]] = {}
    for path in view_files():
        sql = path.read_text(encoding="utf-8")
        match = _CREATE_STATEMENT.search(sql)
        if match is None or match.group(2).lower() != path.stem:
            raise DatabaseError(
                f"Query file {path} must define `create or replace temp view|macro {path.stem}`."
            )
        files[path.stem] = (match.group(1).lower(), sql)
    parsed = {}
    for name, (kind, sql) in files.items():
        deps = frozenset(_words(_strip_comments(sql)) & files.keys() - {name})
        parsed[name] = QueryFile(name, kind, sql, deps)
    ordered: list[QueryFile] = []
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in trail:
            raise DatabaseError(f"Query files depend on each other in a cycle: {trail}.")
        for dep in sorted(parsed[name].depends_on):
            visit(dep, trail + (name,))
        done.add(name)
        ordered.append(parsed[name])

    for name in sorted(parsed):
        visit(name, ())
    return tuple(ordered)


@cache
def referenced_queries(sql: str) -> tuple[str, ...]:
    """The names of the view layers files that an SQL text mentions."""
    words = _words(sql)
    return tuple(q.name for q in query_files() if q.name in words)


@cache
def dependencies(name: str) -> frozenset[str]:
    """Everything a query file reads, directly or not."""
    files = {q.name: q for q in query_files()}
    found: set[str] = set()
    for dep in files[name].depends_on if name in files else ():
        found |= {dep} | dependencies(dep)
    return frozenset(found)


def _words(sql: str) -> set[str]:
    """The words of an SQL text: a name is mentioned when it is one of them (as with
    `\\bname\\b`, in one pass over the text instead of one per name)."""
    return set(re.findall(r"\w+", sql))


def _strip_comments(sql: str) -> str:
    return re.sub(r"--[^\n]*", "", sql)
