-- One row per funnel stage holding open deals (of tier p_tier, null: all) that
-- have no entry date of their current stage (the stage the CRM shows now, the
-- furthest when the label is not a funnel stage), with how many: their days in
-- the stage are unknown, so stalled_deals cannot judge them.
create or replace temp macro stalled_undated(p_tier) as table
with
open_deals as (
    select deal_id, tier, coalesce(current_index, furthest_index) as stage_index
    from deal_facts
    where status = 'open'
        and tier_matches(tier, p_tier)
),

undated as (
    select open_deals.stage_index
    from open_deals
    left join deal_stage_dates as dates
        on dates.deal_id = open_deals.deal_id
        and dates.stage_index = open_deals.stage_index
    where dates.entered_at is null
),

final as (
    select stages.stage_index, stages.stage, count(*) as open_deals
    from undated
    inner join funnel_stages as stages on stages.stage_index = undated.stage_index
    group by stages.stage_index, stages.stage
)

select stage, open_deals from final
order by stage_index;
