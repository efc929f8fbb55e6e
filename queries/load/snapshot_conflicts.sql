-- One row per deal of the deals file being loaded (path $path, as-of $as_of)
-- whose exported state differs from the state that another deals file of the
-- same as-of gave it: two exports of one moment that disagree, which the load
-- refuses (neither is "the later one"). The timeline knows a file of that as-of
-- showed the deal when the deal's state row starts there (set by that file),
-- ends there (its last sighting), or spans it while a full export of that as-of
-- (which lists every deal) exists. A changed file loaded again at its own path
-- replaces its earlier version and is no conflict.
create or replace temp table snapshot_conflicts as
with
others as (
    select
        bool_or(full_export) as any_full,
        min(path) as path,
        min(path) filter (where full_export) as full_path
    from main.deal_exports
    where as_of = $as_of and path <> $path
    having count(*) > 0
),

row_files as (
    select file_id, any_value(path) as path from main.deal_exports group by file_id
),

final as (
    select
        compare.deal_id,
        compare.stage,
        compare.prev_stage,
        compare.status,
        compare.prev_status,
        compare.amount,
        compare.prev_amount,
        compare.closed_at,
        compare.prev_closed_at,
        compare.rep,
        compare.prev_rep,
        compare.tier,
        compare.prev_tier,
        case
            when compare.prev_as_of = $as_of then row_files.path
            when compare.prev_seen_until = $as_of then others.path
            else others.full_path
        end as other_path
    from snapshot_compare as compare
    cross join others
    left join main.deal_snapshots as snapshots
        on snapshots.deal_id = compare.deal_id
        and snapshots.as_of = compare.prev_as_of
    left join row_files on row_files.file_id = snapshots.file_id
    where not compare.same_as_before
        and compare.prev_as_of is not null
        and not compare.prev_removed
        and (
            (compare.prev_as_of = $as_of and row_files.path is distinct from $path)
            or (compare.prev_as_of < $as_of and compare.prev_seen_until = $as_of)
            or (compare.prev_as_of < $as_of and compare.prev_seen_until > $as_of
                and others.any_full)
        )
)

select * from final;
