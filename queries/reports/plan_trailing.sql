-- One row: what the trailing window [p_since, p_until) says about capacity,
-- for a bottom-up plan: deals won in it (won-stage entry date in the window),
-- how many of them have an amount, their summed and average amount, the
-- rep-months with a counted event (a stage entry or a loss, as in rep_rank),
-- and wins per such rep-month. p_tier null means all tiers. With a tier, a
-- rep-month counts the share of the rep's events that month on deals of the
-- tier (a rep splitting a month evenly between two tiers gives each half a
-- rep-month), so that a tier's plan reads the tier's own productivity and the
-- tiers' rep-months add up to the company's.
create or replace temp macro plan_trailing(p_since, p_until, p_tier) as table
with
all_deals as (
    select deal_id, rep, status, amount, closed_at, tier_matches(tier, p_tier) as in_tier
    from deal_facts
),

tier_deals as (
    select * from all_deals where in_tier
),

entries as (
    select
        tier_deals.rep,
        tier_deals.amount,
        stages.is_won,
        dates.event_at as event_at
    from deal_stage_dates as dates
    inner join tier_deals on tier_deals.deal_id = dates.deal_id
    inner join funnel_stages as stages on stages.stage_index = dates.stage_index
    where dates.event_at >= p_since
        and dates.event_at < p_until
),

all_events as (
    select all_deals.rep, all_deals.in_tier, dates.event_at as event_at
    from deal_stage_dates as dates
    inner join all_deals on all_deals.deal_id = dates.deal_id
    where dates.event_at >= p_since
        and dates.event_at < p_until
    union all
    select rep, in_tier, closed_at
    from all_deals
    where status = 'lost'
        and closed_at >= p_since
        and closed_at < p_until
),

rep_months as (
    select
        rep,
        date_trunc('month', event_at) as month,
        count(*) filter (where in_tier) / count(*) as share
    from all_events
    group by rep, date_trunc('month', event_at)
    having count(*) filter (where in_tier) > 0
),

wins as (
    select
        count(*) as wins,
        count(amount) as wins_with_amount,
        sum(amount) as won_amount,
        avg(amount) as avg_won_amount
    from entries
    where is_won
),

final as (
    select
        wins.wins,
        wins.wins_with_amount,
        wins.won_amount,
        wins.avg_won_amount,
        (select coalesce(sum(share), 0) from rep_months) as active_rep_months,
        wins.wins / nullif((select sum(share) from rep_months), 0) as wins_per_rep_month
    from wins
)

select * from final;
