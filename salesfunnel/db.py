"""The one module that talks to DuckDB.

A `Database` wraps a connection to the persistent file. On every connection the
funnel in effect is installed as two temp tables (`funnel_stages`,
`stage_labels`) and the views and macros of the SQL tree's layers `facts/`,
`reports/` and `info/` are created as temp objects when first used, so the SQL
always matches the code that runs it.

The SQL tree is read by sqltree.py (`sql_text`, `query_files`).

It is one piece on purpose (about 700 lines): every call into DuckDB, the
translation of DuckDB's exceptions and of every external failure (disk full, I/O
error, a corrupt block, a commit that cannot be written: `_external_failure`, exit
5), transactions, opening (with the connection's memory, temp folder and threads:
`resource_settings`), the schema's creation inside the load's transaction, its
version check and migration live together so that no other module needs to know
DuckDB. Paths are checked before (paths.py).

User values reach SQL only as bound parameters. The few identifiers that must
be spliced (view and macro names) go through `quote_ident`.
"""

from __future__ import annotations

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

from salesfunnel.errors import (
    EMPTY_VALUE,
    ConfigError,
    CsvReadError,
    DatabaseBusyError,
    DatabaseError,
    Interrupted,
    QueryError,
    UsageError,
)
from salesfunnel.funnel import Funnel, label_key
from salesfunnel.paths import check_database_path, file_state, restore_length
from salesfunnel.rows import Rows
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
SCHEMA_VERSION = "5"
# version -> what brings a database of that version to the next one (in one transaction,
# on the first open by this release); schema.sql only creates tables that are missing
MIGRATIONS = {
    "1": "create the tables and columns added since (schema.sql, migrate.sql) and rebuild the "
    "cached facts",
    "2": "add deals.pipeline (migrate.sql) and rebuild the cached facts",
    "3": "add load_rejects.deal_id (migrate.sql): a rejected row's deal is in its export",
    "4": "add subscriptions.currency (migrate.sql): MRR is never added across currencies",
}
DEFAULT_WAIT_SECONDS = 5.0
# DuckDB's memory on every connection: a quarter of the machine's RAM, at most 2 GiB (a
# large load or report spills to the temp directory instead of growing); overridden by
# $SALESFUNNEL_MEMORY_LIMIT, $SALESFUNNEL_TEMP_DIR and $SALESFUNNEL_THREADS
DEFAULT_MEMORY_SHARE = 0.25
DEFAULT_MEMORY_CAP = 2 * 1024**3
MIN_MEMORY = 64 * 1000**2
_MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4,
          "kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}

_PACKAGE_DIR = Path(__file__).resolve().parent
_LOCK_PID = re.compile(r"PID (\d+)")


def quote_ident(name: str) -> str:
    """Quote an SQL identifier for DuckDB: the only way names are spliced into SQL."""
    return '"' + name.replace('"', '""') + '"'


def resolve_db_path(option: str | None) -> Path:
    """--db wins, then $SALESFUNNEL_DB, then ./salesfunnel.duckdb. An empty --db (an
    unset shell variable) is a UsageError, never the default database."""
    if option is not None and not option.strip():
        raise UsageError(EMPTY_VALUE.format(flag="--db"))
    text = option or os.environ.get("SALESFUNNEL_DB") or DEFAULT_DB_NAME
    if text.endswith(("/", os.sep)):  # Path() drops the slash: a load made a file `data`
        raise DatabaseError(f"The database path {text} is a folder, not a file.")
    return Path(text)


@cache
def _schema_tables() -> frozenset[str]:
    return frozenset(re.findall(r"create table if not exists (\w+)", _schema_sql()))


@cache
def _schema_sql() -> str:
    return sql_text("schema")


def _duckdb():
    """The DuckDB engine: its extension module `_duckdb`, which the `duckdb` package
    re-exports (the same connection, exception and type objects).

    Importing the package also runs its Python layer (the relational API, expressions,
    version metadata): about 80 ms of every run's start-up, a third of a small report,
    and salesfunnel's SQL uses none of it. `_duckdb_package()` brings that layer in where
    a relation is wanted (a Polars frame through Arrow). A DuckDB whose engine is not
    importable on its own is used through the package."""
    try:
        import _duckdb as engine
    except ImportError:  # pragma: no cover - a DuckDB release that moved its engine
        import duckdb as engine
    return engine


