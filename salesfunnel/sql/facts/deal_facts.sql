-- One row per loaded deal: its normalised attributes, the rep by name when it is
-- a loaded user id, the tier resolved through its account, the lost-reason key, and the furthest funnel stage it reached.
create or replace temp view deal_facts as
with
loaded_deals as (
    select * from main.deals
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

account_tiers as (
    select account, tier from main.accounts
),

user_names as (
    select user_id, name from main.users
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
        loaded_deals.closed_at,
        greatest(
            coalesce(current_stage.stage_index, 1),
            coalesce(history_furthest.furthest_index, 1),
            case when loaded_deals.status = 'won' then won_stage.won_index else 1 end
        ) as furthest_index
    from loaded_deals
    cross join won_stage
    left join stages as current_stage
        on current_stage.stage_key = lower(loaded_deals.stage)
    left join history_furthest
        on history_furthest.deal_id = loaded_deals.deal_id
    left join account_tiers
        on account_tiers.account = loaded_deals.account
    left join user_names
        on user_names.user_id = loaded_deals.rep
)

select * from final;
