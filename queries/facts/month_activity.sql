-- One row: what happened in [p_start, p_end) among the deals of the pipeline
-- scope: stage entries (entry dates), losses (closed_at of lost deals) and deals
-- created. A month where all three are 0 has no data to report (the pack refuses
-- it rather than compare zeros with the month before).
create or replace temp macro month_activity(p_start, p_end) as table
with
entries as (
    select count(*) as entries
    from deal_stage_dates
    where entered_at >= p_start and entered_at < p_end
),

losses as (
    select count(*) as losses
    from main.deals
    where status = 'lost' and closed_at >= p_start and closed_at < p_end
        and in_pipeline(pipeline)
),

created as (
    select count(*) as created
    from main.deals
    where created_at >= p_start and created_at < p_end and in_pipeline(pipeline)
),

final as (
    select entries.entries, losses.losses, created.created
    from entries, losses, created
)

select * from final;
