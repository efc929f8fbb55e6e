"""The words of the pack's Definitions sheet (docs/metrics.md has the full definitions)."""

DEFINITIONS: list[tuple[str, str]] = [
    ("Month", "The pack's calendar month. As of: the first day after it (or today, if earlier)."),
    ("Cohort", "Conversion, drop-off and tiers count the deals created in the twelve months "
               "ending with the pack's month (by created_at)."),
    ("reached", "Deals of the cohort that entered the stage (or a later one)."),
    ("step_rate", "reached at this stage / reached at the stage before."),
    ("overall_rate", "reached at this stage / deals created in the cohort."),
    ("lost / open", "Deals lost at this stage / still open at this stage."),
    ("median_days", "Median days from entering the stage before to entering this one."),
    ("rank", "Rep sheet: deals each rep moved into each stage in the month; S_rank is the "
             "competition rank (1 = most; ties share a rank), S_prev_rank the month before's."),
    ("won_amount", "Sum of the amounts of deals won (in the month for rank, in the cohort for "
                   "tiers), of the won deals with an amount; empty when none has one."),
    ("win_rate", "won / (won + lost) of the deals closed."),
    ("dropoff", "Lost deals by tier, lost-at stage and reason; share = lost / the tier's lost deals."),
    ("churn_rate", "Customers started who churned by the as-of day / customers started; "
                   "company_churn_rate: the same for all reps."),
    ("early_churned", "Customers who ended within 5 calendar months of starting."),
    ("well_above_company", "Even the low end of the churn rate's 90% interval (Wilson) is above "
                           "the company's churn rate: a few customers cannot set a rep apart."),
    ("pulse", "Deals entering the first stage, the opportunity stage, the stage before won (when "
              "it is another stage) and won in the month, beside the month before; "
              "avg_won_amount of the deals won."),
    ("stalled", "Open deals longer in their stage than 90% of their tier's past deals (P90); a "
                "tier with fewer than 20 past deals in the stage has no P90, and its deals are "
                "not judged."),
    ("plan", "Deals that must enter each stage next month for the target, at the trailing "
             "six months' rates; reps_needed at the trailing wins per rep-month."),
    ("movement", "How the open pipeline went from the end of the month before to the end of "
                 "the month: start + created + reopened + amount_up - amount_down - won - lost "
                 "- removed = end; deals_without_amount: the row's deals with no amount."),
    ("Amounts", "Exact to the cent; shown without decimals. A sum of deals none of which has an "
                "amount is empty (unknown), never 0."),
]
