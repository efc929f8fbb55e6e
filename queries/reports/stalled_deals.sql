-- One row per open deal with a known entry of its current stage (the stage the
-- CRM shows now, deals.stage, not the furthest stage; the furthest when the
-- label is not a funnel stage), entered at least p_min_days whole days before
-- p_today, and whether it is stalled: in the stage more whole days than the
-- p_quantile quantile (quantile_cont) of past times in that stage for its tier.
-- Past times in stage k: for deals with a known entry of k that went further,
-- the entry date of k+1 (when they first showed up beyond k) minus the entry
-- date of k (never negative: entry dates do not decrease along the funnel); for
-- deals lost at k, closed_at minus that entry (a negative one, closed before the
-- entry, ignored); in fractional days. A tier and stage with fewer than
-- p_min_past past times has no threshold (null): its open deals are not
-- stalled, and past_deals says how many there were. Each row says its amount's
-- currency (null: the export named none).
create or replace temp macro stalled_deals(p_today, p_tier, p_min_days, p_quantile, p_min_past) as table
with
facts as (
    select deal_id, rep, tier, status, amount, currency, closed_at, furthest_index, current_index
    from deal_facts
),

dates as (
    select deal_id, stage_index, stage, known_entered_at, entered_at
    from deal_stage_dates
),

moved_on as (
    select
        facts.tier,
        this.stage_index,
        (epoch(following.entered_at) - epoch(this.entered_at)) / 86400.0 as days
    from dates as this
    inner join dates as following
        on following.deal_id = this.deal_id
        and following.stage_index = this.stage_index + 1
    inner join facts on facts.deal_id = this.deal_id
    where this.known_entered_at is not null
        and following.entered_at is not null
),

lost_in_stage as (
    select
        facts.tier,
        this.stage_index,
        (epoch(facts.closed_at) - epoch(this.entered_at)) / 86400.0 as days
    from facts
    inner join dates as this
        on this.deal_id = facts.deal_id
        and this.stage_index = facts.furthest_index
    where facts.status = 'lost'
        and facts.closed_at is not null
        and this.known_entered_at is not null
),

thresholds as (
    select
        tier,
        stage_index,
        quantile_cont(days, p_quantile) as threshold_days,
        count(*) as past_deals
    from (
        select * from moved_on
        union all
        select * from lost_in_stage
    )
    where days >= 0
    group by tier, stage_index
),

open_deals as (
    select
        facts.deal_id,
        facts.rep,
        facts.tier,
        facts.amount,
        facts.currency,
        dates.stage_index,
        dates.stage,
        dates.entered_at,
        date_diff('day', dates.entered_at::date, p_today::date) as days_in_stage
    from facts
    inner join dates
        on dates.deal_id = facts.deal_id
        and dates.stage_index = coalesce(facts.current_index, facts.furthest_index)
    where facts.status = 'open'
        and dates.entered_at is not null
        and tier_matches(facts.tier, p_tier)
),

final as (
    select
        open_deals.deal_id,
        open_deals.rep,
        open_deals.tier,
        open_deals.stage,
        open_deals.entered_at,
        open_deals.stage_index,
        open_deals.days_in_stage,
        checked.threshold_days,
        open_deals.days_in_stage - checked.threshold_days as days_over,
        coalesce(thresholds.past_deals, 0) as past_deals,
        coalesce(open_deals.days_in_stage > checked.threshold_days, false) as stalled,
        open_deals.amount,
        open_deals.currency
    from open_deals
    left join thresholds
        on thresholds.tier = open_deals.tier
        and thresholds.stage_index = open_deals.stage_index
    left join thresholds as checked
        on checked.tier = open_deals.tier
        and checked.stage_index = open_deals.stage_index
        and checked.past_deals >= p_min_past
    where open_deals.days_in_stage >= p_min_days
)

select * from final
order by days_over desc nulls last, deal_id;