def _duckdb_package():
    """The whole `duckdb` package; importing it adds `sql()`, `pl()` and the other
    relation methods to every connection, open ones included."""
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
        self.cache_outdated = False
        self.full_funnel = funnel  # with the per-pipeline funnels
        self.scope_mode = "all"  # which pipelines the facts hold (install_funnel, scope_pipeline)
        self._currency: str | None = None
        self._pending = False  # a transaction is open (schema creation, then the load)
        self.created = False  # this process created the file (removed unless committed)
        self.committed = False
        # an existing file opened for writing: its length and headers (paths.file_state)
        self.state_before: tuple[int, bytes] | None = None
        self.config: Any = None  # the Config the CLI opened it with (stale-data threshold)
        self.read_only = False
        self._meta: dict[str, str] | None = None  # salesfunnel_meta of a read-only database

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
        return self.rows(sql, params).to_polars()

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Rows:
        """Run a query and return its (report-sized) result as Python rows with their
        DuckDB column types (no Polars)."""
        self.ensure(*referenced_queries(sql))

        def fetch():
            cursor = self.conn.execute(sql, params)
            return cursor.fetchall(), cursor.description

        data, description = self._run(fetch)
        return Rows([column[0] for column in description],
                    [str(column[1]) for column in description], data)

    def bulk_frame(self, sql: str) -> pl.DataFrame:
        """A large result as a Polars DataFrame, through Arrow."""
        self.ensure(*referenced_queries(sql))
        _duckdb_package()
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
            raise QueryError(
                f"DuckDB ran out of memory: {_first_line(exc)}. Give it more with "
                "$SALESFUNNEL_MEMORY_LIMIT (e.g. SALESFUNNEL_MEMORY_LIMIT=12GB; the default is "
                "a quarter of the RAM, at most 2 GiB; docs/performance.md, \"Knobs\")."
            ) from None
        except duckdb.InvalidInputException as exc:
            if "CSV" not in str(exc):
                raise
            raise CsvReadError(_first_line(exc)) from None
        except (duckdb.IOException, duckdb.FatalException, duckdb.InternalException, OSError) as exc:
            raise _external_failure(self.path, exc) from None
        except duckdb.TransactionException as exc:
            if "failed to commit" not in str(exc).lower():
                raise
            raise _external_failure(self.path, exc) from None
        except duckdb.CatalogException as exc:
            if self.path != Path(":memory:") and _missing_table(self, exc):
                raise DatabaseError(
                    f"The database {self.path} lacks a table it should hold "
                    f"({_first_line(exc)}); it was changed by hand or is damaged. Load the "
                    "exports into a new database."
                ) from None
            raise
        except duckdb.Error as exc:
            # a block whose checksum does not match, met while a report reads it: DuckDB
            # raises its base Error class for it
            if _is_corrupt(exc):
                raise _external_failure(self.path, exc) from None
            raise

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: on any exception the database is exactly as before. A database
        opened for writing is already in a transaction (its schema was created or
        migrated in it): this one continues it, so nothing is written before the commit."""
        if not self._pending:
            self._run(lambda: self.conn.execute("begin transaction"))
        self._pending = True
        try:
            yield
        except BaseException:
            self._pending = False
            try:
                self.conn.execute("rollback")
            except Exception:  # the connection may already have aborted the transaction
                pass
            raise
        else:
            with _ctrl_c_held():  # a commit cut short would be reported as rolled back
                self._run(lambda: self.conn.execute("commit"))
                self._pending = False
                self.committed = True

    def close(self) -> None:
        """Close the connection (checkpointing what was committed). A database file this
        process created is removed again unless a load committed into it; an existing
        one a load did not commit into gets its old length back (paths.restore_length)."""
        closed = False
        try:
            with _ctrl_c_held():  # closing checkpoints committed data into the file
                if self._pending:
                    try:
                        self.conn.execute("rollback")
                    except Exception:
                        pass
                    self._pending = False
                self._run(self.conn.close)
                closed = True
        finally:
            if self.created and not self.committed:
                for leftover in (self.path, Path(f"{self.path}.wal")):
                    leftover.unlink(missing_ok=True)
            elif closed and self.state_before is not None and not self.committed:
                restore_length(self.path, self.state_before)

    # -- metadata ------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        """A value of salesfunnel_meta. A read-only database reads the table once (a
        report asks for several keys while it opens); a writing one asks each time."""
        if not self.read_only:
            return self.scalar("select value from salesfunnel_meta where key = ?", [key])
        if self._meta is None:
            self._meta = dict(self.fetchall("select key, value from salesfunnel_meta"))
        return self._meta.get(key)

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "insert or replace into salesfunnel_meta (key, value) values (?, ?)", [key, value]
        )

    def install_funnel(self, funnel: Funnel) -> None:
        """(Re)create the temp tables that describe the funnel in effect (every pipeline's
        labels in `stage_labels`; the stages of the shared funnel in `funnel_stages`) and
        reset the pipeline scope to every deal."""
        self.full_funnel = funnel
        self.execute(
            "create or replace temp table stage_labels (pipeline_key varchar, label_key varchar, "
            "stage varchar, stage_index integer, is_lost boolean, is_won boolean)"
        )
        self._insert_rows("stage_labels", funnel.pipeline_label_rows())
        self.execute("create or replace temp table pipeline_scope (mode varchar, pipeline_key varchar)")
        self._set_scope("all", None, funnel.shared)

    def _insert_rows(self, table: str, rows: Sequence[Sequence[Any]]) -> None:
        """A few rows into a temp table in one statement (bound values): the funnel's
        labels and stages, written on every opening, so one statement instead of one per row."""
        if not rows:
            return
        row = f"({', '.join('?' for _ in rows[0])})"
        self.conn.execute(
            f"insert into {quote_ident(table)} values {', '.join(row for _ in rows)}",
            [value for values in rows for value in values],
        )

    def _set_scope(self, mode: str, pipeline: str | None, funnel: Funnel) -> None:
        """Which deals the facts views hold (mode all, one pipeline, or `shared`: the
        pipelines without a funnel of their own) and the stages they count."""
        self.funnel = funnel
        self.scope_mode = mode
        self.conn.execute("delete from pipeline_scope")
        self.conn.execute(
            "insert into pipeline_scope values (?, ?)",
            [mode, label_key(pipeline) if pipeline is not None else None],
        )
        self.execute(
            "create or replace temp table funnel_stages "
            "(stage_index integer, stage varchar, stage_key varchar, is_won boolean)"
        )
        n = len(funnel.stages)
        self._insert_rows(
            "funnel_stages",
            [(i, s, label_key(s), i == n) for i, s in enumerate(funnel.stages, start=1)],
        )
        self._reset_fact_views()
        if self._currency is not None:  # a --currency scope holds in every pipeline scope
            self.restrict_to_currency(self._currency)

    def scope_pipeline(self, pipeline: str | None) -> None:
        """From now on the facts (and so every report) hold only the deals of `pipeline`
        (None: the deals without one), counted through that pipeline's funnel."""
        self._set_scope("one", pipeline, self.full_funnel.for_pipeline(pipeline))

    def scope_every_pipeline(self) -> None:
        """Back to the facts of every deal (the shared funnel's stages)."""
        self._set_scope("all", None, self.full_funnel.shared)

    def unconverted_amounts(self) -> list[tuple[str, int]]:
        """(currency, deals) of the loaded deals whose amount is unknown in the report
        currency (facts/unconverted_amounts: no rate for it), by currency code."""
        return self.fetchall("select currency, deals from unconverted_amounts order by currency")

    def pipelines(self) -> list[str | None]:
        """The pipelines of the loaded deals (the most used spelling of each, None for
        deals without one), in name order with None last. Stored by the load that last
        refreshed the facts, so a report does not scan the deals for them."""
        import json

        stored = self.meta("pipelines") if self._cache_valid else None
        if stored is not None:
            return json.loads(stored)
        return [name for (name,) in self.fetchall("select pipeline from pipeline_deals")]

    def _reset_fact_views(self) -> None:
        self._installed -= {
            name for name in self._installed
            if name in CACHED_VIEWS or set(CACHED_VIEWS) & dependencies(name)
        }

    def install_queries(self, *names: str) -> None:
        """Create the named views and macros of the view layers (default: every one) and
        what they read, as live definitions (no cache read), on this connection."""
        self._installed.clear()
        self._cache_valid = False
        self.ensure(*(names or (q.name for q in query_files())))

    def ensure(self, *names: str) -> None:
        """Create the named views/macros of the view layers and what they read, once per
        connection. A cached view reads its table when the cache is valid."""
        files = {q.name: q for q in query_files()}
        for name in names:
            if name in self._installed or name not in files:
                continue
            query = files[name]
            if name in CACHED_VIEWS and self._cache_valid:
                # reads its table alone: what the live view reads is not created
                scoped = ""
                if self.scope_mode != "all":
                    self.ensure("in_pipeline")
                    scoped = " where in_pipeline(pipeline)"
                sql = (
                    f"create or replace temp view {quote_ident(name)} as "
                    f"select * from main.{quote_ident(name + '_cache')}{scoped}"
                )
            else:
                self.ensure(*sorted(query.depends_on))
                sql = query.sql
            try:
                self.conn.execute(sql)
            except _duckdb().Error as exc:
                raise DatabaseError(
                    f"Query file {query.name}.sql failed to compile: {_first_line(exc)}"
                ) from None
            self._installed.add(name)

    @property
    def currency_scope(self) -> str | None:
        """The currency the reports are restricted to (--currency), or None."""
        return self._currency

    def restrict_to_currency(self, currency: str) -> None:
        """From now on the per-deal facts (and so every report) hold only the deals whose
        amounts are in `currency`."""
        self._currency = currency
        self.ensure("deal_facts", "deal_stage_dates")

        def scope() -> None:
            self.conn.execute(
                "create or replace temp table deal_facts_in_currency as "
                "select * from deal_facts where currency = ?", [currency]
            )
            self.conn.execute(
                "create or replace temp table deal_stage_dates_in_currency as "
                "select * from deal_stage_dates semi join deal_facts_in_currency using (deal_id)"
            )
            for view in ("deal_facts", "deal_stage_dates"):
                self.conn.execute(
                    f"create or replace temp view {quote_ident(view)} as "
                    f"select * from {quote_ident(view + '_in_currency')}"
                )

        self._run(scope)

    # -- derived per-deal facts, materialised at load time ------------------------------
    def facts_key(self) -> str:
        """Identifies what the cached facts were computed with: the funnel and the SQL
        (the SHA-256 of both, which every open compares; DuckDB's sha256 gives hashlib's
        digest without the 4 ms of loading OpenSSL)."""
        sql = "".join(q.sql for q in query_files() if q.name in CACHED_VIEWS)
        digest = self.scalar("select sha256(?)", [self.full_funnel.to_json() + sql])
        return str(digest)[:16]

    def refresh_fact_cache(self) -> None:
        """Recompute the cached per-deal facts from the live views (inside the caller's
        transaction), so reports read small tables instead of recomputing them. With
        per-pipeline funnels, each funnel's deals are computed through it."""
        import json

        # the live definitions of the cached views and what they read (not a cache read by
        # an earlier override); the reports' views are created when a report asks for them
        self.install_queries(*CACHED_VIEWS)
        full = self.full_funnel
        scopes = [("all", None, full)] if not full.pipelines else [("shared", None, full.shared)] + [
            ("one", name, funnel) for name, funnel in full.pipelines
        ]
        self.ensure("in_pipeline")
        for position, view in enumerate(CACHED_VIEWS):
            cache_table = quote_ident(view + "_cache")
            for number, (mode, pipeline, funnel) in enumerate(scopes):
                self._set_scope(mode, pipeline, funnel)
                for earlier in CACHED_VIEWS[:position]:  # later views read the caches just built
                    self.conn.execute(
                        f"create or replace temp view {quote_ident(earlier)} as select * from "
                        f"main.{quote_ident(earlier + '_cache')} where in_pipeline(pipeline)"
                    )
                    self._installed.add(earlier)
                verb = f"create or replace table {cache_table} as" if number == 0 \
                    else f"insert into {cache_table}"
                self.execute(f"{verb} select * from {quote_ident(view)}")
        self.set_meta("facts_key", self.facts_key())
        self._cache_valid = False  # the pipelines from the deals, then stored with the facts
        self.set_meta("pipelines", json.dumps(self.pipelines()))
        self._set_scope("all", None, full.shared)
        self.use_fact_cache()

    def include_removed_deals(self) -> None:
        """From now on, reports also count deals removed by a full export (facts computed live)."""
        self.ensure("include_removed")
        self.conn.execute("create or replace temp macro include_removed() as true")
        self._cache_valid = False
        self._reset_fact_views()

    def use_fact_cache(self) -> bool:
        """From now on, cached views read their tables when these match the funnel and SQL.
        `cache_outdated`: the tables were computed with other SQL (another release), so
        reports compute the facts live until the next load refreshes them."""
        stored, key = self.meta("facts_key"), self.facts_key()
        self._cache_valid = stored == key
        self.cache_outdated = bool(stored) and stored != key
        self._reset_fact_views()
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def resource_settings(path: Path) -> dict[str, Any]:
    """DuckDB's `memory_limit` (bytes), `temp_directory` and `threads` for a connection
    to `path`: from $SALESFUNNEL_MEMORY_LIMIT (e.g. 3GB, 512MiB), $SALESFUNNEL_TEMP_DIR
    and $SALESFUNNEL_THREADS, else a quarter of the RAM (at most 2 GiB), `<db>.tmp`
    beside the database (for an in-memory one, salesfunnel-<pid>.tmp in the system's
    temporary folder), and DuckDB's own thread count. A malformed value: UsageError."""
    settings: dict[str, Any] = {}
    text = os.environ.get("SALESFUNNEL_MEMORY_LIMIT", "").strip()
    if text:
        found = _MEMORY_SIZE.fullmatch(text)
        size = float(found.group(1)) * _UNITS[found.group(2).lower()] if found else 0
        if not found or not MIN_MEMORY <= size < 2**60:
            raise UsageError(
                f"$SALESFUNNEL_MEMORY_LIMIT takes a size of at least 64MB with its unit, such "
                f"as 3GB or 512MiB; got {text!r}."
            )
        settings["memory_limit"] = int(size)
    else:
        settings["memory_limit"] = _default_memory()
    temp = os.environ.get("SALESFUNNEL_TEMP_DIR", "").strip()
    if temp:
        folder = Path(temp)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"$SALESFUNNEL_TEMP_DIR {temp!r} is not a folder.")
        settings["temp_directory"] = str(folder)
    elif path != Path(":memory:"):
        settings["temp_directory"] = f"{path}.tmp"
    else:
        # DuckDB's own default for an in-memory database is ./.tmp: a spill of init or
        # sample would land in the user's working folder (or fail in a read-only one)
        import tempfile

        settings["temp_directory"] = str(Path(tempfile.gettempdir()) / f"salesfunnel-{os.getpid()}.tmp")
    threads = os.environ.get("SALESFUNNEL_THREADS", "").strip()
    if threads:
        if not threads.isdigit() or not 1 <= int(threads) <= 1024:
            raise UsageError(
                f"$SALESFUNNEL_THREADS takes a whole number from 1 to 1024; got {threads!r}."
            )
        settings["threads"] = int(threads)
    return settings


