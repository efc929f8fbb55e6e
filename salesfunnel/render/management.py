"""Rich tables for the management reports (reports/management.py): churn, early churn, tiers,
plan, pulse and stalled deals. As in funnel.py, numbers and words carry the
meaning and colour only repeats it: a rep well above the company's churn is
marked in words as well as in red.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from salesfunnel.render.cells import (
    NULL,
    add_empty_note,
    fmt_amount,
    fmt_days,
    fmt_int,
    fmt_interval,
    fmt_pct,
    is_missing,
    titled_table,
)

if TYPE_CHECKING:
    from salesfunnel.reports.common import Report

WELL_ABOVE_MARK = "▲ well above"
PULSE_LABELS = {
    "leads": "Leads",
    "opportunities": "Opportunities",
    "before_won": "Entered the stage before won",
    "won": "Won",
    "avg_won_amount": "Average won amount",
}


def _report_table(report: Report) -> Table:
    table = titled_table(report.title)
    table.caption_justify = "left"
    return table


def fmt_points(value) -> str:
    """A difference of two rates in percentage points, signed: +12.5 pp."""
    return NULL if is_missing(value) else f"{value * 100:+.1f} pp"


def fmt_date(value) -> str:
    return NULL if value is None else f"{value:%Y-%m-%d}"


def _label(value) -> str:
    return "(none)" if value is None else str(value)


def churn_table(report: Report) -> Table:
    table = _report_table(report)
    table.add_column(report.group_by.capitalize())
    ci = f"{report.extra.get('confidence', 0.9) * 100:g}% CI"
    for header in ("Started", "Churned", "Churn", ci, "Company", "vs company", "Early", "Early %",
                   "MRR lost"):
        table.add_column(header, justify="right")
    table.add_column("")
    rows = report.rows()
    for row in rows:
        above = bool(row["well_above_company"])
        table.add_row(
            _label(row[report.group_by]),
            fmt_int(row["started"]),
            fmt_int(row["churned"]),
            fmt_pct(row["churn_rate"]),
            fmt_interval(row["churn_rate_low"], row["churn_rate_high"]),
            fmt_pct(row["company_churn_rate"]),
            fmt_points(row["rate_difference"]),
            fmt_int(row["early_churned"]),
            fmt_pct(row["early_churn_rate"]),
            fmt_amount(row["mrr_lost"]),
            WELL_ABOVE_MARK if above else "",
            style="bold red" if above else None,
        )
    if rows:
        table.caption = (
            f"well above = even the low end of the {ci} of the churn rate is above the "
            "company's churn rate"
        )
    add_empty_note(table, len(rows), "No subscriptions are loaded, so no churn."
                   if report.extra.get("no_subscriptions") else "No rep, tier or customer is loaded.")
    return table


def early_churn_table(report: Report) -> Table:
    table = _report_table(report)
    for header in ("Customer", "Deal", "Rep", "Tier", "Started", "Ended"):
        table.add_column(header)
    table.add_column("Days active", justify="right")
    table.add_column("MRR", justify="right")
    rows = report.rows()
    # the MRR's currency, when the subscriptions say one (an export without shows none)
    currencies = any(row["currency"] for row in rows)
    if currencies:
        table.add_column("Currency")
    for row in rows:
        table.add_row(
            row["customer_id"], row["deal_id"] or NULL, _label(row["rep"]), row["tier"],
            fmt_date(row["started_at"]), fmt_date(row["ended_at"]),
            fmt_int(row["days_active"]), fmt_amount(row["mrr"]),
            *([row["currency"] or NULL] if currencies else []),
        )
    add_empty_note(table, len(rows), "No subscriptions are loaded, so no churn."
                   if report.extra.get("no_subscriptions")
                   else "No customer of this window churned early.")
    return table


TIER_ROWS = (
    ("Deals created", "deals", fmt_int),
    ("Won", "won", fmt_int),
    ("Lost", "lost", fmt_int),
    ("Open", "open", fmt_int),
    ("Win rate", "win_rate", fmt_pct),
    ("Win rate interval", ("win_rate_low", "win_rate_high"), fmt_interval),
    ("Median days to win", "median_days_to_win", fmt_days),
    ("Average won amount", "avg_won_amount", fmt_amount),
    ("Median won amount", "median_won_amount", fmt_amount),
    ("Won amount", "won_amount", fmt_amount),
    ("Share of won amount", "won_amount_share", fmt_pct),
)
CUSTOMER_ROWS = (
    ("Customers", "customers", fmt_int),
    ("Churn rate", "churn_rate", fmt_pct),
    ("Churn rate interval", ("churn_rate_low", "churn_rate_high"), fmt_interval),
    ("Average MRR", "avg_mrr", fmt_amount),
)


def tiers_table(report: Report) -> Table:
    """One column per tier, so the tiers' numbers sit side by side."""
    table = _report_table(report)
    rows = report.rows()  # as the query gave them: no Polars for a table
    with_customers = any(row["customers"] is not None for row in rows)
    table.add_column("")
    for row in rows:
        table.add_column(row["tier"], justify="right")
    ci = f"{report.extra.get('confidence', 0.9) * 100:g}% CI"
    for position, (label, name, show) in enumerate(TIER_ROWS + CUSTOMER_ROWS):
        if position >= len(TIER_ROWS) and not with_customers:
            continue
        if isinstance(name, tuple):  # an interval: (low, high)
            table.add_row(f"  {ci}", *(show(row[name[0]], row[name[1]]) for row in rows))
            continue
        table.add_row(label, *(show(row[name]) for row in rows),
                      end_section=position in (3, len(TIER_ROWS) - 1))
    if rows and not with_customers:
        table.caption = "No subscriptions are loaded, so no customer churn or MRR."
    add_empty_note(table, len(rows), "No deal or customer in this window.")
    return table


