-- One row per loaded deal: its normalised attributes, the tier resolved through
-- its account, the lost-reason key, and the furthest funnel stage it reached
-- (over its current row, its history and every snapshot of it), and the
-- funnel stage the CRM shows now (current_index; null for a lost label). Deals removed
-- by a full export are left out unless include_removed().
create or replace temp view deal_facts as
with
loaded_deals as (
    select deals.*, removed_deals.removed_at
    from main.deals as deals
    left join removed_deals using (deal_id)
    where removed_deals.deal_id is null or include_removed()
),

stages as (
    select stage_index, stage_key, is_won from funnel_stages
),

won_stage as (
    select max(stage_index) as won_index from stages
),

history_furthest as (
    select
        history.deal_id,
        max(stages.stage_index) as furthest_index
    from main.stage_history as history
    inner join stages on stages.stage_key = lower(history.stage)
    group by history.deal_id
),

snapshot_stages as (
    select
        snapshots.deal_id,
        max(stages.stage_index) as furthest_index,
        min(snapshots.as_of) as first_seen_at
    from main.deal_snapshots as snapshots
    left join stages on stages.stage_key = lower(snapshots.stage)
    where not snapshots.removed
    group by snapshots.deal_id
),

account_tiers as (
    select account, tier from main.accounts
),

final as (
    select
        loaded_deals.deal_id,
        loaded_deals.rep,
        coalesce(loaded_deals.tier, account_tiers.tier, 'unknown') as tier,
        coalesce(loaded_deals.source, 'unknown') as source,
        loaded_deals.account,
        loaded_deals.created_at,
        loaded_deals.status,
        case
            when loaded_deals.status = 'lost'
                then coalesce(lower(loaded_deals.lost_reason), '(unspecified)')
        end as reason_key,
        loaded_deals.amount,
        loaded_deals.closed_at,
        greatest(
            coalesce(current_stage.stage_index, 1),
            coalesce(history_furthest.furthest_index, 1),
            coalesce(snapshot_stages.furthest_index, 1),
            case when loaded_deals.status = 'won' then won_stage.won_index else 1 end
        ) as furthest_index,
        current_stage.stage_index as current_index,
        snapshot_stages.first_seen_at,
        loaded_deals.removed_at
    from loaded_deals
    cross join won_stage
    left join stages as current_stage
        on current_stage.stage_key = lower(loaded_deals.stage)
    left join history_furthest
        on history_furthest.deal_id = loaded_deals.deal_id
    left join snapshot_stages
        on snapshot_stages.deal_id = loaded_deals.deal_id
    left join account_tiers
        on account_tiers.account = loaded_deals.account
)

select * from final;
