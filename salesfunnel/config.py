"""The funnel definition and the config file that can change it.

The config is TOML (documented in docs/config.md)::

    [funnel]
    stages = ["lead", "qualified", "opportunity", "won"]   # ordered; the last is the won stage
    lost = ["lost"]                                          # labels that mean lost

    [funnel.aliases]                                         # CRM label -> stage or lost label
    "sql" = "qualified"
    "closed won" = "won"

Labels match case-insensitively after trimming spaces.
"""

from __future__ import annotations

import enum
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salesfunnel.errors import ConfigError

DEFAULT_CONFIG_NAME = "salesfunnel.toml"


def label_key(label: str) -> str:
    """The matching key of a stage, status, tier or reason label."""
    return label.strip().lower()


@dataclass(frozen=True)
class Funnel:
    """Ordered stages (the last one is won), the labels meaning lost, and aliases."""

    stages: tuple[str, ...] = ("lead", "qualified", "opportunity", "won")
    lost_labels: tuple[str, ...] = ("lost",)
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def lost_label(self) -> str:
        """The canonical label stored for a lost deal's stage."""
        return self.lost_labels[0]

    def label_rows(self) -> list[tuple[str, str, int | None, bool]]:
        """(label_key, canonical label, stage_index or None, is_lost) for every accepted label."""
        rows: dict[str, tuple[str, str, int | None, bool]] = {}
        for index, stage in enumerate(self.stages, start=1):
            rows[label_key(stage)] = (label_key(stage), stage, index, False)
        for lost in self.lost_labels:
            rows[label_key(lost)] = (label_key(lost), self.lost_label, None, True)
        for alias, target in self.aliases:
            target_row = rows[label_key(target)]
            rows[label_key(alias)] = (label_key(alias),) + target_row[1:]
        return list(rows.values())

    def to_json(self) -> str:
        return json.dumps(
            {"stages": self.stages, "lost": self.lost_labels, "aliases": dict(self.aliases)}
        )

    @classmethod
    def from_json(cls, text: str) -> Funnel:
        data = json.loads(text)
        return build_funnel(data, source="the database")


def build_funnel(data: dict[str, Any], source: str) -> Funnel:
    """Validate a [funnel] table (from TOML or JSON) into a Funnel."""
    stages = data.get("stages", list(Funnel.stages))
    lost = data.get("lost", list(Funnel.lost_labels))
    if isinstance(lost, str):
        lost = [lost]
    aliases = data.get("aliases", {})
    if not isinstance(stages, list) or len(stages) < 2 or not all(
        isinstance(s, str) and s.strip() for s in stages
    ):
        raise ConfigError(
            f"{source}: [funnel] stages must be a list of at least two non-empty names, "
            f"got {stages!r}."
        )
    if not isinstance(lost, list) or not lost or not all(isinstance(s, str) and s.strip() for s in lost):
        raise ConfigError(f"{source}: [funnel] lost must be a non-empty list of labels, got {lost!r}.")
    if not isinstance(aliases, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in aliases.items()
    ):
        raise ConfigError(f"{source}: [funnel.aliases] must map labels to stage names.")
    stages = [s.strip() for s in stages]
    lost = [s.strip() for s in lost]
    keys = [label_key(s) for s in stages + lost]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ConfigError(
            f"{source}: the labels {', '.join(duplicated)} appear more than once among "
            "[funnel] stages and lost labels (labels match case-insensitively)."
        )
    known = set(keys)
    for alias, target in aliases.items():
        if label_key(target) not in known:
            raise ConfigError(
                f"{source}: alias {alias!r} points to {target!r}, which is neither a stage "
                f"({', '.join(stages)}) nor a lost label ({', '.join(lost)})."
            )
        if label_key(alias) in known and label_key(alias) != label_key(target):
            raise ConfigError(
                f"{source}: alias {alias!r} is itself a stage or lost label; it cannot point "
                f"to {target!r}."
            )
    return Funnel(
        stages=tuple(stages),
        lost_labels=tuple(lost),
        aliases=tuple(sorted((a.strip(), t.strip()) for a, t in aliases.items())),
    )


@dataclass(frozen=True)
class TierRule:
    """How tiers are derived: from a tier `column` (default), from numeric bands over an
    accounts column (`accounts`), or from bands over the deal amount (`amount`).
    `bands` are (upper limit exclusive, tier) in ascending order; the last may have no limit."""

    source: str = "column"
    column: str | None = None
    bands: tuple[tuple[float | None, str], ...] = ()


