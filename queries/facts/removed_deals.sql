-- One row per deal removed by a full export: its newest snapshot says removed
-- (it was missing from a full export later than its last sighting).
create or replace temp view removed_deals as
with
latest as (
    select deal_id, max(as_of) as as_of, arg_max(removed, as_of) as removed
    from main.deal_snapshots
    -- only a deal with a removed snapshot can be removed (most loads have none)
    where deal_id in (select deal_id from main.deal_snapshots where removed)
    group by deal_id
),

final as (
    select deal_id, as_of as removed_at
    from latest
    where removed
)

select * from final;
