"""The one module that talks to DuckDB.

A `Database` wraps a connection to the persistent file. On every connection the
funnel in effect is installed as two temp tables (`funnel_stages`,
`stage_labels`) and the views and macros of the SQL tree's layers `facts/`,
`reports/` and `info/` are created as temp objects when first used, so the SQL
always matches the code that runs it.

The SQL tree is read by sqltree.py (`sql_text`, `query_files`).

It is one piece on purpose (about 420 lines): every call into DuckDB, the
translation of DuckDB's exceptions, transactions, opening and the schema check
live together so that no other module needs to know DuckDB.

User values reach SQL only as bound parameters. The few identifiers that must
be spliced (view and macro names) go through `quote_ident`.
"""

from __future__ import annotations

import hashlib
import os
import re
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salesfunnel.config import Funnel
from salesfunnel.errors import (
    CsvReadError,
    DatabaseBusyError,
    DatabaseError,
    Interrupted,
    QueryError,
)
from salesfunnel.sqltree import (
    CACHED_VIEWS,
    dependencies,
    query_files,
    referenced_queries,
    sql_text,
)

if TYPE_CHECKING:
    import duckdb
    import polars as pl

DEFAULT_DB_NAME = "salesfunnel.duckdb"
SCHEMA_VERSION = "1"
DEFAULT_WAIT_SECONDS = 5.0

