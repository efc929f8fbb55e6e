-- One row per (rep, funnel stage) for reps with a counted event (a stage entry
-- or a loss) in the month starting p_month: deals entering the stage in that
-- month (null for a stage no deal has an entry date for: undated_stages), the competition rank among those reps with a count above zero (null for
-- zero), the rank the month before, and
-- the rep's won amount (null when none of its wins has a known amount), wins,
-- losses and win rate in the month, and its counted
-- events (stage entries plus losses) in the month and in the month before,
-- and the Wilson interval of the win rate at the normal quantile p_z. The deals
-- without an owner (rep p_no_owner) have their row and counts but no rank: they are
-- no rep, and the reps' ranks are as among the reps alone.
create or replace temp macro rep_rank(p_month, p_tier, p_z, p_no_owner) as table
with
periods as (
    select
        'current' as period,
        p_month::timestamp as starts,
        p_month::timestamp + interval 1 month as ends
    union all
    select
        'previous',
        p_month::timestamp - interval 1 month,
        p_month::timestamp
),

tier_deals as not materialized (
    select deal_id, rep, status, amount, closed_at
    from deal_facts
    where tier_matches(tier, p_tier)
),

stage_entries as (
    select
        periods.period,
        tier_deals.rep,
        dates.stage_index,
        tier_deals.deal_id,
        tier_deals.amount
    from deal_stage_dates as dates
    inner join tier_deals on tier_deals.deal_id = dates.deal_id
    inner join periods
        on dates.event_at >= periods.starts
        and dates.event_at < periods.ends
),

losses as (
    select periods.period, tier_deals.rep, tier_deals.deal_id
    from tier_deals
    inner join periods
        on tier_deals.closed_at >= periods.starts
        and tier_deals.closed_at < periods.ends
    where tier_deals.status = 'lost'
),

active_reps as (
    select period, rep from stage_entries
    union
    select period, rep from losses
),

stage_counts as (
    select
        active_reps.period,
        active_reps.rep,
        stages.stage_index,
        stages.stage,
        -- a stage that no deal of the data has an entry date for: unknown, not 0
        case
            when stages.stage_index not in (select stage_index from undated_stages)
                then count(stage_entries.deal_id)
        end as entered
    from active_reps
    cross join funnel_stages as stages
    left join stage_entries
        on stage_entries.period = active_reps.period
        and stage_entries.rep = active_reps.rep
        and stage_entries.stage_index = stages.stage_index
    group by active_reps.period, active_reps.rep, stages.stage_index, stages.stage
),

ranked as (
    select
        *,
        -- a count of zero has no rank: nobody is "#1 with 0" (zeros sort last, so the
        -- ranks of the others are as among the reps above zero)
        case
            when entered > 0 and rep is distinct from p_no_owner
                then rank() over (
                    partition by period, stage_index, rep is not distinct from p_no_owner
                    order by entered desc
                )
        end as stage_rank
    from stage_counts
),

wins as (
    select
        rep,
        count(*) as won,
        -- null when no win of the rep has a known amount: unknown, not zero
        sum(amount) as won_amount
    from stage_entries
    where period = 'current'
        and stage_index = (select max(stage_index) from funnel_stages)
    group by rep
),

event_counts as (
    select
        rep,
        count(*) filter (where period = 'current') as events,
        count(*) filter (where period = 'previous') as prev_events
    from (
        select period, rep from stage_entries
        union all
        select period, rep from losses
    )
    group by rep
),

lost_counts as (
    select rep, count(*) as lost
    from losses
    where period = 'current'
    group by rep
),

final as (
    select
        current_rank.rep,
        current_rank.stage_index,
        current_rank.stage,
        current_rank.entered,
        current_rank.stage_rank,
        previous_rank.stage_rank as previous_rank,
        case when wins.rep is null then 0 else wins.won_amount end as won_amount,
        coalesce(lost_counts.lost, 0) as lost,
        coalesce(wins.won, 0) as won,
        coalesce(event_counts.events, 0) as events,
        coalesce(event_counts.prev_events, 0) as prev_events,
        coalesce(wins.won, 0)
            / nullif(coalesce(wins.won, 0) + coalesce(lost_counts.lost, 0), 0) as win_rate,
        wilson_low(
            coalesce(wins.won, 0), coalesce(wins.won, 0) + coalesce(lost_counts.lost, 0), p_z
        ) as win_rate_low,
        wilson_high(
            coalesce(wins.won, 0), coalesce(wins.won, 0) + coalesce(lost_counts.lost, 0), p_z
        ) as win_rate_high
    from ranked as current_rank
    left join ranked as previous_rank
        on previous_rank.period = 'previous'
        and previous_rank.rep = current_rank.rep
        and previous_rank.stage_index = current_rank.stage_index
    left join wins on wins.rep = current_rank.rep
    left join lost_counts on lost_counts.rep = current_rank.rep
    left join event_counts on event_counts.rep = current_rank.rep
    where current_rank.period = 'current'
)

select * from final
order by rep, stage_index;
