-- One row per currency whose loaded deals have an amount the load could not
-- convert into the report currency (the config's [currency] has no rate for it):
-- the currency and how many deals. Such a deal's amount is unknown (null, so no
-- sum counts it); its value and currency as exported stay in amount_original and
-- currency_original.
create or replace temp view unconverted_amounts as
with
unconverted as (
    select currency_original as currency
    from main.deals
    where amount is null
        and amount_original is not null
        and currency_original is distinct from currency
),

final as (
    select currency, count(*) as deals
    from unconverted
    group by currency
)

select * from final;
