-- One row per group (p_by null: one row; or tier, rep, source) with activity in
-- the window [p_since, p_until) or the one before it [p_previous_since,
-- p_since): the four levers of sales velocity in each window. opportunities:
-- deals entering stage p_stage_index in the window; won and lost: deals that
-- had reached that stage and were won (won-stage entry) or lost (closed_at) in
-- the window; avg_won_amount over those won deals and cycle_days (days from
-- the entry date of the stage to won) over those with a known entry of the
-- stage; a stage known only as passed (skipped, undated) is no entry in a window
-- (opportunities and velocity are null when no deal has an entry date of the
-- stage); velocity = opportunities × win rate × average won
-- amount / cycle days, an amount per day (0 when deals were decided and none
-- won; null when none was decided or the cycle is 0 days).
create or replace temp macro velocity(p_previous_since, p_since, p_until, p_stage_index, p_by)
as table
with
periods as (
    select 'current' as period, p_since::timestamp as starts, p_until::timestamp as ends
    union all
    select 'previous', p_previous_since::timestamp, p_since::timestamp
),

won_stage as (
    select max(stage_index) as won_index from funnel_stages
),

deals as (
    select
        facts.deal_id,
        facts.amount,
        facts.status,
        facts.furthest_index,
        case when facts.status = 'lost' then facts.closed_at end as lost_at,
        case p_by
            when 'tier' then facts.tier
            when 'rep' then facts.rep
            when 'source' then facts.source
        end as group_value
    from deal_facts as facts
),

deal_dates as (
    select
        deals.*,
        stage_entry.entered_at as stage_at,
        stage_entry.event_at as stage_event_at,
        case when deals.status = 'won' then won_entry.entered_at end as won_at
    from deals
    cross join won_stage
    left join deal_stage_dates as stage_entry
        on stage_entry.deal_id = deals.deal_id
        and stage_entry.stage_index = p_stage_index
    left join deal_stage_dates as won_entry
        on won_entry.deal_id = deals.deal_id
        and won_entry.stage_index = won_stage.won_index
),

flagged as (
    select
        periods.period,
        deal_dates.group_value,
        deal_dates.amount,
        deal_dates.stage_at,
        deal_dates.won_at,
        deal_dates.stage_event_at >= periods.starts and deal_dates.stage_event_at < periods.ends
            as entered,
        deal_dates.stage_event_at is not null as stage_dated,
        deal_dates.furthest_index >= p_stage_index
            and deal_dates.won_at >= periods.starts and deal_dates.won_at < periods.ends
            as won,
        deal_dates.furthest_index >= p_stage_index
            and deal_dates.lost_at >= periods.starts and deal_dates.lost_at < periods.ends
            as lost
    from deal_dates
    cross join periods
),

levers as (
    select
        period,
        group_value,
        count(*) filter (where entered) as opportunities,
        count(*) filter (where won) as won,
        count(*) filter (where lost) as lost,
        avg(amount) filter (where won) as avg_won_amount,
        avg((epoch(won_at) - epoch(stage_at)) / 86400.0) filter (where won and stage_dated)
            as cycle_days
    from flagged
    where entered or won or lost
    group by period, group_value
),

rated as (
    select
        *,
        won / nullif(won + lost, 0) as win_rate,
        -- no win among decided deals moves no money: 0, though there is no average
        case
            when won = 0 and lost > 0 then 0.0
            else opportunities * (won / nullif(won + lost, 0)) * avg_won_amount
                / nullif(cycle_days, 0)
        end as velocity
    from levers
),

groups as (
    select distinct group_value from rated
),

-- entries of a stage that no deal of the data has an entry date for are unknown, not 0:
-- then opportunities and velocity are null
stage_dating as (
    select p_stage_index::integer not in (select stage_index from undated_stages) as dated
),

final as (
    select
        groups.group_value,
        case when stage_dating.dated then coalesce(current_levers.opportunities, 0) end
            as opportunities,
        case when stage_dating.dated then coalesce(previous_levers.opportunities, 0) end
            as opportunities_previous,
        current_levers.won,
        current_levers.lost,
        current_levers.win_rate,
        previous_levers.win_rate as win_rate_previous,
        current_levers.avg_won_amount,
        previous_levers.avg_won_amount as avg_won_amount_previous,
        current_levers.cycle_days,
        previous_levers.cycle_days as cycle_days_previous,
        case when stage_dating.dated then current_levers.velocity end as velocity,
        case when stage_dating.dated then previous_levers.velocity end as velocity_previous
    from groups
    cross join stage_dating
    left join rated as current_levers
        on current_levers.period = 'current'
        and current_levers.group_value is not distinct from groups.group_value
    left join rated as previous_levers
        on previous_levers.period = 'previous'
        and previous_levers.group_value is not distinct from groups.group_value
)

select * from final
order by group_value nulls last;
