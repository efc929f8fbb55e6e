-- One row per inferred stage entry: two consecutive snapshots of a deal show
-- different funnel stages, so the later stage was entered between the previous
-- snapshot's last sighting (previous_as_of) and the later snapshot's as-of
-- (entered_at). Not inferred when recorded history holds an entry of that
-- stage; the stage of a deal's first snapshot has none (entered before it).
-- Only a move forward past every stage an earlier snapshot showed is an entry:
-- a deal that comes back to a stage (a regression, or won and reopened) entered
-- it before, so the return is no fresh entry; a snapshot with a label that is
-- no funnel stage (a lost label) counts as the first stage, which every deal
-- seen before has reached, so the first stage is never inferred.
create or replace temp view inferred_entries as
with
stages as (
    select stage_index, stage, stage_key from funnel_stages
),

snapshots as (
    select
        snapshots.deal_id,
        snapshots.as_of,
        snapshots.seen_until,
        lower(snapshots.stage) as stage_key,
        coalesce(stages.stage_index, 1) as shown_index
    from main.deal_snapshots as snapshots
    left join stages on stages.stage_key = lower(snapshots.stage)
    where not snapshots.removed
),

-- only a deal shown by two snapshots or more can have moved between them
moving_deals as (
    select deal_id from snapshots group by deal_id having count(*) > 1
),

consecutive as (
    select
        deal_id,
        as_of,
        stage_key,
        lag(stage_key) over by_deal as previous_stage_key,
        lag(seen_until) over by_deal as previous_as_of,
        max(shown_index) over (
            by_deal rows between unbounded preceding and 1 preceding
        ) as earlier_furthest_index
    from snapshots
    semi join moving_deals using (deal_id)
    window by_deal as (partition by deal_id order by as_of)
),

changes as (
    select
        consecutive.deal_id,
        stages.stage_index,
        stages.stage,
        consecutive.stage_key,
        consecutive.as_of as entered_at,
        consecutive.previous_as_of
    from consecutive
    inner join stages on stages.stage_key = consecutive.stage_key
    where consecutive.previous_stage_key is not null
        and consecutive.previous_stage_key <> consecutive.stage_key
        and stages.stage_index > consecutive.earlier_furthest_index
),

-- an entry recorded in the history is no inference
unrecorded as (
    select changes.*
    from changes
    anti join main.stage_history as history
        on history.deal_id = changes.deal_id
        and lower(history.stage) = changes.stage_key
),

final as (
    select
        deal_id,
        stage_index,
        stage,
        min(entered_at) as entered_at,
        arg_min(previous_as_of, entered_at) as previous_as_of
    from unrecorded
    group by deal_id, stage_index, stage
)

select * from final;
