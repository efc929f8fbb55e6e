-- One row: how many won deals have no date for their win (no closed_at and no dated
-- entry of the won stage) and how many lost deals have no closed_at. Such deals are
-- won or lost, but in no month: no report can count them in a period's wins or losses.
create or replace temp view undated_closes as
with
won_stage as (
    select max(stage_index) as won_index from funnel_stages
),

won_dates as (
    select dates.deal_id
    from deal_stage_dates as dates
    cross join won_stage
    where dates.stage_index = won_stage.won_index
        and dates.known_entered_at is not null
),

final as (
    select
        count(*) filter (
            where facts.status = 'won' and won_dates.deal_id is null
        ) as won_undated,
        count(*) filter (
            where facts.status = 'lost' and facts.closed_at is null
        ) as lost_undated
    from deal_facts as facts
    left join won_dates on won_dates.deal_id = facts.deal_id
)

select * from final;
