"""The kinds of file the tool loads: one source of truth for their canonical fields.

Each kind names its required and optional canonical fields and the SQL key that
identifies one of its rows (to find repeated keys within a file). Presets, the
loader and the CLI's `--kind` choices all read this table; nothing adds to it
at run time.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


@dataclass(frozen=True)
class KindSpec:
    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    key: str  # SQL expression over a staged row that identifies it
    one_of: tuple[str, ...] = ()  # optional fields of which a file must have at least one

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec(
            "deals",
            required=("deal_id", "rep", "stage"),
            optional=(
                "tier", "source", "account", "created_at", "status", "lost_reason", "amount",
                "closed_at", "currency", "pipeline",
            ),
            key="deal_id",
        ),
        KindSpec(
            "history",
            required=("deal_id", "stage", "entered_at"),
            optional=(),
            key="(deal_id, stage, entered_at)",
        ),
        KindSpec("accounts", required=("account",), optional=("tier",), key="account"),
        KindSpec("reps", required=("rep",), optional=("team", "manager"), key="rep"),
        # owner ids -> names (a Salesforce User export, HubSpot owners): reports show the
        # name of a deal whose rep is a user id
        # (HubSpot owners give first and last name: name is built from them)
        KindSpec("users", required=("user_id", "name"), optional=(), key="user_id"),
        KindSpec(
            "subscriptions",
            required=("started_at",),
            optional=("customer_id", "deal_id", "rep", "tier", "ended_at", "mrr", "currency"),
            key="customer_id",
            one_of=("customer_id", "deal_id"),
        ),
    )
}

KIND_NAMES = tuple(KINDS)

# the rep of a deal from a file without an owner column
NO_OWNER = "(no owner)"

# the canonical fields that hold a date or datetime
DATE_FIELDS = ("created_at", "closed_at", "entered_at", "started_at", "ended_at")


class Kind(enum.StrEnum):
    """`--kind` choices (validated and listed by Typer)."""

    deals = "deals"
    history = "history"
    accounts = "accounts"
    reps = "reps"
    users = "users"
    subscriptions = "subscriptions"
