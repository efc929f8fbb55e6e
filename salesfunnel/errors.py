"""Named errors. Core modules raise these; only the CLI turns them into exit codes.

Exit codes (documented in the README):

    0   success (an empty report is a success)
    1   internal error (a bug: please report it)
    2   usage error (bad flag or flag value)
    3   input error (a file, folder or config that cannot be used; rejected rows with --strict)
    4   database busy (another salesfunnel process holds it longer than --wait)
    5   database error (missing, unreadable or not a salesfunnel database)
    6   query error (a report cannot be computed from what the database holds)
    130 interrupted (Ctrl-C); nothing was written
    143 terminated (SIGTERM); nothing was written
"""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """The documented exit codes (README, "Exit codes"; a test compares the two)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    INPUT = 3
    BUSY = 4
    DATABASE = 5
    QUERY = 6
    INTERRUPTED = 130
    TERMINATED = 143


class SalesfunnelError(Exception):
    """Base of every error the tool reports to the user as one paragraph."""

    exit_code = ExitCode.INTERNAL


class UsageError(SalesfunnelError):
    """A flag value that parses but cannot be used (e.g. a malformed --month)."""

    exit_code = ExitCode.USAGE


# the message of an option given an empty value (`--month ""`), in every command
EMPTY_VALUE = ("{flag} was given an empty value (an unset shell variable?): give it a value, "
               "or leave the option out.")
# the message of a folder named where a file is wanted (`-o reports/`, `init --out conf/`)
FOLDER_FOR_FILE = "{flag} {path} is a folder; give a file name."
EMPTY_PATH = ("PATH was given an empty value (an unset shell variable?): name the export files "
              "or folders to read.")


class InputError(SalesfunnelError):
    """An input file, folder or config file cannot be used."""

    exit_code = ExitCode.INPUT


class OutputError(InputError):
    """A report or summary cannot be written (closed pipe, full disk, unwritable file)."""


class ConfigError(InputError):
    """The config file is malformed or inconsistent."""


class CsvReadError(InputError):
    """DuckDB's CSV reader gave up on a file's structure (the loader names the file)."""


class DatabaseBusyError(SalesfunnelError):
    """Another process holds the database file."""

    exit_code = ExitCode.BUSY


class DatabaseError(SalesfunnelError):
    """The database is missing, corrupt or not a salesfunnel database."""

    exit_code = ExitCode.DATABASE


class QueryError(SalesfunnelError):
    """A report cannot be computed (e.g. a plan whose lookback has no wins)."""

    exit_code = ExitCode.QUERY


class Interrupted(SalesfunnelError):
    """The user pressed Ctrl-C; the running transaction was rolled back."""

    exit_code = ExitCode.INTERRUPTED


class Terminated(SalesfunnelError):
    """The process got SIGTERM; the running transaction was rolled back."""

    exit_code = ExitCode.TERMINATED
