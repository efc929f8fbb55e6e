"""Choosing a file's layout: the config's mapping first when it fits, else the preset
and kind whose columns fit the header best (presets.py has the layouts and builds the
`FilePlan`). Two kinds that fit equally well are not guessed between.
"""

from __future__ import annotations

from salesfunnel.config import Config
from salesfunnel.errors import InputError
from salesfunnel.kinds import NO_OWNER
from salesfunnel.load.headerless import looks_headerless
from salesfunnel.load.layouts import KindMapping, Preset
from salesfunnel.load.presets import FilePlan, _build_plan, _candidates, _match


def plan_file(
    header: tuple[str, ...],
    path: str,
    *,
    preset: str = "auto",
    kind: str | None = None,
    config: Config | None = None,
) -> FilePlan:
    """Choose the preset and kind that fit the header best; InputError when none fits.

    A config mapping ([columns.<kind>]) that fits the file (its required columns are
    present) is used before auto-detection; `plan.why` says so when a preset fits too,
    or why the mapping was not used. Two kinds that fit equally well are an InputError
    unless `kind` says which."""
    config = config or Config()
    candidates = _candidates(preset, config)
    mapping = candidates[0] if candidates and candidates[0].name == "mapping" else None
    if mapping is not None:
        mapping_errors: list[InputError] = []
        fits = _fits(mapping, header, kind, config, mapping_errors)
        others = [
            plan for other in candidates[1:] for plan in _fits(other, header, kind, config, [])
        ]
        if fits:
            plan = _best(fits, path, kind)
            if others:
                other = max(others, key=lambda p: (_score(p), p.preset == "canonical"))
                plan.why = (
                    f"the config's [columns.{plan.kind}] mapping fits this file, so it is used "
                    f"rather than preset {other.preset} ({other.kind}), which fits it too"
                )
                # the same CRM's export: its report footers are not records either
                plan.footer = plan.footer or next((p.footer for p in others if p.footer), None)
            return plan
        candidates = candidates[1:]
    try:
        plans = _fits_any(candidates, header, kind, config)
    except InputError as error:
        raise InputError(f"{path}: {error}") from None
    if not plans and mapping is not None and mapping_errors:
        raise InputError(f"{path}: {mapping_errors[0]}")
    if plans:
        plan = _best(plans, path, kind)
        if mapping is not None and any(m.kind == plan.kind for m in mapping.kinds):
            lacking = _lacking(mapping, header, plan.kind)
            plan.why = (
                f"the config's [columns.{plan.kind}] mapping does not fit this file"
                f"{f' (it lacks {lacking})' if lacking else ''}; preset {plan.preset} was "
                "recognised instead"
            )
        return plan
    _explain_no_fit(header, path, preset, kind, config)
    raise AssertionError("unreachable")


def _fits(
    candidate: Preset, header, kind: str | None, config: Config, errors: list | None = None
) -> list[FilePlan]:
    """The plans of every kind of `candidate` whose required columns the header has.
    A layout that fits but the config cannot apply to is left out (its error in `errors`)."""
    plans = []
    for mapping in candidate.kinds:
        if kind is not None and mapping.kind != kind:
            continue
        found = _match(candidate, mapping, header)
        if all(f in found or _optional_owner(mapping, f) for f in mapping.required):
            try:
                plans.append(_build_plan(candidate, mapping, found, header, config))
            except InputError as exc:
                if errors is None:
                    raise
                errors.append(exc)
    return plans


def _fits_any(candidates: list[Preset], header, kind: str | None, config: Config) -> list[FilePlan]:
    plans: list[FilePlan] = []
    errors: list[InputError] = []
    for candidate in candidates:
        plans += _fits(candidate, header, kind, config, errors)
    if not plans and errors:
        raise errors[0]
    return plans


def _optional_owner(mapping: KindMapping, name: str) -> bool:
    """A deals file may lack its owner: it loads with rep "(no owner)" and a notice."""
    return mapping.kind == "deals" and name == "rep"


