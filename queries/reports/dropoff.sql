-- One row per (tier, lost-at stage, reason): lost deals of the cohort, their
-- share of the tier's lost deals, and the sum of their known amounts (null
-- when none of them has an amount: unknown, not 0). The lost-at stage is the deal's furthest stage; it is null (and
-- listed after the known stages) for a lost deal with no recorded stage.
create or replace temp macro dropoff(p_tier, p_rep, p_source, p_since, p_until) as table
with
lost_deals as (
    select
        tier,
        case when not stage_unknown then furthest_index end as furthest_index,
        reason_key,
        amount
    from cohort(p_tier, p_rep, p_source, p_since, p_until)
    where status = 'lost'
),

grouped as (
    select
        tier,
        furthest_index,
        reason_key,
        count(*) as lost,
        sum(amount) as amount
    from lost_deals
    group by tier, furthest_index, reason_key
),

final as (
    select
        grouped.tier,
        stages.stage_index,
        stages.stage,
        labels.reason,
        grouped.lost,
        grouped.lost / nullif(sum(grouped.lost) over (partition by grouped.tier), 0) as share,
        grouped.amount
    from grouped
    left join funnel_stages as stages
        on stages.stage_index = grouped.furthest_index
    inner join lost_reason_labels as labels
        on labels.reason_key = grouped.reason_key
)

select tier, stage, reason, lost, share, amount
from final
order by tier, lost desc, stage_index nulls last, reason;
