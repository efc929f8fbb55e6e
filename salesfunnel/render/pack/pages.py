"""The pack's two kinds of page: index.html (the month for the whole team) and
reps/<rep>.html (one rep's one-on-one page)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from salesfunnel.render.cells import fmt_amount, fmt_days, fmt_int, fmt_move, fmt_pct
from salesfunnel.render.management import PULSE_LABELS
from salesfunnel.render.pack import charts
from salesfunnel.render.pack.html import chart, esc, folded, kpis, page, section, table

if TYPE_CHECKING:
    import polars as pl

    from salesfunnel.render.pack.collect import PackData, RepPack

CONVERSION = [("stage", "Stage", None), ("reached", "Reached", fmt_int), ("step_rate", "Step", fmt_pct),
              ("overall_rate", "Overall", fmt_pct), ("lost", "Lost", fmt_int), ("open", "Open", fmt_int),
              ("median_days", "Median days", fmt_days)]
DROPOFF = [("tier", "Tier", None), ("stage", "Lost at", None), ("reason", "Reason", None),
           ("lost", "Lost", fmt_int), ("share", "Share of tier", fmt_pct), ("amount", "Amount", fmt_amount)]
CHURN = [("rep", "Rep", None), ("started", "Started", fmt_int), ("churned", "Churned", fmt_int),
         ("churn_rate", "Churn", fmt_pct), ("company_churn_rate", "Company", fmt_pct),
         ("early_churned", "Early", fmt_int), ("early_churn_rate", "Early %", fmt_pct),
         ("mrr_lost", "MRR lost", fmt_amount)]
EARLY = [("customer_id", "Customer", None), ("deal_id", "Deal", None), ("tier", "Tier", None),
         ("started_at", "Started", None), ("ended_at", "Ended", None),
         ("days_active", "Days active", fmt_int), ("mrr", "MRR", fmt_amount)]
STALLED = [("deal_id", "Deal", None), ("rep", "Rep", None), ("tier", "Tier", None), ("stage", "Stage", None),
           ("days_in_stage", "Days", fmt_int), ("p90_days", "P90", fmt_days),
           ("days_over", "Over by", fmt_days), ("amount", "Amount", fmt_amount)]
PULSE = [("metric", "Metric", lambda value: PULSE_LABELS.get(value, value)), ("stage", "Stage", None),
         ("current", "This month", fmt_amount), ("previous", "Last month", fmt_amount),
         ("change", "Change", fmt_amount), ("change_rate", "Change %", fmt_pct)]
MOVEMENT = [("category", "Category", None), ("deals", "Deals", fmt_int), ("amount", "Amount", fmt_amount)]
SECTIONS = [("pulse", "Pulse"), ("funnel", "Funnel"), ("tiers", "By tier"), ("dropoff", "Drop-off"),
            ("rank", "Rank"), ("churn", "Churn"), ("stalled", "Stalled"), ("plan", "Plan"),
            ("movement", "Movement"), ("reps", "Reps")]


def _rank_columns(stages) -> list:
    columns = [("rep", "Rep", None)]
    columns += [(stage, stage, fmt_int) for stage in stages]
    columns += [("won_amount", "Won amount", fmt_amount), ("lost", "Lost", fmt_int),
                ("win_rate", "Win rate", fmt_pct)]
    return columns


def _subtitle(data: PackData) -> str:
    return (f"Month {data.label} · as of {data.as_of:%Y-%m-%d} · funnel, drop-off and tiers: deals "
            f"{esc(data.cohort.window_label)}")


def index_page(data: PackData, rep_files: dict[str, str]) -> str:
    r = data.reports
    stages = r["rank"].stages
    won = stages[-1]
    pulse = r["pulse"]
    period = pulse.extra["period"]
    tiers = r["tiers"].frame
    # a tier whose won deals have no amount adds nothing known: the total is of the others,
    # and unknown when no tier's is known
    unknown_won = tiers["won_amount"].null_count() if tiers.height else 0
    total_won = (None if unknown_won and unknown_won == tiers.height
                 else float(tiers["won_amount"].sum()) if tiers.height
                 # no deal in the cohort: none (0), or unknown when some lack a created date
                 else None if r["tiers"].extra.get("undated_created") else 0.0)
    not_judged = r["stalled"].extra.get("undated_open", 0)
    pulse_rows = {row["metric"]: row for row in pulse.frame.rows(named=True)}
    wins = pulse_rows.get("won", {})
    avg = pulse_rows.get("avg_won_amount", {})
    body = [kpis([
        (fmt_int(wins.get("current")), f"deals won in {period.label} ({fmt_int(wins.get('previous'))} "
                                       f"in {period.previous_label})"),
        (fmt_amount(avg.get("current")), f"average won amount in {period.label}"),
        (fmt_amount(total_won), "won amount of the cohort"
                                + (" (of the won deals with an amount)"
                                   if unknown_won and total_won is not None else
                                   " (unknown: deals without a created date are in no cohort)"
                                   if total_won is None and not tiers.height else "")),
        (fmt_int(r["stalled"].frame.height), f"open deals stalled on {data.as_of:%Y-%m-%d}"
                                              + (f" ({fmt_int(not_judged)} not judged: no entry "
                                                 "date of their stage)" if not_judged else "")),
    ])]
    # a note is a sentence of its own here (on stderr it follows "salesfunnel: note:")
    body += [f'<p class="note">{esc(note[:1].upper() + note[1:])}</p>' for note in data.notes]
    pulse_frame = pulse.frame
    body.append(section(
        "pulse", f"Pulse · {period.label} against {period.previous_label}",
        "Deals entering the first stage (leads), the opportunity stage, the stage before won "
        "(when it is another stage) and won, this month beside last month.",
        chart(charts.pulse_chart(pulse_frame, PULSE_LABELS, period.label, period.previous_label)),
        table("pulse", pulse_frame, PULSE),
    ))
    conversion = r["conversion"].frame
    body.append(section(
        "funnel", "Funnel", f"Deals {esc(data.cohort.window_label)}: how many reached each stage, "
        "and the step rate from the stage before.",
        # no rows: the table says there is nothing to show, and no chart draws empty axes
        chart(charts.funnel_chart(conversion)) if conversion.height else "",
        table("conversion", conversion, CONVERSION),
    ))
    by_tier = r["conversion_by_tier"].frame
    body.append(section(
        "tiers", "Conversion by tier", "The share of each tier's created deals that reached each stage.",
        *((chart(charts.conversion_by_tier_chart(by_tier)),
           folded("Table", table("conversion_by_tier", by_tier,
                                 [("tier", "Tier", None), *CONVERSION])))
          if by_tier.height else
          (table("conversion_by_tier", by_tier, [("tier", "Tier", None), *CONVERSION]),)),
    ))
    dropoff = r["dropoff"].frame
    body.append(section(
        "dropoff", "Drop-off by tier and stage", "Lost deals of the cohort per tier, by the stage "
        "they were lost at; the table gives the reasons.",
        *((chart(charts.dropoff_chart(_with_stage_order(dropoff, stages))),
           folded("Reasons", table("dropoff", dropoff, DROPOFF)))
          if dropoff.height else (table("dropoff", dropoff, DROPOFF,
                                        empty="No lost deal in this cohort."),)),
    ))
    rank = r["rank"]
    body.append(section(
        "rank", f"Rank · activity in {data.label}", f"Deals each rep moved into each stage this month "
        f"(#rank, and the move since last month). The chart: rank at {esc(won)}, dark this month, "
        "light last month.",
        chart(charts.rank_moves_chart(rank.frame, won)) if rank.frame.height else "",
        rank_table(rank.frame, stages, rep_files),
    ))
    churn = r["churn"].frame
    body.append(section(
        "churn", "Churn by rep against the company", "Customers each rep brought in, how many churned "
        "by the as-of day; red: well above the company's rate (dashed line).",
        chart(charts.churn_chart(churn, "rep")) if churn.height else "",
        table("churn", churn, CHURN, flag="well_above_company", empty="No subscriptions are loaded."),
    ))
    stalled = r["stalled"].frame
    body.append(section(
        "stalled", "Stalled deals", "Open deals longer in their stage than 90% of their tier's past "
        "deals were (P90).",
        chart(charts.stalled_chart(stalled)) if stalled.height else "",
        table("stalled", stalled, STALLED, empty="No open deal is stalled.", limit=25),
    ))
    if "plan" in r:
        plan = r["plan"]
        columns = [("month", "Month", None), ("target_amount", "Target", fmt_amount)]
        columns += [(stage, stage, fmt_int) for stage in plan.stages] + [("reps_needed", "Reps", fmt_int)]
        body.append(section(
            "plan", "Plan for next month", "Deals that must enter each stage, and reps, for the "
            "target at the trailing rates.", table("plan", plan.frame, columns)))
    if "movement" in r:
        unknown_before = r["movement"].extra.get("start_unknown_before")
        since = "the end of last month" if unknown_before is None else (
            f"the first deals export ({unknown_before:%Y-%m-%d %H:%M}; the pipeline before it "
            "is unknown)".replace(" 00:00;", ";"))
        body.append(section(
            "movement", "Pipeline movement", f"How the open pipeline went from {since} to the "
            "end of this month (from the deals exports' snapshots).",
            table("movement", r["movement"].frame, MOVEMENT)))
    links = "".join(
        f'<li><a href="reps/{esc(file)}.html">{esc(rep)}</a></li>' for rep, file in rep_files.items()
    )
    body.append(section("reps", "One page per rep", "For the one-on-one: rank per stage, six-month "
                        "trend, funnel against the team, drop-off reasons, churn, stalled deals.",
                        f'<ul class="reps">{links}</ul>'))
    nav = [(f"#{anchor}", text) for anchor, text in SECTIONS
           if anchor not in ("plan", "movement") or anchor in r]
    return page(f"Sales pack {data.label}", f"Sales pack · {data.label}", _subtitle(data), "".join(body), nav)


def _with_stage_order(frame: pl.DataFrame, stages) -> pl.DataFrame:
    import polars as pl

    order = {stage: index for index, stage in enumerate(stages)}
    return frame.with_columns(pl.col("stage").replace_strict(order, default=len(stages)).alias("stage_order"))


def rank_table(frame: pl.DataFrame, stages, rep_files: dict[str, str] | None = None) -> str:
    """Rep, then per stage `entered #rank move`; the cell carries the JSON value of the
    count (data-value), the rank (data-rank) and last month's rank (data-prev-rank)."""
    import json

    from salesfunnel.render.pack.html import json_rows

    rows = json_rows(frame)
    if not rows:
        return '<p class="lead">No rep had a stage entry or a loss in this month.</p>'
    head = "<th>Rep</th>" + "".join(f'<th class="num">{esc(s)}</th>' for s in stages) + (
        '<th class="num">Won amount</th><th class="num">Lost</th><th class="num">Win rate</th>')
    body = []
    for row in rows:
        rep = row["rep"]
        name = esc(rep)
        if rep_files and rep in rep_files:
            name = f'<a href="reps/{esc(rep_files[rep])}.html">{name}</a>'
        cells = [f'<td data-field="rep" data-value="{esc(json.dumps(rep))}">{name}</td>']
        for stage in stages:
            rank, before = row[f"{stage}_rank"], row[f"{stage}_prev_rank"]
            move = fmt_move(rank, before)
            css = "up" if move.startswith("▲") else "down" if move.startswith("▼") else ""
            cells.append(
                f'<td class="num" data-field="{esc(stage)}" data-value="{esc(json.dumps(row[stage]))}" '
                f'data-rank="{esc(json.dumps(rank))}" data-prev-rank="{esc(json.dumps(before))}">'
                f'{fmt_int(row[stage])} <small>#{fmt_int(rank)}</small> '
                f'<span class="{css}">{esc(move)}</span></td>'
            )
        for field, show in (("won_amount", fmt_amount), ("lost", fmt_int), ("win_rate", fmt_pct)):
            cells.append(f'<td class="num" data-field="{field}" data-value="{esc(json.dumps(row[field]))}">'
                         f"{show(row[field])}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="scroll"><table data-report="rank"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def rep_trend(data: PackData, rep: str) -> str:
    """The rep's six-month rank chart with its heading ("" without ranks): needs only the
    ranks, so it can render while the other reports are computed."""
    import polars as pl

    stages = data.reports["rank"].stages
    trend = pl.concat([
        report.frame.filter(pl.col("rep") == rep).select(
            pl.lit(f"{report.extra['month']:%Y-%m}").alias("month"),
            *(pl.col(f"{stage}_rank").alias(stage) for stage in stages),
        )
        for report in data.trend
    ]).unpivot(index="month", variable_name="stage", value_name="rank").drop_nulls("rank")
    if not trend.height:
        return ""
    return ("<h3>Six months: rank per stage (month on the axis, 1 = best)</h3>"
            + chart(charts.rank_trend_chart(trend, rep, stages)))


def rep_page(data: PackData, part: RepPack, trend_html: str | None = None) -> str:
    """One rep's page; `trend_html` is `rep_trend` of the rep, when made before."""
    import polars as pl

    rep = part.rep
    r = data.reports
    stages = r["rank"].stages
    rank = r["rank"].frame.filter(pl.col("rep") == rep)
    team = r["conversion"].frame.select("stage", "overall_rate", pl.lit("team").alias("who"))
    mine = part.conversion.frame.select("stage", "overall_rate", pl.lit(rep).alias("who"))
    body = [section(
        "rank", f"Rank in {data.label} and the month before",
        "Deals entered into each stage this month, the rank among reps (1 = most) and last month's.",
        rank_table(rank, stages),
        rep_trend(data, rep) if trend_html is None else trend_html,
    )]
    body.append(section(
        "funnel", "Your funnel against the team's", f"Deals {esc(data.cohort.window_label)}: the share "
        "that reached each stage.", chart(charts.rep_funnel_chart(pl.concat([mine, team]), rep)),
        table("conversion", part.conversion.frame, CONVERSION),
    ))
    dropoff = part.dropoff.frame
    body.append(section(
        "dropoff", "Why your deals were lost", "Lost deals of the same cohort by tier, the stage "
        "they were lost at and the reason, most first within each tier.",
        table("dropoff", dropoff, DROPOFF, empty="No lost deal in this cohort."),
    ))
    churn = r["churn"].frame.filter(pl.col("rep") == rep)
    early = r["early_churn"].frame.filter(pl.col("rep") == rep)
    body.append(section(
        "churn", "Your customers' churn", "Customers you brought in and how many churned, against "
        "the company; then those who ended within five months of starting.",
        table("churn", churn, CHURN, flag="well_above_company", empty="No customer of yours is loaded."),
        "<h3>Early churn</h3>",
        folded(f"{early.height} customers", table("early_churn", early, EARLY, empty="No early churn."))
        if early.height else '<p class="lead">None.</p>',
    ))
    stalled = r["stalled"].frame.filter(pl.col("rep") == rep)
    body.append(section(
        "stalled", "Your stalled deals", "Open deals longer in their stage than 90% of their tier's "
        "past deals were.", table("stalled", stalled, STALLED, empty="None: well done.")))
    nav = [("../index.html", "← Team pack"), ("#rank", "Rank"), ("#funnel", "Funnel"),
           ("#dropoff", "Drop-off"), ("#churn", "Churn"), ("#stalled", "Stalled")]
    return page(f"{rep} · {data.label}", f"{rep} · {data.label}", _subtitle(data), "".join(body), nav)
