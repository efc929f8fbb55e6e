-- One row per tier: the deals created in [p_since, p_until) (the cohort, as
-- in conversion), how many were won, lost and are open, the win rate
-- won / (won + lost), the median days from created_at to the won-stage entry
-- of won deals, the average and median amount of won deals, the won amount
-- (of the won deals with an amount; null when none of them has one) and its
-- share of all tiers' won amount; and, for customers who started in
-- the same window by p_today, their number, churn rate and average MRR (null
-- columns when no subscription is loaded at all). Averages and medians of a
-- tier with no win are null, its counts and sums zero. The win and churn rates
-- carry their Wilson interval at the normal quantile p_z.
create or replace temp macro tier_economics(p_since, p_until, p_today, p_z) as table
with
cohort_deals as (
    select deal_id, tier, status, amount, created_at
    from cohort(null, null, null, p_since, p_until)
),

won_entries as (
    select dates.deal_id, dates.entered_at as won_at
    from deal_stage_dates as dates
    inner join funnel_stages as stages
        on stages.stage_index = dates.stage_index
    where stages.is_won
),

deal_totals as (
    select
        cohort_deals.tier,
        count(*) as deals,
        count(*) filter (where cohort_deals.status = 'won') as won,
        count(*) filter (where cohort_deals.status = 'lost') as lost,
        count(*) filter (where cohort_deals.status = 'open') as open,
        median(
            (epoch(won_entries.won_at) - epoch(cohort_deals.created_at)) / 86400.0
        ) filter (where cohort_deals.status = 'won') as median_days_to_win,
        avg(cohort_deals.amount) filter (where cohort_deals.status = 'won') as avg_won_amount,
        median(cohort_deals.amount) filter (where cohort_deals.status = 'won')
            as median_won_amount,
        -- won deals without any known amount: the won amount is unknown, not 0
        case
            when count(*) filter (where cohort_deals.status = 'won') > 0
                then sum(cohort_deals.amount) filter (where cohort_deals.status = 'won')
            else 0
        end as won_amount
    from cohort_deals
    left join won_entries on won_entries.deal_id = cohort_deals.deal_id
    group by cohort_deals.tier
),

customer_totals as (
    select
        tier,
        count(*) as customers,
        count(*) filter (where churned) as churned,
        count(*) filter (where churned) / count(*) as churn_rate,
        -- MRR in several currencies is never averaged together: unknown
        case when (select count(*) from mrr_currencies) <= 1 then avg(mrr) end as avg_mrr
    from subscription_outcomes(p_since, p_until, p_today)
    group by tier
),

has_subscriptions as (
    select count(*) > 0 as loaded from subscription_facts
),

tiers as (
    select tier from deal_totals
    union
    select tier from customer_totals
),

final as (
    select
        tiers.tier,
        coalesce(deal_totals.deals, 0) as deals,
        coalesce(deal_totals.won, 0) as won,
        coalesce(deal_totals.lost, 0) as lost,
        coalesce(deal_totals.open, 0) as open,
        deal_totals.won / nullif(deal_totals.won + deal_totals.lost, 0) as win_rate,
        wilson_low(deal_totals.won, deal_totals.won + deal_totals.lost, p_z) as win_rate_low,
        wilson_high(deal_totals.won, deal_totals.won + deal_totals.lost, p_z) as win_rate_high,
        deal_totals.median_days_to_win,
        deal_totals.avg_won_amount,
        deal_totals.median_won_amount,
        case when deal_totals.tier is null then 0 else deal_totals.won_amount end
            as won_amount,
        case when deal_totals.tier is null then 0 else deal_totals.won_amount end
            / nullif(sum(deal_totals.won_amount) over (), 0) as won_amount_share,
        case when has_subscriptions.loaded then coalesce(customer_totals.customers, 0) end
            as customers,
        customer_totals.churn_rate,
        wilson_low(customer_totals.churned, customer_totals.customers, p_z) as churn_rate_low,
        wilson_high(customer_totals.churned, customer_totals.customers, p_z) as churn_rate_high,
        customer_totals.avg_mrr
    from tiers
    cross join has_subscriptions
    left join deal_totals on deal_totals.tier = tiers.tier
    left join customer_totals on customer_totals.tier = tiers.tier
)

select * from final
order by tier;
