-- One row per loaded subscription (customer): its rep (by name when it is a
-- loaded user id, as in deal_facts) and tier as loaded, or else those of its deal (resolved here, at query time, so a deal loaded after
-- the subscription still fills them in; the deal's tier is itself resolved
-- through its account), its start, end, MRR and its currency. A tier found nowhere is
-- 'unknown'; a rep found nowhere is null. Scoped to one pipeline (`--pipeline`),
-- only the subscriptions of that pipeline's deals.
create or replace temp view subscription_facts as
with
loaded as (
    select customer_id, deal_id, rep, tier, started_at, ended_at, mrr, currency
    from main.subscriptions
    where (select mode from pipeline_scope) = 'all'
        or deal_id in (select deal_id from main.deals where in_pipeline(pipeline))
),

deal_owners as (
    select deal_id, rep, tier from deal_facts
),

user_names as (
    select user_id, name from rep_names
),

final as (
    select
        loaded.customer_id,
        loaded.deal_id,
        coalesce(user_names.name, loaded.rep, deal_owners.rep) as rep,
        coalesce(loaded.tier, deal_owners.tier, 'unknown') as tier,
        loaded.started_at,
        loaded.ended_at,
        loaded.mrr,
        loaded.currency
    from loaded
    left join deal_owners on deal_owners.deal_id = loaded.deal_id
    left join user_names on user_names.user_id = loaded.rep
)

select * from final;
