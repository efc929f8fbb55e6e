-- One row per currency the loaded subscriptions' MRR is in (null: a currency the
-- export does not say), with how many subscriptions have an MRR in it. More than one
-- row: MRR is in several currencies, which are never added up (churn's mrr_lost and
-- tiers' avg_mrr are then unknown; reports/currency.py says why).
create or replace temp view mrr_currencies as
with
final as (
    select currency, count(*) as subscriptions
    from subscription_facts
    where mrr is not null
    group by currency
)

select * from final
order by currency nulls last;
