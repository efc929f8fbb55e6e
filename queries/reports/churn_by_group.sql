-- One row per rep (p_by = 'rep') or tier (p_by = 'tier') known to the
-- database: customers started in the window (see subscription_outcomes),
-- churned so far, early churn (ended before start + p_early_months calendar
-- months), MRR lost (null when no churned customer has an mrr), and the company's churn rate over the same customers
-- beside the group's, with the difference. The churn rate carries its Wilson
-- interval at the normal quantile p_z; a group is well above the company when
-- the interval's lower end is above the company's rate. A rep or tier with no
-- customer in the window has a row with zero counts and null rates.
create or replace temp macro churn_by_group(
    p_since, p_until, p_today, p_early_months, p_by, p_z
) as table
with
outcomes as (
    select
        case p_by when 'tier' then tier else rep end as group_value,
        churned,
        churned and ended_at < started_at + to_months(p_early_months::integer) as early_churned,
        mrr
    from subscription_outcomes(p_since, p_until, p_today)
),

known_groups as (
    select rep as group_value from main.reps where p_by = 'rep'
    union
    select rep from deal_facts where p_by = 'rep'
    union
    select tier from deal_facts where p_by = 'tier'
    union
    select case p_by when 'tier' then tier else rep end from subscription_facts
),

group_counts as (
    select
        group_value,
        count(*) as started,
        count(*) filter (where churned) as churned,
        count(*) filter (where early_churned) as early_churned,
        -- churned customers without any known mrr: the MRR lost is unknown, not 0; MRR in
        -- several currencies is never added up: unknown
        case
            when (select count(*) from mrr_currencies) > 1 then null
            when count(*) filter (where churned) > 0 then sum(mrr) filter (where churned)
            else 0
        end as mrr_lost
    from outcomes
    group by group_value
),

company as (
    select
        count(*) filter (where churned) / nullif(count(*), 0) as churn_rate
    from outcomes
),

rated as (
    select
        known_groups.group_value,
        coalesce(group_counts.started, 0) as started,
        coalesce(group_counts.churned, 0) as churned,
        group_counts.churned / nullif(group_counts.started, 0) as churn_rate,
        wilson_low(group_counts.churned, group_counts.started, p_z) as churn_rate_low,
        wilson_high(group_counts.churned, group_counts.started, p_z) as churn_rate_high,
        coalesce(group_counts.early_churned, 0) as early_churned,
        group_counts.early_churned / nullif(group_counts.started, 0) as early_churn_rate,
        case when group_counts.started is null then 0 else group_counts.mrr_lost end
            as mrr_lost,
        company.churn_rate as company_churn_rate
    from known_groups
    cross join company
    left join group_counts
        on group_counts.group_value is not distinct from known_groups.group_value
),

final as (
    select
        *,
        churn_rate - company_churn_rate as rate_difference,
        coalesce(churn_rate_low > company_churn_rate, false) as well_above_company
    from rated
)

select * from final
order by churn_rate desc nulls last, group_value nulls last;
