-- One row per loaded deal: its normalised attributes, the rep by name when it is
-- a loaded user id (rep_names: two users of one name stay apart), the tier resolved through
-- its account, the lost-reason key, and the furthest funnel stage it reached
-- (over its current row, its history and every snapshot of it), and the
-- funnel stage the CRM shows now (current_index; null for a lost label). Deals removed
-- by a full export are left out unless include_removed(); only the deals of the
-- pipeline scope are held (in_pipeline), counted through its funnel.
-- Status decides the won stage: only a won deal reaches it; the current stage,
-- history and snapshots of any other deal count at most up to the stage before it.
-- stage_unknown: a lost deal with no recorded stage (its only label is a lost
-- label, and no history or snapshot shows a stage), whose lost-at stage is unknown.
create or replace temp view deal_facts as
with
loaded_deals as (
    select deals.*, removed_deals.removed_at
    from main.deals as deals
    left join removed_deals using (deal_id)
    where (removed_deals.deal_id is null or include_removed()) and in_pipeline(deals.pipeline)
),

stages as (
    select stage_index, stage_key, is_won from funnel_stages
),

won_stage as (
    select max(stage_index) as won_index from stages
),

-- the furthest funnel stage the history or a snapshot shows (null: none shows one)
shown_furthest as (
    select deal_id, max(stage_index) as furthest_index
    from (
        select history.deal_id, stages.stage_index
        from main.stage_history as history
        inner join stages on stages.stage_key = lower(history.stage)
        union all
        select snapshots.deal_id, stages.stage_index
        from main.deal_snapshots as snapshots
        inner join stages on stages.stage_key = lower(snapshots.stage)
        where not snapshots.removed
    )
    group by deal_id
),

account_tiers as (
    select account, tier from main.accounts
),

user_names as (
    select user_id, name from rep_names
),

final as (
    select
        loaded_deals.deal_id,
        coalesce(user_names.name, loaded_deals.rep) as rep,
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
        loaded_deals.currency,
        loaded_deals.closed_at,
        case
            when loaded_deals.status = 'won' then won_stage.won_index
            else least(
                greatest(
                    coalesce(current_stage.stage_index, 1),
                    coalesce(shown_furthest.furthest_index, 1)
                ),
                won_stage.won_index - 1
            )
        end as furthest_index,
        loaded_deals.status = 'lost'
            and current_stage.stage_index is null
            and shown_furthest.furthest_index is null as stage_unknown,
        current_stage.stage_index as current_index,
        loaded_deals.removed_at,
        loaded_deals.pipeline
    from loaded_deals
    cross join won_stage
    left join stages as current_stage
        on current_stage.stage_key = lower(loaded_deals.stage)
    left join shown_furthest
        on shown_furthest.deal_id = loaded_deals.deal_id
    left join account_tiers
        on account_tiers.account = loaded_deals.account
    left join user_names
        on user_names.user_id = loaded_deals.rep
)

select * from final;
