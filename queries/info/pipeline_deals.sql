-- One row per pipeline of the loaded deals (pipelines match case-insensitively):
-- its most used spelling (null for the deals without one) and its deals; by
-- name, the deals without a pipeline last.
create or replace temp view pipeline_deals as
with
final as (
    select mode(pipeline) as pipeline, count(*) as deals, lower(pipeline) as pipeline_key
    from main.deals
    group by lower(pipeline)
)

select pipeline, deals from final
order by pipeline_key nulls last;
