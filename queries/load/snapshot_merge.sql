-- Merges the files' states (snapshot_compare) into the deal_snapshots timeline,
-- each at its file's as-of (export_as_of; no two files of a batch share a deal),
-- keeping it compact: a state equal to the one before only extends that row's
-- seen_until; a different state gets a row; a row after it that now repeats the
-- new state is folded into it.

-- the same state as before: it was still seen at this as-of
update deal_snapshots as snapshots
set seen_until = greatest(snapshots.seen_until, compare.export_as_of)
from snapshot_compare as compare
where compare.same_as_before
    and snapshots.deal_id = compare.deal_id
    and snapshots.as_of = compare.prev_as_of;

-- an export at the same as-of that says something else replaces that row's state
update deal_snapshots as snapshots
set stage = compare.stage, status = compare.status, amount = compare.amount,
    closed_at = compare.closed_at, rep = compare.rep, tier = compare.tier,
    removed = false, file_id = compare.file_id
from snapshot_compare as compare
where not compare.same_as_before
    and compare.prev_as_of = compare.export_as_of
    and snapshots.deal_id = compare.deal_id
    and snapshots.as_of = compare.export_as_of;

-- a different state inside a run seen before and after it splits the run: the
-- earlier part ends at its first as-of, the later part starts at the run's last
-- sighting (the sightings in between are not kept)
insert into deal_snapshots
    (deal_id, as_of, seen_until, removed, stage, status, amount, closed_at, rep, tier, file_id)
select
    snapshots.deal_id, snapshots.seen_until, snapshots.seen_until, snapshots.removed,
    snapshots.stage, snapshots.status, snapshots.amount, snapshots.closed_at, snapshots.rep,
    snapshots.tier, snapshots.file_id
from deal_snapshots as snapshots
inner join snapshot_compare as compare
    on snapshots.deal_id = compare.deal_id
    and snapshots.as_of = compare.prev_as_of
where not compare.same_as_before
    and compare.prev_as_of < compare.export_as_of
    and compare.prev_seen_until > compare.export_as_of;

update deal_snapshots as snapshots
set seen_until = snapshots.as_of
from snapshot_compare as compare
where not compare.same_as_before
    and compare.prev_as_of < compare.export_as_of
    and compare.prev_seen_until > compare.export_as_of
    and snapshots.deal_id = compare.deal_id
    and snapshots.as_of = compare.prev_as_of;

-- a new or different state: a new row, reaching to the next row when that one
-- repeats it (the next row is then removed)
insert into deal_snapshots
    (deal_id, as_of, seen_until, removed, stage, status, amount, closed_at, rep, tier, file_id)
select
    deal_id,
    export_as_of,
    case
        when same_as_next and not coalesce(prev_seen_until > export_as_of, false)
            then next_seen_until
        else export_as_of
    end,
    false, stage, status, amount, closed_at, rep, tier, file_id
from snapshot_compare
where not same_as_before
    and (prev_as_of is null or prev_as_of < export_as_of);

delete from deal_snapshots as snapshots
using snapshot_compare as compare
where not compare.same_as_before
    and (compare.prev_as_of is null or compare.prev_as_of < compare.export_as_of)
    and compare.same_as_next
    and not coalesce(compare.prev_seen_until > compare.export_as_of, false)
    and snapshots.deal_id = compare.deal_id
    and snapshots.as_of = compare.next_as_of;
