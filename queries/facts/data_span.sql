-- One row: the first and last created_at of the loaded deals and the last
-- activity (a stage entry or a loss), which `latest` months resolve to; of the
-- deals in the pipeline scope.
create or replace temp view data_span as
with
created as (
    select min(created_at) as first_created, max(created_at) as last_created
    from main.deals
    where in_pipeline(pipeline)
),

activity as (
    select max(entered_at) as last_entry from deal_stage_dates
),

losses as (
    select max(closed_at) as last_loss from main.deals
    where status = 'lost' and in_pipeline(pipeline)
),

final as (
    select
        created.first_created,
        created.last_created,
        greatest(activity.last_entry, losses.last_loss) as last_activity
    from created, activity, losses
)

select * from final;
