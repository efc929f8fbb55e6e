-- One row per funnel stage that loaded deals reached but none of them has a
-- known entry of (no created_at for the first stage, no recorded or inferred
-- entry, no closed_at of a won deal for the won stage): the stage counts as
-- reached, but no report can date it; with how many deals reached the stage.
-- Over the deals of the scope (the load asks right after refreshing the
-- cached facts, which hold every pipeline's deals through its own funnel).
create or replace temp view undated_stages as
with
by_stage as (
    select
        stage_index,
        stage,
        count(*) as reached,
        count(known_entered_at) as dated
    from deal_stage_dates
    group by stage_index, stage
),

final as (
    select stage_index, stage, reached
    from by_stage
    where dated = 0 and reached > 0
)

select * from final
order by stage_index, stage;