_PACKAGE_DIR = Path(__file__).resolve().parent
_LOCK_PID = re.compile(r"PID (\d+)")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier for DuckDB: the only way names are spliced into SQL."""
    return '"' + name.replace('"', '""') + '"'


def resolve_db_path(option: str | None) -> Path:
    """--db wins, then $SALESFUNNEL_DB, then ./salesfunnel.duckdb."""
    return Path(option or os.environ.get("SALESFUNNEL_DB") or DEFAULT_DB_NAME)


@cache
def _schema_tables() -> frozenset[str]:
    return frozenset(re.findall(r"create table if not exists (\w+)", _schema_sql()))


@cache
def _schema_sql() -> str:
    return sql_text("schema")


def _duckdb():
    import duckdb

    return duckdb


class Database:
    """A connection to a salesfunnel database with the funnel and views installed."""

    def __init__(self, conn: duckdb.DuckDBPyConnection, path: Path, funnel: Funnel):
        self.conn = conn
        self.path = path
        self.funnel = funnel
        self._installed: set[str] = set()  # query files created on this connection
        self._cache_valid = False

    # -- running SQL -------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> None:
        self.ensure(*referenced_queries(sql))
        self._run(lambda: self.conn.execute(sql, params))

    def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list:
        self.ensure(*referenced_queries(sql))
        return self._run(lambda: self.conn.execute(sql, params).fetchall())

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        rows = self.fetchall(sql, params)
        return rows[0][0] if rows else None

    def frame(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query and return its (report-sized) result as a Polars DataFrame.

        The rows come through Python, typed from DuckDB's column types: a report's few
        rows do not pay for importing pyarrow, which the Arrow hand-over would."""
        import polars as pl

        self.ensure(*referenced_queries(sql))

        def fetch():
            cursor = self.conn.execute(sql, params)
            return cursor.fetchall(), cursor.description

        rows, description = self._run(fetch)
        schema = [(column[0], _polars_type(str(column[1]))) for column in description]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def bulk_frame(self, sql: str) -> pl.DataFrame:
        """A large result as a Polars DataFrame, through Arrow."""
        self.ensure(*referenced_queries(sql))
        return self._run(lambda: self.conn.sql(sql).pl())

    def run_script(self, sql: str, params: dict[str, Any] | None = None) -> None:
        """Run every statement of `sql`; each gets the named parameters it uses."""
        params = params or {}

        def run_all() -> None:
            for statement in self.conn.extract_statements(sql):
                wanted = statement.named_parameters
                missing = wanted - params.keys()
                if missing:
                    raise QueryError(f"SQL parameter(s) {sorted(missing)} were not supplied.")
                self.conn.execute(statement, {k: params[k] for k in wanted} or None)

        self._run(run_all)

    def call_macro(self, name: str, args: Sequence[Any]) -> pl.DataFrame:
        """`select * from name(?, ?, ...)`: a table macro of the view layers with bound arguments."""
        placeholders = ", ".join("?" for _ in args)
        return self.frame(f"select * from {quote_ident(name)}({placeholders})", list(args))

    def read_view(self, name: str) -> pl.DataFrame:
        return self.frame(f"select * from {quote_ident(name)}")

    def _run(self, thunk):
        duckdb = _duckdb()
        try:
            return thunk()
        except KeyboardInterrupt:
            raise Interrupted("Interrupted; nothing was written.") from None
        except duckdb.InterruptException:
            raise Interrupted("Interrupted; nothing was written.") from None
        except RuntimeError as exc:
            # Ctrl-C while DuckDB runs a query surfaces as RuntimeError("Query interrupted")
            if "interrupted" in str(exc).lower():
                raise Interrupted("Interrupted; nothing was written.") from None
            raise
        except duckdb.OutOfMemoryException as exc:
            raise QueryError(f"DuckDB ran out of memory: {_first_line(exc)}") from None
        except duckdb.InvalidInputException as exc:
            if "CSV" not in str(exc):
                raise
            raise CsvReadError(_first_line(exc)) from None
        except duckdb.IOException as exc:
            raise DatabaseError(f"Database I/O error on {self.path}: {_first_line(exc)}") from None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: on any exception the database is exactly as before."""
        self.conn.execute("begin transaction")
        try:
            yield
        except BaseException:
            try:
                self.conn.execute("rollback")
            except Exception:  # the connection may already have aborted the transaction
                pass
            raise
        else:
            with _ctrl_c_held():  # a commit cut short would be reported as rolled back
                self.conn.execute("commit")

    def close(self) -> None:
        with _ctrl_c_held():  # closing checkpoints committed data into the file
            self.conn.close()

    # -- metadata ------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        return self.scalar("select value from salesfunnel_meta where key = ?", [key])

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "insert or replace into salesfunnel_meta (key, value) values (?, ?)", [key, value]
        )

    def install_funnel(self, funnel: Funnel) -> None:
        """(Re)create the temp tables that describe the funnel in effect."""
        self.funnel = funnel
        self.execute(
            "create or replace temp table funnel_stages "
            "(stage_index integer, stage varchar, stage_key varchar, is_won boolean)"
        )
        n = len(funnel.stages)
        self.conn.executemany(
            "insert into funnel_stages values (?, ?, ?, ?)",
            [(i, s, s.strip().lower(), i == n) for i, s in enumerate(funnel.stages, start=1)],
        )
        self.execute(
            "create or replace temp table stage_labels "
            "(label_key varchar, stage varchar, stage_index integer, is_lost boolean)"
        )
        self.conn.executemany("insert into stage_labels values (?, ?, ?, ?)", funnel.label_rows())

    def install_queries(self) -> None:
        """Create every view and macro of the view layers (live definitions) on this connection."""
        self._installed.clear()
        self._cache_valid = False
        self.ensure(*(q.name for q in query_files()))

    def ensure(self, *names: str) -> None:
        """Create the named views/macros of the view layers and what they read, once per
        connection. A cached view reads its table when the cache is valid."""
        files = {q.name: q for q in query_files()}
        for name in names:
            if name in self._installed or name not in files:
                continue
            query = files[name]
            self.ensure(*sorted(query.depends_on))
            if name in CACHED_VIEWS and self._cache_valid:
                sql = (
                    f"create or replace temp view {quote_ident(name)} as "
                    f"select * from main.{quote_ident(name + '_cache')}"
                )
            else:
                sql = query.sql
            try:
                self.conn.execute(sql)
            except _duckdb().Error as exc:
                raise DatabaseError(
                    f"Query file {query.name}.sql failed to compile: {_first_line(exc)}"
                ) from None
            self._installed.add(name)

    # -- derived per-deal facts, materialised at load time ------------------------------
    def facts_key(self) -> str:
        """Identifies what the cached facts were computed with: the funnel and the SQL."""
        sql = "".join(q.sql for q in query_files() if q.name in CACHED_VIEWS)
        return hashlib.sha256((self.funnel.to_json() + sql).encode()).hexdigest()[:16]

    def refresh_fact_cache(self) -> None:
        """Recompute the cached per-deal facts from the live views (inside the caller's
        transaction), so reports read small tables instead of recomputing them."""
        self.install_queries()  # the live definitions, not a cache read by an earlier override
        for view in CACHED_VIEWS:  # in order: each later view reads the cache just built
            cache_table = quote_ident(view + "_cache")
            self.execute(f"create or replace table {cache_table} as select * from {quote_ident(view)}")
            self.conn.execute(
                f"create or replace temp view {quote_ident(view)} as select * from main.{cache_table}"
            )
        self.set_meta("facts_key", self.facts_key())
        self.use_fact_cache()

    def include_removed_deals(self) -> None:
        """From now on, reports also count deals removed by a full export (facts computed live)."""
        self.ensure("include_removed")
        self.conn.execute("create or replace temp macro include_removed() as true")
        self._cache_valid = False
        self._installed -= {
            name for name in self._installed
            if name in CACHED_VIEWS or set(CACHED_VIEWS) & dependencies(name)
        }

    def use_fact_cache(self) -> bool:
        """From now on, cached views read their tables when these match the funnel and SQL."""
        self._cache_valid = self.meta("facts_key") == self.facts_key()
        self._installed -= {
            name for name in self._installed
            if name in CACHED_VIEWS or set(CACHED_VIEWS) & dependencies(name)
        }
        return self._cache_valid


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Ctrl-C is ignored for the block: once a load commits, it is finished rather than
    interrupted (the exit code 130 promises that nothing was written)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _polars_type(duckdb_type: str):
    """The Polars type of a DuckDB column type; None lets Polars infer (lists, structs)."""
    import polars as pl

    if duckdb_type.startswith("DECIMAL"):
        return pl.Float64
    return {
        "BIGINT": pl.Int64, "INTEGER": pl.Int64, "SMALLINT": pl.Int64, "TINYINT": pl.Int64,
        "HUGEINT": pl.Int64, "UBIGINT": pl.Int64, "UINTEGER": pl.Int64,
        "DOUBLE": pl.Float64, "FLOAT": pl.Float64,
        "VARCHAR": pl.String, "BOOLEAN": pl.Boolean, "DATE": pl.Date,
        "TIMESTAMP": pl.Datetime("us"), "TIMESTAMP_NS": pl.Datetime("ns"),
        "INTERVAL": pl.Duration("us"), '"NULL"': pl.Null,
    }.get(duckdb_type)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _connect(path: Path, read_only: bool, wait: float):
    """Open the file, waiting up to `wait` seconds while another process holds it."""
    duckdb = _duckdb()
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise DatabaseError(
                    f"Cannot open the database {path}: {_first_line(exc)}"
                ) from None
            if time.monotonic() >= deadline:
                pid = _LOCK_PID.search(message)
                holder = f" (PID {pid.group(1)})" if pid else ""
                raise DatabaseBusyError(
                    f"Another salesfunnel process{holder} holds the database {path}; "
                    f"gave up after waiting {wait:g} s. Try again later or raise --wait."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
        except duckdb.Error as exc:
            raise DatabaseError(
                f"Cannot open the database {path}: {_first_line(exc)}. "
                "Is it a salesfunnel (DuckDB) database?"
            ) from None


def open_database(
    path: Path,
    *,
    write: bool,
    config_funnel: Funnel | None,
    wait: float = DEFAULT_WAIT_SECONDS,
) -> Database:
    """Open (creating when `write`) a salesfunnel database and install funnel and views.

    The funnel in effect is the config file's when it defines one, else the one
    stored by the last load, else the default.
    """
    if not write and not path.exists():
        raise DatabaseError(
            f"No database at {path}. Load exports first with `salesfunnel load PATH --db {path}`."
        )
    if path.exists() and path.is_dir():
        raise DatabaseError(f"The database path {path} is a folder, not a file.")
    conn = _connect(path, read_only=not write, wait=wait)
    db = Database(conn, path, config_funnel or Funnel())
    try:
        conn.execute("set TimeZone = 'UTC'")
        if write:
            _ensure_schema(db)
        else:
            _check_schema(db)
        stored = db.meta("funnel")
        funnel = config_funnel or (Funnel.from_json(stored) if stored else Funnel())
        db.install_funnel(funnel)
        db.use_fact_cache()
    except BaseException:
        conn.close()
        raise
    return db


def _ensure_schema(db: Database) -> None:
    """Create the tables of a new database; a database of this version is left alone
    (running the DDL again costs a reload more than everything else)."""
    present = {
        name for (name,) in db.conn.execute(
            "select table_name from duckdb_tables() where not temporary"
        ).fetchall()
    }
    if not _schema_tables() <= present:  # a new database, or one older than a table
        db.conn.execute(_schema_sql())
    version = db.meta("schema_version")
    if version is None:
        db.set_meta("schema_version", SCHEMA_VERSION)
    elif version != SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {db.path} has schema version {version}; this salesfunnel "
            f"understands version {SCHEMA_VERSION}. Load the exports into a new database."
        )


def _check_schema(db: Database) -> None:
    tables = {row[0] for row in db.fetchall("select table_name from duckdb_tables()")}
    if "salesfunnel_meta" not in tables or "deals" not in tables:
        raise DatabaseError(
            f"{db.path} is a DuckDB file but not a salesfunnel database (no deals table). "
            "Load exports into it with `salesfunnel load` first."
        )
    version = db.meta("schema_version")
    if version != SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {db.path} has schema version {version}; this salesfunnel "
            f"understands version {SCHEMA_VERSION}."
        )


def memory_database() -> Database:
    """A scratch in-memory database (no schema, default funnel, no views)."""
    conn = _duckdb().connect(":memory:")
    conn.execute("set TimeZone = 'UTC'")
    return Database(conn, Path(":memory:"), Funnel())
