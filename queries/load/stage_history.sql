-- One row per record of a stage-history file: parsed values and the list of problems.
-- A label of any pipeline's funnel is accepted (a history row does not say its
-- pipeline; the facts read it through the deal's pipeline).
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(deal_id), '') as deal_id,
        nullif(trim_spaces(stage), '') as stage_text,
        nullif(trim_spaces(entered_at), '') as entered_at_text,
        coalesce(source_column, 'entered_at') as entered_at_column
    from source_rows
),

parsed as (
    select
        trimmed.*,
        labels.stage,
        parse_timestamp(entered_at_text) as entered_at
    from trimmed
    left join (
        select label_key, min(stage) as stage from stage_labels group by label_key
    ) as labels
        on labels.label_key = lower(trimmed.stage_text)
),

checked as (
    select
        *,
        list_filter([
            problem(deal_id is null, 'deal_id', null, 'deal_id is empty'),
            problem(stage_text is null, 'stage', null, 'stage is empty'),
            problem(
                stage_text is not null and stage is null, 'stage', stage_text,
                'unknown stage label (expected one of: '
                || (select string_agg(distinct label_key, ', ' order by label_key) from stage_labels) || ')'
            ),
            problem(entered_at_text is null, entered_at_column, null, 'entered_at is empty'),
            date_problem(entered_at_text, entered_at, entered_at_column)
        ], lambda p: p is not null) as problems
    from parsed
),

final as (
    select ordinal, line, deal_id, stage, entered_at, problems
    from checked
)

select * from final;
