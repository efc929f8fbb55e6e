-- One row per value a --tier, --rep or --source filter can name (filter, value):
-- each value the reports show for a loaded deal, removed deals and every pipeline
-- included: the tier resolved through the deal's account ('unknown' when neither
-- gives one), the rep by name (rep_names), the lead source ('unknown' when none).
create or replace temp view filter_values as
with
account_tiers as (
    select account, tier from main.accounts
),

shown as (
    select
        coalesce(deals.tier, account_tiers.tier, 'unknown') as tier,
        coalesce(rep_names.name, deals.rep) as rep,
        coalesce(deals.source, 'unknown') as source
    from main.deals as deals
    left join account_tiers on account_tiers.account = deals.account
    left join rep_names on rep_names.user_id = deals.rep
),

final as (
    select distinct 'tier' as filter_name, tier as value from shown
    union
    select distinct 'rep' as filter_name, rep as value from shown where rep is not null
    union
    select distinct 'source' as filter_name, source as value from shown
)

select * from final;
