-- One row per (status, tier) with the number of loaded deals.
create or replace temp view deal_counts as
with
final as (
    select status, tier, count(*) as deals
    from deal_facts
    group by status, tier
)

select * from final
order by status, tier;
