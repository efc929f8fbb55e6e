-- One row per group (p_by null: one row; or rep, tier) for the period
-- [p_start, p_end): the amount won in it (won-stage entry in the period), the
-- open pipeline (open deals whose close date falls in the period) and its
-- weighted value, and the trailing win rate of the lookback [p_lookback_since,
-- p_start). A deal's weight is the win rate won / (won + lost) of the deals
-- of the group closed in the lookback whose furthest stage is at least the
-- deal's current stage (its furthest stage when the current one is not in the
-- funnel); the rate of all deals when the group has none, else 0. Sums are
-- over the deals with an amount (null when deals are counted and none has
-- one), with the count of the deals without an amount beside them.
create or replace temp macro pacing(p_start, p_end, p_lookback_since, p_by) as table
with
won_stage as (
    select max(stage_index) as won_index from funnel_stages
),

deals as (
    select
        facts.deal_id,
        facts.amount,
        facts.status,
        facts.furthest_index,
        facts.closed_at,
        coalesce(current_stage.stage_index, facts.furthest_index) as current_index,
        case p_by
            when 'tier' then facts.tier
            when 'rep' then facts.rep
        end as group_value
    from deal_facts as facts
    inner join main.deals as loaded on loaded.deal_id = facts.deal_id
    left join funnel_stages as current_stage
        on current_stage.stage_key = lower(loaded.stage)
),

closed as (
    select
        deals.*,
        case
            when deals.status = 'won' then won_entry.entered_at
            when deals.status = 'lost' then deals.closed_at
        end as decided_at
    from deals
    cross join won_stage
    left join deal_stage_dates as won_entry
        on won_entry.deal_id = deals.deal_id
        and won_entry.stage_index = won_stage.won_index
),

lookback as (
    select group_value, status, furthest_index
    from closed
    where status in ('won', 'lost')
        and decided_at >= p_lookback_since
        and decided_at < p_start
),

stage_rates as (
    select
        lookback.group_value,
        stages.stage_index,
        count(*) filter (where lookback.status = 'won')
            / nullif(count(*), 0) as win_rate
    from funnel_stages as stages
    inner join lookback on lookback.furthest_index >= stages.stage_index
    group by lookback.group_value, stages.stage_index
),

company_rates as (
    select
        stages.stage_index,
        count(*) filter (where lookback.status = 'won') / nullif(count(*), 0) as win_rate
    from funnel_stages as stages
    inner join lookback on lookback.furthest_index >= stages.stage_index
    group by stages.stage_index
),

open_deals as (
    select
        deals.group_value,
        deals.amount,
        coalesce(stage_rates.win_rate, company_rates.win_rate, 0) as win_rate
    from deals
    left join stage_rates
        on stage_rates.group_value is not distinct from deals.group_value
        and stage_rates.stage_index = deals.current_index
    left join company_rates on company_rates.stage_index = deals.current_index
    where deals.status = 'open'
        and deals.closed_at >= p_start
        and deals.closed_at < p_end
),

won_in_period as (
    select
        group_value,
        sum(amount) as won_amount,
        count(*) as won,
        count(*) filter (where amount is null) as won_without_amount
    from closed
    where status = 'won'
        and decided_at >= p_start
        and decided_at < p_end
    group by group_value
),

pipeline as (
    select
        group_value,
        count(*) as open_deals,
        sum(amount) as open_pipeline,
        sum(amount * coalesce(win_rate, 0)) as weighted_pipeline,
        count(*) filter (where amount is null) as open_without_amount
    from open_deals
    group by group_value
),

trailing_rates as (
    select
        group_value,
        count(*) filter (where status = 'won') / nullif(count(*), 0) as trailing_win_rate
    from lookback
    group by group_value
),

groups as (
    select group_value from won_in_period
    union
    select group_value from pipeline
    union
    select group_value from trailing_rates
    union
    select null where p_by is null
),

final as (
    select
        groups.group_value,
        coalesce(won_in_period.won, 0) as won,
        -- deals without any known amount: the sum is unknown, not 0; no deals: 0
        case when won_in_period.won is null then 0 else won_in_period.won_amount end
            as won_amount,
        coalesce(pipeline.open_deals, 0) as open_deals,
        case when pipeline.open_deals is null then 0 else pipeline.open_pipeline end
            as open_pipeline,
        case when pipeline.open_deals is null then 0 else pipeline.weighted_pipeline end
            as weighted_pipeline,
        trailing_rates.trailing_win_rate,
        coalesce(won_in_period.won_without_amount, 0) as won_without_amount,
        coalesce(pipeline.open_without_amount, 0) as open_without_amount
    from groups
    left join won_in_period
        on won_in_period.group_value is not distinct from groups.group_value
    left join pipeline on pipeline.group_value is not distinct from groups.group_value
    left join trailing_rates
        on trailing_rates.group_value is not distinct from groups.group_value
)

select * from final
order by group_value nulls last;
