-- One row: what the trailing window [p_since, p_until) says about capacity,
-- for a bottom-up plan: deals won in it (won-stage entry date in the window),
-- how many of them have an amount, their summed and average amount, the
-- rep-months with a counted event (a stage entry or a loss, as in rep_rank),
-- and wins per such rep-month. p_tier null means all tiers.
create or replace temp macro plan_trailing(p_since, p_until, p_tier) as table
with
tier_deals as (
    select deal_id, rep, status, amount, closed_at
    from deal_facts
    where tier_matches(tier, p_tier)
),

entries as (
    select
        tier_deals.rep,
        tier_deals.amount,
        stages.is_won,
        dates.entered_at as event_at
    from deal_stage_dates as dates
    inner join tier_deals on tier_deals.deal_id = dates.deal_id
    inner join funnel_stages as stages on stages.stage_index = dates.stage_index
    where dates.entered_at >= p_since
        and dates.entered_at < p_until
),

losses as (
    select rep, closed_at as event_at
    from tier_deals
    where status = 'lost'
        and closed_at >= p_since
        and closed_at < p_until
),

rep_months as (
    select distinct rep, date_trunc('month', event_at) as month
    from (
        select rep, event_at from entries
        union all
        select rep, event_at from losses
    )
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
        (select count(*) from rep_months) as active_rep_months,
        wins.wins / nullif((select count(*) from rep_months), 0) as wins_per_rep_month
    from wins
)

select * from final;
