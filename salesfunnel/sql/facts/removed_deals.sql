-- One row per deal removed by a full export: its newest snapshot says removed
-- (it was missing from a full export later than its last sighting).
create or replace temp view removed_deals as
with
latest as (
    select deal_id, as_of, removed
    from main.deal_snapshots
    qualify row_number() over (partition by deal_id order by as_of desc) = 1
),

final as (
    select deal_id, as_of as removed_at
    from latest
    where removed
)

select * from final;