def _number(value: float) -> str:
    """12 for 12.0, 1.5 for 1.5, 2.33 for 2.3333."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def plan_table(report: Report) -> Table:
    trailing = report.extra["trailing"]
    table = _report_table(report)
    table.add_column("Month")
    table.add_column("Target", justify="right")
    for stage in report.stages:
        table.add_column(stage, justify="right")
    for header in ("Season", "Need", "Cap.", "Hires", "Staff", "Mgrs"):
        table.add_column(header, justify="right")
    for row in report.rows():
        table.add_row(
            row["month"], fmt_amount(row["target_amount"]),
            *(fmt_int(row[stage]) for stage in report.stages),
            f"{row['seasonality']:.2f}", f"{row['ramped_reps_needed']:,.1f}",
            f"{row['ramped_capacity']:,.1f}", fmt_int(row["hires"]),
            f"{row['headcount']:,.1f}", fmt_int(row["managers"]),
        )
    capacity = report.extra.get("capacity")
    steps = ", ".join(
        f"{trailing.reached[i - 1][0]} > {stage} {fmt_pct(trailing.step_rate(i))} "
        f"({reached:,}/{trailing.reached[i - 1][1]:,})"
        for i, (stage, reached) in enumerate(trailing.reached)
        if i > 0
    )
    table.caption = (
        f"Deals that must enter each stage per month, rounded up from {report.stages[-1]} "
        f"upward. Trailing rates, {trailing.describe()}: average won amount "
        f"{fmt_amount(trailing.avg_won_amount)} ({trailing.wins_with_amount:,} won deals with an "
        f"amount); step rates of the deals created then: {steps}; "
        f"{trailing.wins_per_rep_month:.2f} wins per active rep per month ({trailing.wins:,} "
        f"wins / {_number(trailing.active_rep_months)} rep-months)."
    )
    if capacity is not None:
        ramp = ", ".join(f"{value:g}" for value in capacity.ramp) or "none"
        table.caption += (
            " Need and Cap.: ramped reps needed and on staff; Staff: headcount (expected, after "
            f"attrition). Capacity: {capacity.reps_now:,} reps now ({capacity.sources['reps_now']}), "
            f"attrition {capacity.attrition * 100:.1f}% a month ({capacity.sources['attrition']}), "
            f"ramp {ramp} then 1 ({capacity.sources['ramp']}), {capacity.reps_per_manager} reps "
            "per manager; seasonality "
            + ("from the wins by calendar month." if report.extra.get("seasonal") else
               "off (fewer than 12 months of wins).")
        )
    return table


def _signed(value, amount: bool) -> str:
    """A change with its sign (+3, -1,250); no change is 0."""
    if is_missing(value):
        return NULL
    if value == 0:
        return "0"
    return f"{value:+,.0f}" if amount else f"{int(value):+,}"


def _signed_pct(value) -> str:
    if is_missing(value):
        return NULL
    return "0.0%" if value == 0 else f"{value * 100:+.1f}%"


def pulse_table(report: Report) -> Table:
    period = report.extra["period"]
    table = _report_table(report)
    table.add_column("")
    table.add_column("Stage")
    for header in (period.label, period.previous_label, "Change", "Change %"):
        table.add_column(header, justify="right")
    for row in report.rows():
        amount = row["metric"] == "avg_won_amount"
        show = fmt_amount if amount else fmt_int
        table.add_row(
            PULSE_LABELS.get(row["metric"], row["metric"]),
            row["stage"],
            show(row["current"]),
            show(row["previous"]),
            _signed(row["change"], amount),
            _signed_pct(row["change_rate"]),
        )
    return table


def stalled_table(report: Report) -> Table:
    table = _report_table(report)
    for header in ("Deal", "Rep", "Tier", "Stage"):
        table.add_column(header)
    for header in ("Days", "P90", "Over by", "Past", "Amount"):
        table.add_column(header, justify="right")
    rows = report.rows()
    # the amount's currency, when the deals say one (an export without shows none)
    currencies = any(row["currency"] for row in rows)
    if currencies:
        table.add_column("Currency")
    for row in rows:
        table.add_row(
            row["deal_id"], row["rep"], row["tier"], row["stage"],
            fmt_int(row["days_in_stage"]), fmt_days(row["p90_days"]), fmt_days(row["days_over"]),
            fmt_int(row["past_deals"]), fmt_amount(row["amount"]),
            *([row["currency"] or NULL] if currencies else []),
        )
    captions = []
    if rows:
        captions.append(
            "Days: in the current stage. P90: 90% of the tier's past deals (Past: how many) "
            "spent at most this many days in the stage."
        )
    else:
        captions.append("No open deal with known days in its stage is stalled."
                        if report.extra.get("undated_note") else "No open deal is stalled.")
    captions.extend(report.extra[key] for key in ("unchecked_note", "undated_note")
                    if report.extra.get(key))
    table.caption = "\n".join(captions)
    return table
