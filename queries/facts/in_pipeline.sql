-- A scalar macro, true when a deal's pipeline is in the scope the facts hold
-- (the temp table pipeline_scope, set by the database module): every deal
-- (`all`), one pipeline (`one`; a null key means the deals without one), or the
-- pipelines without a funnel of their own (`shared`). Pipelines match
-- case-insensitively.
create or replace temp macro in_pipeline(p_pipeline) as
    case (select mode from pipeline_scope)
        when 'one' then lower(p_pipeline) is not distinct from (select pipeline_key from pipeline_scope)
        when 'shared' then p_pipeline is null or lower(p_pipeline) not in (
            select pipeline_key from stage_labels where pipeline_key is not null
        )
        else true
    end;
