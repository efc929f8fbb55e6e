-- One row per calendar month (1 to 12) with a seasonality factor: wins of tier
-- p_tier (null: all) by won-stage entry month, over the months from the first
-- win's month to the month before p_until (months without a win count 0);
-- factor = the calendar month's average wins / the average month's wins.
-- months_of_data is the number of months counted (the plan uses the factors
-- only when it is at least 12).
create or replace temp macro plan_seasonality(p_until, p_tier) as table
with
wins as (
    select date_trunc('month', dates.entered_at) as month
    from deal_stage_dates as dates
    inner join deal_facts as facts on facts.deal_id = dates.deal_id
    inner join funnel_stages as stages on stages.stage_index = dates.stage_index
    where stages.is_won
        and facts.status = 'won'
        and tier_matches(facts.tier, p_tier)
        and dates.entered_at < p_until::timestamp
),

months as (
    select unnest(generate_series(
        (select min(month) from wins),
        p_until::timestamp - interval 1 month,
        interval 1 month
    )) as month
),

monthly as (
    select months.month, count(wins.month) as wins
    from months
    left join wins on wins.month = months.month
    group by months.month
),

overall as (
    select avg(wins) as average_wins, count(*) as months_of_data from monthly
),

final as (
    select
        month(monthly.month) as calendar_month,
        avg(monthly.wins) / nullif(overall.average_wins, 0) as factor,
        overall.months_of_data
    from monthly
    cross join overall
    group by month(monthly.month), overall.average_wins, overall.months_of_data
)

select * from final
order by calendar_month;
