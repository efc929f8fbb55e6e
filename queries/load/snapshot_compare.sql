-- One row per valid deal of the deals files being merged (`export_files`: one
-- file, or a batch of files no two of which share a deal): its exported state
-- next to the deal's snapshot on or before its file's as-of (the state the
-- timeline held then), the next snapshot after it, and whether a newer export
-- already set the deal (then the deals row is left alone).
create or replace temp table snapshot_compare as
with
incoming_states as (
    select
        deal_id,
        stage,
        status,
        cast(amount as decimal(38, 6)) as amount,
        closed_at,
        rep,
        tier,
        files.file_no,
        files.file_id,
        files.as_of as export_as_of
    from incoming
    inner join export_files as files using (file_id)
),

known as (
    select snapshots.*, incoming_states.export_as_of
    from main.deal_snapshots as snapshots
    inner join incoming_states using (deal_id)
),

before as (
    select *
    from known
    where as_of <= export_as_of
    qualify row_number() over (partition by deal_id order by as_of desc) = 1
),

after as (
    select *
    from known
    where as_of > export_as_of
    qualify row_number() over (partition by deal_id order by as_of) = 1
),

newer as (
    select distinct deal_id
    from known
    where seen_until > export_as_of and not removed
),

final as (
    select
        incoming_states.*,
        before.as_of as prev_as_of,
        before.seen_until as prev_seen_until,
        before.removed as prev_removed,
        before.stage as prev_stage,
        before.status as prev_status,
        before.amount as prev_amount,
        before.closed_at as prev_closed_at,
        before.rep as prev_rep,
        before.tier as prev_tier,
        after.as_of as next_as_of,
        after.seen_until as next_seen_until,
        coalesce(
            not before.removed and (
                incoming_states.stage, incoming_states.status, incoming_states.amount,
                incoming_states.closed_at, incoming_states.rep, incoming_states.tier
            ) is not distinct from (
                before.stage, before.status, before.amount,
                before.closed_at, before.rep, before.tier
            ),
            false
        ) as same_as_before,
        coalesce(
            (incoming_states.stage, incoming_states.status, incoming_states.amount,
             incoming_states.closed_at, incoming_states.rep, incoming_states.tier)
            is not distinct from
            (after.stage, after.status, after.amount, after.closed_at, after.rep, after.tier)
            and not after.removed,
            false
        ) as same_as_next,
        newer.deal_id is not null as newer_export_set_it
    from incoming_states
    left join before using (deal_id)
    left join after using (deal_id)
    left join newer using (deal_id)
)

select * from final;

-- The rows of the file that may change the deals table: none a newer export set.
create or replace temp view incoming_current as
select incoming.*
from incoming
anti join (select deal_id from snapshot_compare where newer_export_set_it) as newer using (deal_id);
