-- One row per pulse metric: for the period [p_start, p_end) and the one
-- before it [p_previous_start, p_start), the deals entering the first stage
-- (leads), the opportunity stage (p_opportunity_index), the stage before won
-- (only when it is another stage than the opportunity stage: with the default
-- funnel the two are one stage, and one row says it) and the won stage, by entry date as in deal_stage_dates, and the average
-- amount of the deals won (entering the won stage) in the period (the counts
-- of a stage no deal has an entry date for are null: undated_stages); with the
-- change and the relative change (null when the previous value is 0 or null).
create or replace temp macro pulse(p_previous_start, p_start, p_end, p_opportunity_index, p_tier) as table
with
periods as (
    select 'current' as period, p_start::timestamp as starts, p_end::timestamp as ends
    union all
    select 'previous', p_previous_start::timestamp, p_start::timestamp
),

won_stage as (
    select max(stage_index) as stage_index from funnel_stages
),

metrics as (
    select 1 as position, 'leads' as metric, 1 as stage_index
    union all
    select 2, 'opportunities', p_opportunity_index::integer
    union all
    select 3, 'before_won', stage_index - 1 from won_stage
    where stage_index - 1 <> p_opportunity_index::integer
    union all
    select 4, 'won', stage_index from won_stage
),

tier_deals as (
    select deal_id, amount
    from deal_facts
    where tier_matches(tier, p_tier)
),

entries as (
    select periods.period, dates.stage_index, tier_deals.amount
    from deal_stage_dates as dates
    inner join tier_deals on tier_deals.deal_id = dates.deal_id
    inner join periods
        on dates.event_at >= periods.starts
        and dates.event_at < periods.ends
),

counts as (
    select
        metrics.position,
        metrics.metric,
        stages.stage,
        -- a stage that no deal of the data has an entry date for: unknown, not 0
        case when metrics.stage_index not in (select stage_index from undated_stages) then
            count(entries.period) filter (where entries.period = 'current')::double
        end as current,
        case when metrics.stage_index not in (select stage_index from undated_stages) then
            count(entries.period) filter (where entries.period = 'previous')::double
        end as previous
    from metrics
    inner join funnel_stages as stages on stages.stage_index = metrics.stage_index
    left join entries on entries.stage_index = metrics.stage_index
    group by metrics.position, metrics.metric, metrics.stage_index, stages.stage
),

amounts as (
    select
        5 as position,
        'avg_won_amount' as metric,
        stages.stage,
        avg(entries.amount) filter (where entries.period = 'current') as current,
        avg(entries.amount) filter (where entries.period = 'previous') as previous
    from won_stage
    inner join funnel_stages as stages on stages.stage_index = won_stage.stage_index
    left join entries on entries.stage_index = won_stage.stage_index
    group by stages.stage
),

final as (
    select
        position,
        metric,
        stage,
        current,
        previous,
        current - previous as change,
        (current - previous) / nullif(previous, 0) as change_rate
    from (
        select * from counts
        union all
        select * from amounts
    )
)

select * from final
order by position;
