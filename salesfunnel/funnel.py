"""The funnel: ordered stages (the last is the won stage), lost labels and aliases,
as the config's [funnel] defines it or a preset implies it. Labels match
case-insensitively after trimming spaces.

A funnel may also hold one funnel per pipeline (`[funnel."Renewals Pipeline"]`): the
deals of that pipeline use it; the deals of any other pipeline use the shared one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from salesfunnel.errors import ConfigError


def label_key(label: str) -> str:
    """The matching key of a stage, status, tier or reason label: trimmed and lower-cased
    character by character, as DuckDB's lower() does (no context: a final capital sigma
    becomes σ, not ς; İ becomes i), so keys made here and in SQL agree."""
    return "".join(char.lower()[:1] for char in label.strip())


@dataclass(frozen=True)
class Funnel:
    """Ordered stages (the last one is won), the labels meaning lost, and aliases."""

    stages: tuple[str, ...] = ("lead", "qualified", "opportunity", "won")
    lost_labels: tuple[str, ...] = ("lost",)
    aliases: tuple[tuple[str, str], ...] = ()
    # (pipeline name, its own funnel) for the pipelines that do not use the shared one
    pipelines: tuple[tuple[str, Funnel], ...] = ()

    def __post_init__(self) -> None:
        # one order for the aliases whatever their source (a preset's declaration, a config
        # table, the stored JSON), so two funnels of the same labels are equal
        object.__setattr__(self, "aliases", tuple(sorted(self.aliases)))

    def for_pipeline(self, pipeline: str | None) -> Funnel:
        """The funnel the deals of `pipeline` use (the shared one unless it has its own)."""
        return self._own(pipeline) or self.shared

    def has_own(self, pipeline: str) -> bool:
        """Whether `pipeline` has a funnel of its own."""
        return self._own(pipeline) is not None

    def _own(self, pipeline: str | None) -> Funnel | None:
        if pipeline is not None:
            for name, funnel in self.pipelines:
                if label_key(name) == label_key(pipeline):
                    return funnel
        return None

    @property
    def shared(self) -> Funnel:
        """This funnel without the per-pipeline ones."""
        return Funnel(self.stages, self.lost_labels, self.aliases) if self.pipelines else self

    def pipeline_label_rows(self) -> list[tuple[str | None, str, str, int | None, bool, bool]]:
        """(pipeline key or None for the shared funnel, label_key, canonical label,
        stage_index or None, is_lost, is_won) for every accepted label of every funnel."""
        funnels = [(None, self.shared)] + [(label_key(n), f) for n, f in self.pipelines]
        return [
            (pipeline, key, label, index, is_lost, index == len(funnel.stages))
            for pipeline, funnel in funnels
            for key, label, index, is_lost in funnel.label_rows()
        ]

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
        return json.dumps(self._as_dict())

    def _as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stages": self.stages, "lost": self.lost_labels, "aliases": dict(self.aliases)
        }
        if self.pipelines:
            data["pipelines"] = {name: funnel._as_dict() for name, funnel in self.pipelines}
        return data

    @classmethod
    def from_json(cls, text: str) -> Funnel:
        data = json.loads(text)
        return build_funnel(data, source="the database")


FUNNEL_KEYS = ("stages", "lost", "aliases")


def build_funnel(data: dict[str, Any], source: str) -> Funnel:
    """Validate a [funnel] table (from TOML or JSON) into a Funnel. Its sub-tables other
    than [funnel.aliases] are per-pipeline funnels, `[funnel."<pipeline>"]` (stored JSON
    keeps them under "pipelines")."""
    data = dict(data)
    pipelines = data.pop("pipelines", None) if isinstance(data.get("pipelines"), dict) \
        and all(isinstance(v, dict) for v in data["pipelines"].values()) else None
    pipelines = dict(pipelines or {})
    for key in [k for k in data if k not in FUNNEL_KEYS]:
        if not isinstance(data[key], dict):
            raise ConfigError(
                f"{source}: [funnel] has an unknown key {key!r}; it takes stages, lost, "
                'aliases and one table per pipeline ([funnel."Renewals Pipeline"]).'
            )
        pipelines[key] = data.pop(key)
    own = []
    for name, table in pipelines.items():
        if not name.strip():
            raise ConfigError(f"{source}: a [funnel.<pipeline>] table needs a pipeline name.")
        if any(label_key(name) == label_key(other) for other, _ in own):
            raise ConfigError(
                f"{source}: the pipeline {name!r} has two [funnel.<pipeline>] tables "
                "(pipeline names match case-insensitively)."
            )
        if "stages" not in table:
            raise ConfigError(f'{source}: [funnel."{name}"] needs its stages.')
        funnel = build_funnel(table, source=f'{source} [funnel."{name}"]')
        if funnel.pipelines:
            raise ConfigError(f'{source}: [funnel."{name}"] cannot hold pipelines of its own.')
        own.append((name.strip(), funnel))
    shared = _build_one(data, source)
    return Funnel(shared.stages, shared.lost_labels, shared.aliases, tuple(sorted(own)))


def _build_one(data: dict[str, Any], source: str) -> Funnel:
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
    _refuse_field_names(stages, source)
    return Funnel(
        stages=tuple(stages),
        lost_labels=tuple(lost),
        aliases=tuple(sorted((a.strip(), t.strip()) for a, t in aliases.items())),
    )


# the fields of the reports whose output has a column per stage (rank: X, X_rank and
# X_prev_rank; plan: X and X_step_rate; the pack's sheets and charts: month, stage,
# rank), and the `pipeline` field a report over several pipelines starts with
STAGE_COLUMN_FIELDS = (
    "rep", "won_amount", "lost", "win_rate", "win_rate_low", "win_rate_high", "low_volume",
    "events", "prev_events", "pipeline", "month", "stage", "rank", "target_amount",
    "won_needed", "reps_needed", "ramped_reps_needed", "seasonality", "headcount", "hires",
    "ramped_capacity", "managers", "avg_won_amount", "wins_per_rep_month",
)
STAGE_COLUMN_SUFFIXES = ("", "_rank", "_prev_rank", "_step_rate")


def _refuse_field_names(stages: list[str], source: str) -> None:
    """A stage named like a field of a report with a column per stage (rep, lost,
    pipeline, month, target_amount, ...), or named X_rank, X_prev_rank or X_step_rate
    beside a stage X, would give two output columns the same name."""
    names = {label_key(f): f for f in STAGE_COLUMN_FIELDS}
    for stage in stages:
        for suffix in STAGE_COLUMN_SUFFIXES:
            key = label_key(stage + suffix)
            if key in names:
                raise ConfigError(
                    f"{source}: the stage name {stage!r} gives the reports (rank, plan, the "
                    f"pack) the column {stage + suffix!r}, which is already their field "
                    f"{names[key]!r}. Rename the stage (the CRM's label can stay: map it with "
                    "[funnel.aliases])."
                )
            if suffix:
                names[key] = f"{stage}{suffix}"
        names.setdefault(label_key(stage), stage)


CREATED_AT_COLUMN = '([columns.deals] created_at = "<column>", e.g. Create Date, CreatedDate)'
"""The config line that maps a deal's created date, for the notices that miss it."""


def stage_dates_hint(stages: Sequence[str], first_stage: str) -> str:
    """Which columns would date these funnel stages (none of them has an entry date in
    the data): a created_at column for the first stage, a stage history file or a date
    column per stage for later ones. Shared by load's summary, init and the reports."""
    parts = []
    if first_stage in stages:
        parts.append(
            f"The first stage ({first_stage}) is dated by a created_at column "
            f"{CREATED_AT_COLUMN}."
        )
    later = [stage for stage in stages if stage != first_stage]
    if later:
        example = later[0]
        parts.append(
            f"{'Later stages are' if len(later) != 1 else example + ' is'} dated by a stage "
            "history file (deal_id, stage, entered_at) or a date column per stage in the "
            f"deals export ([columns.deals.stage_dates] \"{example}\" = \"<column>\", e.g. "
            f"HubSpot's \"Date entered {example}\")."
        )
    return " ".join(parts)