def _default_memory() -> int:
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not known here: the cap
        return DEFAULT_MEMORY_CAP
    return max(MIN_MEMORY, min(DEFAULT_MEMORY_CAP, int(ram * DEFAULT_MEMORY_SHARE)))


def _apply_settings(conn, path: Path) -> None:
    """The connection's time zone (UTC) and resource bounds (`resource_settings`)."""
    settings = resource_settings(path)
    conn.execute("set TimeZone = 'UTC'")
    conn.execute(f"set memory_limit = '{int(settings['memory_limit'])}B'")
    if "temp_directory" in settings:
        conn.execute("set temp_directory = ?", [settings["temp_directory"]])
    if "threads" in settings:
        conn.execute(f"set threads = {int(settings['threads'])}")


def _connect(path: Path, read_only: bool, wait: float):
    """Open the file, waiting up to `wait` seconds while another process holds it; the
    connection gets its time zone and resource bounds (`_apply_settings`)."""
    resource_settings(path)  # a malformed setting is a usage error before anything opens
    duckdb = _duckdb()
    if not 0 <= wait <= 86400:  # NaN too: it would wait forever
        raise UsageError(f"--wait takes seconds from 0 to 86400; got {wait}.")
    deadline = time.monotonic() + wait
    delay = 0.05
    while True:
        try:
            conn = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise _external_failure(path, exc) from None
            if time.monotonic() >= deadline:
                pid = _LOCK_PID.search(message)
                holder = f" (PID {pid.group(1)})" if pid else ""
                raise DatabaseBusyError(
                    f"Another salesfunnel process{holder} holds the database {path}; "
                    f"gave up after waiting {wait:g} s. Try again later or raise --wait."
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.5)
            continue
        except (duckdb.Error, OSError, UnicodeError) as exc:
            if _is_corrupt(exc):
                raise _external_failure(path, exc) from None
            raise DatabaseError(
                f"Cannot open the database {path}: {_first_line(exc)}. "
                "Is it a salesfunnel (DuckDB) database?"
            ) from None
        try:
            _apply_settings(conn, path)
        except BaseException:
            conn.close()
            raise
        return conn


