"""The order `salesfunnel init` proposes for a funnel's open stages (infer_funnel.py
gathers each label's numbers): a sort-order column, a probability column, the order of
stage-date columns, the deals' history, a CRM's standard stages, numbers in the labels,
which stage-date columns are filled, common stage words; else by frequency, asking the
user to order them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from salesfunnel.load.infer import NUMBERED
from salesfunnel.load.stage_words import COMMON_ORDER, common_places, standard_places


@dataclass
class Label:
    """What the files say of one stage label (infer_funnel.label_stats)."""

    text: str
    rows: int = 0
    sort: float | None = None
    won: float | None = None  # share of rows flagged won / closed
    closed: float | None = None
    position: float | None = None  # mean relative position in deal histories
    dated: float | None = None  # mean number of stage-date columns filled
    column_order: int | None = None  # place of its "Date entered" column in the header
    probability_sum: float = 0.0  # probability x rows, over every deals file
    probability_rows: int = 0

    @property
    def probability(self) -> float | None:
        """The mean probability of the label's rows over every deals file."""
        return self.probability_sum / self.probability_rows if self.probability_rows else None


def order_stages(labels: list[Label]) -> tuple[list[Label], str, bool, list[str]]:
    """The open stages in funnel order, how it was found, whether the user must order
    them, and notes (ties: stages sharing a probability, broken by the history, else by
    frequency)."""
    # equal counts in natural order: 2 before 10, "Stage 2" before "Stage 10"
    by_rows = sorted(labels, key=lambda x: (-x.rows, _natural(x.text)))
    for attribute, how in (
        ("sort", "from the stage sort-order column"),
        ("probability", "from the probability column (rising)"),
        ("column_order", "from the order of the stage-date columns in the header"),
        ("position", "from the order stages appear in the deals' history"),
    ):
        if labels and all(getattr(x, attribute) is not None for x in labels):
            ordered = _ordered_by(by_rows, attribute)
            return ordered, how, False, _tie_notes(ordered, attribute)
    notes: list[str] = []
    if (standard := standard_places([x.text for x in labels])) is not None:
        name, place = standard
        return sorted(labels, key=lambda x: place(x.text)), f"from {name}'s standard stages", \
            False, notes
    numbers = [NUMBERED.match(x.text) for x in labels]
    if labels and all(numbers):
        ordered = sorted(zip(labels, numbers, strict=True), key=lambda p: int(p[1].group(1)))
        return [x for x, _ in ordered], "from the numbers in the stage labels", False, notes
    if labels and all(x.dated is not None for x in labels) and len({x.dated for x in labels}) == len(
        labels
    ):
        return (sorted(labels, key=lambda x: x.dated), "from which stage-date columns each "
                "stage's deals have filled", False, notes)
    if len(labels) <= 1:
        return labels, "one open stage", False, notes
    if (common := common_places([x.text for x in labels])) is not None:
        return sorted(labels, key=lambda x: common[x.text]), COMMON_ORDER, False, notes
    if labels and all(x.text.strip().isdigit() for x in labels):
        notes.append(
            "the stage column holds ids (" + ", ".join(x.text for x in by_rows[:5])
            + (", ..." if len(by_rows) > 5 else "") + "), not names: map each id to its stage "
            "name with [funnel.aliases] (\"1\" = \"Qualified\"), or export the stage names"
        )
    return by_rows, "by frequency (most deals first): PLEASE PUT THESE IN FUNNEL ORDER", True, notes


def _natural(text: str) -> tuple:
    """A sort key that orders the numbers in a text by value."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.split(r"(\d+)", text) if part)


def _ordered_by(by_rows: list[Label], attribute: str) -> list[Label]:
    """Sorted on the attribute; stages sharing a value by their place in the history when
    every one of them has one, else by frequency (by_rows is already most rows first)."""
    def key(label: Label):
        value = getattr(label, attribute)
        return (round(value, 6), label.position if label.position is not None else 2.0)
    return sorted(by_rows, key=key)


def _tie_notes(labels: list[Label], attribute: str) -> list[str]:
    groups: dict[float, list[Label]] = {}
    for label in labels:
        groups.setdefault(round(getattr(label, attribute), 6), []).append(label)
    notes = []
    for value, tied in sorted(groups.items()):
        if len(tied) > 1:
            by_history = all(x.position is not None for x in tied)
            names = ", ".join(x.text for x in tied)
            notes.append(
                f"TIE: {names} share the {attribute.replace('_', ' ')} {value:g}; ordered "
                + ("by their place in the deals' history" if by_history
                   else "by frequency (most deals first)") + ": CHECK"
            )
    return notes