def _score(plan: FilePlan) -> int:
    ownerless = plan.kind == "deals" and plan.fields.get("rep") == f"'{NO_OWNER}'"
    return plan.matched + len(plan.stage_dates) - (2 if ownerless else 0)


def _best(plans: list[FilePlan], path: str, kind: str | None) -> FilePlan:
    """The plan matching most columns (the first on a tie); two kinds tied is ambiguous."""
    best = max(_score(p) for p in plans)
    top = [p for p in plans if _score(p) == best]
    kinds = list(dict.fromkeys(p.kind for p in top))
    if len(kinds) > 1 and kind is None:
        raise InputError(
            f"{path}: the header fits a {kinds[0]} file and a {kinds[1]} file equally well "
            f"({top[0].preset} {kinds[0]}, {top[1].preset} {kinds[1]}), so which it is cannot "
            f"be told. Say which with --kind {kinds[0]}={path} (or --kind {kinds[1]}=...), or "
            "[files] kinds in the config file. Nothing was loaded."
        )
    chosen = top[0]
    # only a near fit is worth a word: a deals file "fits" accounts by its account column
    others = sorted({p.kind for p in plans if p.kind != chosen.kind and 2 * _score(p) > best})
    if others and kind is None:
        chosen.why = (
            f"read as a {chosen.kind} file (it matches most columns); it also fits "
            f"{'an' if others[0][0] in 'aeiou' else 'a'} {others[0]} file: if it is one, "
            f"load it with --kind {others[0]}={path}"
        )
    return chosen


def _lacking(mapping: Preset, header, kind: str) -> str:
    for kind_mapping in mapping.kinds:
        if kind_mapping.kind == kind:
            found = _match(mapping, kind_mapping, header)
            missing = [
                f"{name} ({kind_mapping.fields[name][0]!r})"
                for name in kind_mapping.required if name not in found
            ]
            return ", ".join(missing)
    return ""


def _explain_no_fit(header, path, preset, kind, config) -> None:
    if looks_headerless(tuple(header)):
        raise InputError(
            f"{path}: the first line holds values, not column names ({', '.join(header[:4])}"
            f"{', ...' if len(header) > 4 else ''}): a database dump without a header row? Name "
            "its columns in the config, [files] header = false with column_names = [...] (and "
            'escape = "\\" for MySQL\'s backslash-escaped quotes); `salesfunnel init '
            f"{path}` proposes them from the values."
        )
    closest: tuple[int, Preset, KindMapping, dict[str, int]] | None = None
    for candidate in _candidates(preset, config):
        for mapping in candidate.kinds:
            if kind is not None and mapping.kind != kind:
                continue
            found = _match(candidate, mapping, header)
            have = sum(f in found or _optional_owner(mapping, f) for f in mapping.required)
            if closest is None or (have, len(found)) > (closest[0], len(closest[3])):
                closest = (have, candidate, mapping, found)
    _raise_no_fit(header, path, preset, kind, closest)


def _raise_no_fit(header, path, preset, kind, closest) -> None:
    found_text = ", ".join(h for h in header if h) or "(none)"
    if closest is None:
        raise InputError(
            f"{path}: no {kind or ''} file layout of preset {preset} exists. Headers found: "
            f"{found_text}."
        )
    _, candidate, mapping, found = closest
    missing = [
        f"{name} ({' or '.join(repr(s) for s in mapping.fields[name][:2])})"
        if candidate.name != "canonical"
        else name
        for name in mapping.required
        if name not in found and not _optional_owner(mapping, name)
    ]
    what = f"preset {candidate.name}, {mapping.kind} file"
    lead = "was asked for" if (kind or preset != "auto") else "fits it best"
    raise InputError(
        f"{path}: no preset fits this header. The closest, {what} ({lead}), lacks the required "
        f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)}. Headers found: "
        f"{found_text}. Map the columns in the config file ([columns.{mapping.kind}]) or pass "
        f"--preset/--kind; `salesfunnel init {path}` proposes a mapping from the file's "
        "headers and values."
    )