def open_database(
    path: Path,
    *,
    write: bool,
    config_funnel: Funnel | None,
    wait: float = DEFAULT_WAIT_SECONDS,
    funnel_from_config: bool = False,
) -> Database:
    """Open a salesfunnel database and install funnel and views.

    The path is checked first (paths.py). Writing opens a transaction at once: a new
    database's schema is created inside it, so a failed load leaves no file, and a
    foreign DuckDB file is refused untouched. An older schema version is migrated in
    one transaction; a newer one is refused.

    The funnel in effect is the one stored by the last load; a config whose [funnel]
    differs from it is refused (ConfigError) unless `funnel_from_config`. A config
    [funnel] is used as is on a database that has none stored yet.
    """
    existed = check_database_path(path, write=write)
    # before connecting: closing a descriptor of the file once DuckDB holds its lock
    # would drop that lock (paths.py, "Locks")
    state_before = file_state(path) if write and existed else None
    conn = _connect(path, read_only=not write, wait=wait)
    tables = None if write else _tables_or_close(conn, path)
    if tables is not None and _needs_migration(conn, path, tables):
        # a report on an older database: migrate it (read-write, one transaction), then
        # open it read-only as usual; a current database is opened once
        conn.close()
        _migrate_file(path, wait)
        conn = _connect(path, read_only=True, wait=wait)
        tables = None
    db = Database(conn, path, config_funnel or Funnel())
    db.created = not existed
    db.state_before = state_before
    db.read_only = not write
    try:
        if write:
            _ensure_schema(db)
        else:
            _check_schema(db, tables)
        stored = _stored_funnel(db)
        if stored is not None and config_funnel is not None and config_funnel != stored \
                and not funnel_from_config:
            raise ConfigError(
                f"The config's [funnel] ({' > '.join(config_funnel.stages)}; lost: "
                f"{', '.join(config_funnel.lost_labels)}) differs from the funnel {path} was "
                f"loaded with ({' > '.join(stored.stages)}; lost: "
                f"{', '.join(stored.lost_labels)}). Is this the right config for this "
                "database? Run without it (from another folder, or with another --config), "
                "or reload with `salesfunnel load --funnel-from-config` to change the funnel."
            )
        funnel = config_funnel if (funnel_from_config or stored is None) and config_funnel \
            else (stored or Funnel())
        db.install_funnel(funnel)
        db.use_fact_cache()
    except BaseException:
        db.close()
        raise
    return db


