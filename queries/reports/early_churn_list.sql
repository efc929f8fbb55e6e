-- One row per early-churned customer of the window (the commission-review
-- list): started in the window (see subscription_outcomes), churned by today,
-- and ended before start + p_early_months calendar months; with its rep,
-- tier, dates, whole days active, MRR and the MRR's currency (null: unknown).
create or replace temp macro early_churn_list(p_since, p_until, p_today, p_early_months) as table
with
outcomes as (
    select * from subscription_outcomes(p_since, p_until, p_today)
),

final as (
    select customer_id, deal_id, rep, tier, started_at, ended_at, days_active, mrr, currency
    from outcomes
    where churned
        and ended_at < started_at + to_months(p_early_months::integer)
)

select * from final
order by rep nulls last, ended_at, customer_id;