class DateOrder(enum.StrEnum):
    """`--date-format` choices: the order of slash dates such as 03/04/2026."""

    mdy = "mdy"
    dmy = "dmy"


DATE_ORDERS = tuple(DateOrder)


@dataclass(frozen=True)
class Config:
    """What the config file says. `funnel` is None when the file does not define one."""

    path: Path | None = None
    funnel: Funnel | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    tiers: TierRule | None = None
    date_order: str | None = None
    skip_files: tuple[str, ...] = ()
    full_exports: bool = False  # [load] full_exports: each deals file lists every deal


def resolve_config_path(option: str | None) -> Path | None:
    """--config wins, then $SALESFUNNEL_CONFIG, then ./salesfunnel.toml when it exists."""
    if option:
        return Path(option)
    env = os.environ.get("SALESFUNNEL_CONFIG")
    if env:
        return Path(env)
    default = Path(DEFAULT_CONFIG_NAME)
    return default if default.is_file() else None


def load_config(option: str | None) -> Config:
    """Read and validate the config file; defaults everywhere when there is none."""
    path = resolve_config_path(option)
    if path is None:
        return Config()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"The config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"The config file {path} cannot be read: {exc}.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
    funnel_table = data.get("funnel")
    funnel = None
    if funnel_table is not None:
        if not isinstance(funnel_table, dict):
            raise ConfigError(f"{path}: [funnel] must be a table.")
        funnel = build_funnel(funnel_table, source=str(path))
    return Config(
        path=path,
        funnel=funnel,
        raw=data,
        tiers=_tier_rule(data.get("tiers"), path),
        date_order=_date_order(data.get("dates"), path),
        skip_files=_skip_files(data.get("files"), path),
        full_exports=_full_exports(data.get("load"), path),
    )


def _tier_rule(table: Any, path: Path) -> TierRule | None:
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tiers] must be a table.")
    source = table.get("source", "column")
    if source not in ("column", "accounts", "amount"):
        raise ConfigError(f"{path}: [tiers] source must be column, accounts or amount; got {source!r}.")
    column = table.get("column")
    if source == "accounts" and not isinstance(column, str):
        raise ConfigError(f"{path}: [tiers] source = accounts needs column = \"<accounts column>\".")
    bands: list[tuple[float | None, str]] = []
    for band in table.get("bands", []):
        if not isinstance(band, dict) or not isinstance(band.get("tier"), str):
            raise ConfigError(f"{path}: each [tiers] band is {{ below = N, tier = \"name\" }}.")
        limit = band.get("below")
        if limit is not None and not isinstance(limit, int | float):
            raise ConfigError(f"{path}: [tiers] band below = {limit!r} is not a number.")
        bands.append((None if limit is None else float(limit), label_key(band["tier"])))
    if source != "column" and not bands:
        raise ConfigError(f"{path}: [tiers] source = {source} needs bands.")
    limits = [limit for limit, _ in bands if limit is not None]
    if limits != sorted(limits) or any(limit is None for limit, _ in bands[:-1]):
        raise ConfigError(
            f"{path}: [tiers] bands must ascend, and only the last may omit `below`."
        )
    return TierRule(source=source, column=column, bands=tuple(bands))


def _date_order(table: Any, path: Path) -> str | None:
    if table is None:
        return None
    order = table.get("order") if isinstance(table, dict) else None
    if order not in DATE_ORDERS:
        raise ConfigError(f"{path}: [dates] order must be \"mdy\" or \"dmy\"; got {order!r}.")
    return order


def _skip_files(table: Any, path: Path) -> tuple[str, ...]:
    if table is None:
        return ()
    skip = table.get("skip", []) if isinstance(table, dict) else None
    if not isinstance(skip, list) or not all(isinstance(s, str) for s in skip):
        raise ConfigError(f"{path}: [files] skip must be a list of file names or patterns.")
    return tuple(skip)


def _full_exports(table: Any, path: Path) -> bool:
    if table is None:
        return False
    value = table.get("full_exports", False) if isinstance(table, dict) else None
    if not isinstance(value, bool):
        raise ConfigError(f"{path}: [load] full_exports must be true or false; got {value!r}.")
    return value