def _stored_funnel(db: Database) -> Funnel | None:
    stored = db.meta("funnel")
    if stored is None:
        return None
    try:
        return Funnel.from_json(stored)
    except (ValueError, TypeError, AttributeError, ConfigError) as exc:
        raise DatabaseError(
            f"The funnel stored in {db.path} cannot be read ({exc}); the database was "
            "changed by hand or is damaged. Load the exports into a new database."
        ) from None


def _tables(db: Database) -> set[str]:
    """The database file's tables, in every schema (no temp tables, no views).

    information_schema, not duckdb_tables(): that one sizes every table, 12 ms on the
    first call of a run against 6 ms."""
    return {
        name for (name,) in db.conn.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'BASE TABLE'"
        ).fetchall()
    }


def _version_of(db: Database, tables: set[str]) -> str | None:
    if "salesfunnel_meta" not in tables:
        return None
    rows = db.conn.execute(
        "select value from salesfunnel_meta where key = 'schema_version'"
    ).fetchall()
    return rows[0][0] if rows else None


def _refuse_newer(db: Database, version: str) -> None:
    if version.isdigit() and int(version) > int(SCHEMA_VERSION):
        raise DatabaseError(
            f"The database {db.path} has schema version {version}, newer than version "
            f"{SCHEMA_VERSION} that this salesfunnel understands; it was written by a newer "
            "release. Upgrade salesfunnel to use it."
        )
    if version not in MIGRATIONS and version != SCHEMA_VERSION:
        raise DatabaseError(
            f"The database {db.path} has schema version {version!r}, which this salesfunnel "
            f"(version {SCHEMA_VERSION}) does not know. Load the exports into a new database."
        )


