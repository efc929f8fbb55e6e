-- One row per (group, funnel stage): how many deals of the cohort reached the
-- stage, the step and overall conversion rates, the deals lost or still open
-- with this as their furthest stage, and the 25th, 50th, 75th and 90th
-- percentiles of the days from the previous stage (quantile_cont: linear
-- between closest ranks). Rates carry their Wilson interval at the normal
-- quantile p_z. p_by is null (one group) or tier, rep, source or month (of
-- created_at). Lost deals lost at an unknown stage (stage_unknown) are in no
-- row: their lost-at stage is unknown, as in dropoff.
create or replace temp macro conversion(p_tier, p_rep, p_source, p_since, p_until, p_by, p_z)
as table
with
cohort_deals as not materialized (
    select
        deal_id,
        furthest_index,
        status,
        case p_by
            when 'tier' then tier
            when 'rep' then rep
            when 'source' then source
            when 'month' then strftime(created_at, '%Y-%m')
        end as group_value
    from cohort(p_tier, p_rep, p_source, p_since, p_until)
    -- a lost deal with no stage before loss was lost at an unknown stage: placed at
    -- no stage (dropoff shows it as stage unknown), so left out here
    where not stage_unknown
),

groups as (
    select distinct group_value from cohort_deals
),

by_furthest as (
    select
        group_value,
        furthest_index,
        count(*) as deals,
        count(*) filter (where status = 'lost') as lost,
        count(*) filter (where status = 'open') as open
    from cohort_deals
    group by group_value, furthest_index
),

counts as (
    select
        groups.group_value,
        stages.stage_index,
        stages.stage,
        coalesce(sum(by_furthest.deals) filter (
            where by_furthest.furthest_index >= stages.stage_index), 0)::bigint as reached,
        coalesce(sum(by_furthest.lost) filter (
            where by_furthest.furthest_index = stages.stage_index), 0)::bigint as lost,
        coalesce(sum(by_furthest.open) filter (
            where by_furthest.furthest_index = stages.stage_index), 0)::bigint as open
    from groups
    cross join funnel_stages as stages
    left join by_furthest
        on by_furthest.group_value is not distinct from groups.group_value
    group by groups.group_value, stages.stage_index, stages.stage
),

-- the days from the previous stage of each stage entry of the cohort's deals; for every
-- deal in one group (no filter, no --by), each entry as it is, without the join to the
-- cohort (the parameters decide when the query is planned which branch runs)
entry_days as (
    select
        null::varchar as group_value,
        entry.stage_index,
        (epoch(entry.entered_at) - epoch(entry.previous_entered_at)) / 86400.0 as days
    from deal_stage_dates as entry
    where p_tier is null and p_rep is null and p_source is null and p_since is null
        and p_until is null and p_by is null
        and entry.known_entered_at is not null
        and entry.previous_known_entered_at is not null
    union all
    select
        cohort_deals.group_value,
        entry.stage_index,
        (epoch(entry.entered_at) - epoch(entry.previous_entered_at)) / 86400.0 as days
    from cohort_deals
    inner join deal_stage_dates as entry
        on entry.deal_id = cohort_deals.deal_id
    where not (p_tier is null and p_rep is null and p_source is null and p_since is null
        and p_until is null and p_by is null)
        and entry.known_entered_at is not null
        and entry.previous_known_entered_at is not null
),

durations as (
    select
        group_value,
        stage_index,
        quantile_cont(days, [0.25, 0.5, 0.75, 0.9]) as day_quantiles
    from entry_days
    group by group_value, stage_index
),

bases as (
    select
        counts.*,
        case
            when counts.stage_index > 1 then lag(counts.reached) over by_group
        end as previous_reached,
        first_value(counts.reached) over by_group as first_reached
    from counts
    window by_group as (partition by counts.group_value order by counts.stage_index)
),

final as (
    select
        bases.group_value,
        bases.stage_index,
        bases.stage,
        bases.reached,
        bases.reached / nullif(bases.previous_reached, 0) as step_rate,
        wilson_low(bases.reached, bases.previous_reached, p_z) as step_rate_low,
        wilson_high(bases.reached, bases.previous_reached, p_z) as step_rate_high,
        bases.reached / nullif(bases.first_reached, 0) as overall_rate,
        wilson_low(bases.reached, bases.first_reached, p_z) as overall_rate_low,
        wilson_high(bases.reached, bases.first_reached, p_z) as overall_rate_high,
        bases.lost,
        bases.open,
        durations.day_quantiles[2] as median_days,
        durations.day_quantiles[1] as p25_days,
        durations.day_quantiles[3] as p75_days,
        durations.day_quantiles[4] as p90_days
    from bases
    left join durations
        on durations.group_value is not distinct from bases.group_value
        and durations.stage_index = bases.stage_index
)

select * from final
order by group_value nulls last, stage_index;
