-- One row per deal and funnel stage it reached: the known entry (recorded in
-- history or inferred between snapshots, created_at for the first stage,
-- closed_at for the won stage of a won deal; never a snapshot's as-of or a file
-- time by itself) and the entry date (earliest known entry of this or any later stage,
-- so a skipped stage is entered when the deal first shows up beyond it), with
-- the same two dates of the stage before it (null for the first stage), and the
-- deal's pipeline. event_at: the entry date when the deal has a known entry of
-- this very stage, else null: a stage known only as passed (skipped, or an export
-- without its date) counts as reached but is no event in a month (rank, pulse).
create or replace temp view deal_stage_dates as
with
facts as (
    select deal_id, furthest_index, status, created_at, closed_at, pipeline
    from deal_facts
),

stages as (
    select stage_index, stage, stage_key from funnel_stages
),

won_stage as (
    select max(stage_index) as won_index from stages
),

recorded_entries as (
    select history.deal_id, stages.stage_index, history.entered_at
    from main.stage_history as history
    inner join stages on stages.stage_key = lower(history.stage)
    union all
    select deal_id, stage_index, entered_at
    from inferred_entries
),

-- a deal's recorded and inferred entries as two lists (stage, time): one group-by
-- of the deals, where a window over their stages sorted 2.5M rows (1M deals)
entries_by_deal as (
    select deal_id, list(stage_index) as entry_stages, list(entered_at) as entry_times
    from recorded_entries
    group by deal_id
),

-- known_entries[i]: the known entry of stage i, for the stages 1..furthest
known as (
    select
        facts.deal_id,
        facts.pipeline,
        list_transform(
            range(1, facts.furthest_index + 1),
            lambda i: least(
                list_min(list_filter(
                    entries.entry_times, lambda t, j: entries.entry_stages[j] = i
                )),
                case when i = 1 then facts.created_at end,
                case
                    when i = won_stage.won_index and facts.status = 'won' then facts.closed_at
                end
            )
        ) as known_entries
    from facts
    cross join won_stage
    left join entries_by_deal as entries on entries.deal_id = facts.deal_id
),

-- entry_dates[i]: the earliest known entry of stage i or a later one
entries as (
    select
        deal_id,
        pipeline,
        unnest(range(1, len(known_entries) + 1)) as stage_index,
        unnest(known_entries) as known_entered_at,
        unnest(list_transform(known_entries, lambda x, i: list_min(known_entries[i:])))
            as entered_at,
        unnest(list_prepend(null, known_entries[:-2])) as previous_known_entered_at
    from known
),

final as (
    select
        entries.deal_id,
        entries.pipeline,
        stages.stage_index,
        stages.stage,
        entries.known_entered_at,
        entries.entered_at,
        case when entries.known_entered_at is not null then entries.entered_at end as event_at,
        entries.previous_known_entered_at,
        -- the stage before is entered by the time this one is
        case
            when entries.stage_index > 1
                then least(entries.previous_known_entered_at, entries.entered_at)
        end as previous_entered_at
    from entries
    inner join stages on stages.stage_index = entries.stage_index
)

select * from final;
