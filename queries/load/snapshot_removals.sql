-- Deletions judged on the as-of timeline: a deal last seen before a full
-- export (one listing every deal of the CRM) was deleted by then, so it gets a
-- removed row at the first full export after its last sighting, whatever the
-- load order. A removal that no longer fits the timeline (an older export,
-- loaded later, moved the last sighting or the first full export) is redone. A
-- rejected row of an export (load_rejects.deal_id) is a sighting too: the deal is
-- in that export, only its values could not be used.
create or replace temp table snapshot_removal_changes as
with
full_exports as (
    select distinct as_of from main.deal_exports where full_export
),

rejected_sightings as (
    select rejects.deal_id, max(exports.as_of) as seen
    from main.load_rejects as rejects
    inner join main.deal_exports as exports using (file_id)
    where rejects.deal_id is not null
    group by rejects.deal_id
),

snapshot_ends as (
    select
        deal_id,
        max(seen_until) filter (where not removed) as last_seen,
        max(as_of) filter (where not removed) as last_state_as_of,
        arg_max(removed, as_of) as ends_removed,
        max(as_of) filter (where removed) as removed_as_of
    from main.deal_snapshots
    group by deal_id
),

deal_ends as (
    select
        snapshot_ends.* replace (
            greatest(snapshot_ends.last_seen, rejected_sightings.seen) as last_seen
        )
    from snapshot_ends
    left join rejected_sightings using (deal_id)
),

wanted as (
    select
        deal_ends.*,
        full_exports.as_of as wanted_as_of
    from deal_ends
    asof left join full_exports
        on deal_ends.last_seen < full_exports.as_of
),

final as (
    select *
    from wanted
    where last_seen is not null
        and (
            (ends_removed and wanted_as_of is distinct from removed_as_of)
            or (not ends_removed and wanted_as_of is not null)
        )
)

select * from final;

delete from deal_snapshots as snapshots
using snapshot_removal_changes as changes
where changes.ends_removed
    and snapshots.deal_id = changes.deal_id
    and snapshots.removed
    and snapshots.as_of > changes.last_seen;

insert into deal_snapshots
    (deal_id, as_of, seen_until, removed, stage, status, amount, closed_at, rep, tier, file_id)
select
    snapshots.deal_id, changes.wanted_as_of, changes.wanted_as_of, true,
    snapshots.stage, snapshots.status, snapshots.amount, snapshots.closed_at, snapshots.rep,
    snapshots.tier, $file_id
from snapshot_removal_changes as changes
inner join main.deal_snapshots as snapshots
    on snapshots.deal_id = changes.deal_id
    and snapshots.as_of = changes.last_state_as_of
where changes.wanted_as_of is not null;
