-- One row: how many won and how many lost deals have no amount in their export
-- (amount and amount_original both null; an amount left unconverted for want of a
-- rate is unconverted_amounts'). Sums and averages of won or lost amounts add up the
-- others: these deals add nothing known, never 0.
create or replace temp view unpriced_closes as
with
closed_unpriced as (
    select facts.status
    from deal_facts as facts
    inner join main.deals as deals using (deal_id)
    where facts.status in ('won', 'lost')
        and facts.amount is null
        and deals.amount_original is null
),

final as (
    select
        count(*) filter (where status = 'won') as won_unpriced,
        count(*) filter (where status = 'lost') as lost_unpriced
    from closed_unpriced
)

select * from final;
