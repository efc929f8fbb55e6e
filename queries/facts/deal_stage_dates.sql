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
    select stage_index, stage, stage_key, is_won from funnel_stages
),

history_entries as (
    select deal_id, stage_index, min(entered_at) as entered_at
    from (
        select history.deal_id, stages.stage_index, history.entered_at
        from main.stage_history as history
        inner join stages on stages.stage_key = lower(history.stage)
        union all
        select deal_id, stage_index, entered_at
        from inferred_entries
    )
    group by deal_id, stage_index
),

reached as (
    select
        facts.deal_id,
        facts.pipeline,
        stages.stage_index,
        stages.stage,
        least(
            history_entries.entered_at,
            case
                when stages.stage_index = 1 then facts.created_at
            end,
            case when stages.is_won and facts.status = 'won' then facts.closed_at end
        ) as known_entered_at
    from facts
    inner join stages on stages.stage_index <= facts.furthest_index
    left join history_entries
        on history_entries.deal_id = facts.deal_id
        and history_entries.stage_index = stages.stage_index
),

entries as (
    select
        deal_id,
        pipeline,
        stage_index,
        stage,
        known_entered_at,
        -- entered_at: the earliest known entry of this or a later stage. The stage
        -- before's is the earlier of its own known entry and this one (a deal's rows
        -- are its stages 1..furthest, one each), so one sort serves the three windows
        min(known_entered_at) over (
            by_deal rows between current row and unbounded following
        ) as entered_at,
        lag(known_entered_at) over by_deal as previous_known_entered_at,
        lag(stage_index) over by_deal as previous_stage_index
    from reached
    window by_deal as (partition by deal_id order by stage_index)
),

final as (
    select
        deal_id,
        pipeline,
        stage_index,
        stage,
        known_entered_at,
        entered_at,
        case when known_entered_at is not null then entered_at end as event_at,
        previous_known_entered_at,
        case
            when previous_stage_index is not null
                then least(previous_known_entered_at, entered_at)
        end as previous_entered_at
    from entries
)

select * from final;
