-- One row per change of a deal's exported state inside a window (p_since,
-- p_until], both ends of day: the deal's state at p_since (its newest snapshot
-- on or before it; null when unknown) followed by each of its snapshots in the
-- window, every consecutive pair with what it did to the open pipeline. Amounts
-- are null where the export has none (unknown, never 0). Only the deals of the
-- pipeline scope (in_pipeline).
create or replace temp macro movement_events(p_since, p_until) as table
with
stages as (
    select stage_index, stage_key from funnel_stages
),

states as (
    select
        snapshots.deal_id,
        snapshots.as_of,
        snapshots.removed,
        snapshots.status,
        snapshots.amount,
        snapshots.closed_at,
        stages.stage_index,
        not snapshots.removed and snapshots.status = 'open' as is_open
    from main.deal_snapshots as snapshots
    left join stages on stages.stage_key = lower(snapshots.stage)
    semi join (select deal_id from main.deals where in_pipeline(pipeline)) as scoped
        on scoped.deal_id = snapshots.deal_id
    where snapshots.as_of <= p_until
),

at_start as (
    select *
    from states
    where as_of <= p_since
    qualify row_number() over (partition by deal_id order by as_of desc) = 1
),

sequence as (
    select * from at_start
    union all
    select * from states where as_of > p_since
),

pairs as (
    select
        deal_id,
        as_of,
        lag(as_of) over by_deal is not null as has_previous,
        coalesce(lag(is_open) over by_deal, false) as was_open,
        is_open,
        lag(removed) over by_deal as was_removed,
        lag(status) over by_deal as previous_status,
        removed,
        status,
        lag(amount) over by_deal as previous_amount,
        amount,
        lag(closed_at) over by_deal as previous_closed_at,
        closed_at,
        lag(stage_index) over by_deal as previous_stage_index,
        stage_index,
        lag(removed) over by_deal as previous_removed
    from sequence
    window by_deal as (partition by deal_id order by as_of)
),

final as (
    select
        deal_id,
        as_of,
        has_previous,
        was_open,
        is_open,
        previous_amount,
        amount,
        case
            when not was_open and is_open and has_previous and not was_removed
                and previous_status in ('won', 'lost') then 'reopened'
            when not was_open and is_open then 'created'
            when was_open and removed then 'removed'
            when was_open and status = 'won' then 'won'
            when was_open and status = 'lost' then 'lost'
        end as flow,
        case
            -- the change of the known amount: one that becomes known (or is cleared)
            -- while open adds (takes) it, so that the known amounts add up
            when was_open and is_open then coalesce(amount, 0) - coalesce(previous_amount, 0)
        end as amount_change,
        was_open and is_open and closed_at > previous_closed_at as pushed,
        was_open and is_open and closed_at < previous_closed_at as pulled_in,
        has_previous and not removed and not previous_removed
            and stage_index > previous_stage_index as advanced,
        has_previous and not removed and not previous_removed
            and stage_index < previous_stage_index as regressed
    from pairs
    where as_of > p_since
)

select * from final;
