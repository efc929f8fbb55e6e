-- One row: how many won deals have no date for their win (no closed_at and no dated
-- entry of the won stage) and how many lost deals have no closed_at. Such deals are
-- won or lost, but in no month: no report can count them in a period's wins or losses.
-- Only the closed deals without closed_at are looked up in the stage dates (a won deal
-- with closed_at has its win dated by it): several reports ask on every run.
create or replace temp view undated_closes as
with
closed_undated as (
    select deal_id, status
    from deal_facts
    where status in ('won', 'lost') and closed_at is null
),

won_stage as (
    select max(stage_index) as won_index from funnel_stages
),

won_dates as (
    select dates.deal_id
    from deal_stage_dates as dates
    cross join won_stage
    semi join closed_undated on closed_undated.deal_id = dates.deal_id
    where dates.stage_index = won_stage.won_index
        and dates.known_entered_at is not null
),

final as (
    select
        count(*) filter (
            where closed_undated.status = 'won' and won_dates.deal_id is null
        ) as won_undated,
        count(*) filter (where closed_undated.status = 'lost') as lost_undated
    from closed_undated
    left join won_dates on won_dates.deal_id = closed_undated.deal_id
)

select * from final;