def _ensure_schema(db: Database) -> None:
    """Begin the load's transaction; create the schema of a new database in it, or
    migrate an older one. A DuckDB file that is not a salesfunnel database is refused."""
    tables = _tables(db)
    version = _version_of(db, tables)
    if tables and version is None:
        raise DatabaseError(
            f"{db.path} is a DuckDB database but not a salesfunnel one (it holds "
            f"{', '.join(sorted(tables)[:5])}); salesfunnel leaves it untouched. Give --db "
            "another file."
        )
    if version is not None:
        _refuse_newer(db, version)
    db._run(lambda: db.conn.execute("begin transaction"))
    db._pending = True
    if version is None:
        db._run(lambda: db.conn.execute(_schema_sql()))
        db.set_meta("schema_version", SCHEMA_VERSION)
    elif version != SCHEMA_VERSION:
        _migrate(db)
    elif not _schema_tables() <= tables:
        raise DatabaseError(
            f"The database {db.path} lacks the table(s) "
            f"{', '.join(sorted(_schema_tables() - tables))}; it was changed by hand or is "
            "damaged. Load the exports into a new database."
        )


def _migrate(db: Database) -> None:
    """Bring an older database to SCHEMA_VERSION (inside the caller's transaction)."""
    db._run(lambda: db.conn.execute(_schema_sql()))  # the tables added since
    db.run_script(sql_text("migrate"))  # and the columns
    db.set_meta("schema_version", SCHEMA_VERSION)
    db.set_meta("facts_key", "")  # the cached facts are rebuilt by the load (or below)


