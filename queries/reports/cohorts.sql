-- One row per (group, created_at month, age): the deals created in the month
-- (p_by null: one group; or 'tier'), how many entered stage p_stage_index
-- within age_days of their created_at, the rate, and whether the cohort is
-- mature at that age: the data's last activity is at least age_days after the
-- cohort month's last day, so every deal of the cohort has had age_days to
-- get there. p_ages is a list of ages in days. A deal that reached the stage on an
-- unknown date (a won deal without closed_at, a stage known only as passed) is in no
-- cohort: whether it got there within an age is unknown, not "no".
create or replace temp macro cohorts(p_stage_index, p_ages, p_by) as table
with
ages as (
    select unnest(p_ages::integer[]) as age_days
),

span as (
    select last_activity from data_span
),

cohort_deals as (
    select
        facts.deal_id,
        date_trunc('month', facts.created_at) as month_start,
        facts.created_at,
        entry.entered_at as stage_at,
        case p_by when 'tier' then facts.tier end as group_value
    from deal_facts as facts
    left join deal_stage_dates as entry
        on entry.deal_id = facts.deal_id
        and entry.stage_index = p_stage_index
    where facts.created_at is not null
        and not (entry.deal_id is not null and entry.entered_at is null)
),

cells as (
    select
        cohort_deals.group_value,
        cohort_deals.month_start,
        ages.age_days,
        count(*) as deals,
        count(*) filter (
            where cohort_deals.stage_at <= cohort_deals.created_at + to_days(ages.age_days)
        ) as reached
    from cohort_deals
    cross join ages
    group by cohort_deals.group_value, cohort_deals.month_start, ages.age_days
),

final as (
    select
        cells.group_value,
        strftime(cells.month_start, '%Y-%m') as cohort,
        cells.deals,
        cells.age_days,
        cells.reached,
        cells.reached / nullif(cells.deals, 0) as rate,
        coalesce(
            span.last_activity >= cells.month_start + interval 1 month - interval 1 day
                + to_days(cells.age_days),
            false
        ) as mature
    from cells
    cross join span
)

select * from final
order by group_value nulls last, cohort, age_days;
