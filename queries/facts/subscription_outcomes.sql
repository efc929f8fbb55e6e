-- One row per customer who started in [p_since, p_until) and on or before
-- p_today: whether it has churned by p_today (ended_at on or before that day)
-- and the whole days from start to end for those that churned; with its MRR and
-- the MRR's currency. Null bounds
-- leave that side of the window open.
create or replace temp macro subscription_outcomes(p_since, p_until, p_today) as table
with
day_after_today as (
    select p_today::date::timestamp + interval 1 day as bound
),

started as (
    select subscription_facts.*
    from subscription_facts, day_after_today
    where subscription_facts.started_at < day_after_today.bound
        and (p_since is null or subscription_facts.started_at >= p_since)
        and (p_until is null or subscription_facts.started_at < p_until)
),

final as (
    select
        started.customer_id,
        started.deal_id,
        started.rep,
        started.tier,
        started.started_at,
        started.ended_at,
        started.mrr,
        started.currency,
        coalesce(started.ended_at < day_after_today.bound, false) as churned,
        case
            when started.ended_at < day_after_today.bound
                then date_diff('day', started.started_at::date, started.ended_at::date)
        end as days_active
    from started, day_after_today
)

select * from final;
