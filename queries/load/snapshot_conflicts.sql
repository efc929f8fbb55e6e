-- One row per deal of the deals files being merged (`export_files`, each with its
-- path and as-of) whose exported state differs from the state that another deals
-- file of the same as-of gave it: two exports of one moment that disagree, which the
-- load refuses (neither is "the later one"). The other files are those recorded
-- before the file (a smaller file_id: a batch records its files first). The
-- timeline knows a file of that as-of showed the deal when the deal's state row
-- starts there (set by that file), ends there (its last sighting), or spans it
-- while a full export of that as-of (which lists every deal) exists. A changed
-- file loaded again at its own path replaces its earlier version and is no conflict.
create or replace temp table snapshot_conflicts as
with
others as (
    select
        files.file_no,
        bool_or(exports.full_export) as any_full,
        min(exports.path) as path,
        min(exports.path) filter (where exports.full_export) as full_path
    from export_files as files
    inner join main.deal_exports as exports
        on exports.as_of = files.as_of
        and exports.path <> files.path
        and exports.file_id < files.file_id
    group by files.file_no
),

row_files as (
    select file_id, any_value(path) as path from main.deal_exports group by file_id
),

final as (
    select
        compare.file_no,
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
            when compare.prev_as_of = compare.export_as_of then row_files.path
            when compare.prev_seen_until = compare.export_as_of then others.path
            else others.full_path
        end as other_path
    from snapshot_compare as compare
    inner join others using (file_no)
    inner join export_files as files using (file_no)
    left join main.deal_snapshots as snapshots
        on snapshots.deal_id = compare.deal_id
        and snapshots.as_of = compare.prev_as_of
    left join row_files on row_files.file_id = snapshots.file_id
    where not compare.same_as_before
        and compare.prev_as_of is not null
        and not compare.prev_removed
        and (
            (compare.prev_as_of = compare.export_as_of
                and row_files.path is distinct from files.path)
            or (compare.prev_as_of < compare.export_as_of
                and compare.prev_seen_until = compare.export_as_of)
            or (compare.prev_as_of < compare.export_as_of
                and compare.prev_seen_until > compare.export_as_of
                and others.any_full)
        )
)

select * from final;