def _tables_or_close(conn, path: Path) -> set[str]:
    """The tables of the database on `conn` (closed when that fails)."""
    try:
        return _tables(Database(conn, path, Funnel()))
    except BaseException:
        conn.close()
        raise


def _needs_migration(conn, path: Path, tables: set[str]) -> bool:
    """Whether the database on `conn` has an older schema version (or, to be refused
    by the migration's checks, an unknown one)."""
    try:
        return _version_of(Database(conn, path, Funnel()), tables) not in (SCHEMA_VERSION, None)
    except BaseException:
        conn.close()
        raise


def _migrate_file(path: Path, wait: float) -> None:
    """Migrate an older database in one transaction before a report reads it."""
    db = Database(_connect(path, read_only=False, wait=wait), path, Funnel())
    try:
        version = _version_of(db, _tables(db))
        if version is None or version == SCHEMA_VERSION:
            return
        _refuse_newer(db, version)
        with db.transaction():
            _migrate(db)
            stored = _stored_funnel(db)
            db.install_funnel(stored or Funnel())
            db.refresh_fact_cache()
    finally:
        db.close()


def _check_schema(db: Database, tables: set[str] | None = None) -> None:
    tables = _tables(db) if tables is None else tables
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
    missing = _schema_tables() - tables
    if missing:
        raise DatabaseError(
            f"The database {db.path} lacks the table(s) {', '.join(sorted(missing))}; it was "
            "changed by hand or is damaged. Load the exports into a new database."
        )


def _missing_table(db: Database, exc: Exception) -> bool:
    return "does not exist" in str(exc) and any(t in str(exc) for t in _schema_tables())


def _is_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return "corrupt" in text or "checksum" in text


def _external_failure(path: Path, exc: BaseException) -> DatabaseError:
    """Every failure outside the tool (disk full, I/O error, a corrupt block, a
    permission) on the database: one paragraph, exit 5."""
    text = _first_line(exc)
    lowered = text.lower()
    if "no space" in lowered or "disk is full" in lowered or "enospc" in lowered:
        why = "the disk is full"
    elif "checksum" in lowered or "corrupt" in lowered:
        why = "the file is damaged (a block's checksum does not match)"
    elif "permission" in lowered or "read-only" in lowered or "read only" in lowered:
        why = "permission denied"
    else:
        why = "an I/O error"
    return DatabaseError(
        f"Database error on {path}: {why} ({text})."
    )


def memory_database() -> Database:
    """A scratch in-memory database (no schema, default funnel, no views)."""
    conn = _duckdb().connect(":memory:")
    _apply_settings(conn, Path(":memory:"))
    return Database(conn, Path(":memory:"), Funnel())
