-- One snapshot row per deal that has none: a deal loaded before deals exports had
-- snapshots (a database of release 0.1, upgraded), in the state its deals file
-- ($file_id, as-of $as_of) gave it. From then on it takes part in full-export
-- removal like every deal, and is not "new" in the next export.
insert into deal_snapshots
    (deal_id, as_of, seen_until, removed, stage, status, amount, closed_at, rep, tier, file_id)
select
    deals.deal_id,
    $as_of,
    $as_of,
    false,
    deals.stage,
    deals.status,
    cast(deals.amount as decimal(38, 6)),
    deals.closed_at,
    deals.rep,
    deals.tier,
    deals.file_id
from main.deals as deals
anti join main.deal_snapshots as snapshots using (deal_id)
where deals.file_id = $file_id;
