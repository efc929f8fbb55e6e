-- One row per record of a deals file: parsed values and the list of problems.
-- A blank owner cell is rep $no_owner, as a file without an owner column.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(deal_id), '') as deal_id,
        coalesce(nullif(trim_spaces(rep), ''), $no_owner) as rep,
        nullif(lower(trim_spaces(tier)), '') as tier,
        nullif(lower(trim_spaces(source)), '') as source,
        nullif(trim_spaces(account), '') as account,
        nullif(trim_spaces(created_at), '') as created_at_text,
        nullif(trim_spaces(stage), '') as stage_text,
        nullif(lower(trim_spaces(status)), '') as status_cell,
        nullif(trim_spaces(lost_reason), '') as lost_reason,
        nullif(trim_spaces(amount), '') as amount_text,
        nullif(trim_spaces(closed_at), '') as closed_at_text,
        -- the currency column, else the code or symbol the amount itself is written with
        coalesce(currency_cell(nullif(trim_spaces(currency), '')), amount_currency(nullif(trim_spaces(amount), '')))
            as currency_original,
        nullif(trim_spaces(pipeline), '') as pipeline
    from source_rows
),

-- the config's report currency (one row; null: amounts are kept as loaded), joined
-- once rather than read by a scalar subquery at every use (each is planned apart)
settings as (
    select report as report_currency from currency_settings
),

-- a deal's labels are those of its pipeline's own funnel, else the shared funnel's
own_funnels as (
    select distinct pipeline_key from stage_labels where pipeline_key is not null
),

with_funnel as (
    select
        trimmed.*,
        -- a status word (Abandoned, In Progress, Gewonnen) as open, won or lost
        coalesce(status_words.status, trimmed.status_cell) as status_text,
        settings.report_currency,
        own_funnels.pipeline_key as funnel_key
    from trimmed
    cross join settings
    left join own_funnels on own_funnels.pipeline_key = lower(trimmed.pipeline)
    left join status_words on status_words.word = trimmed.status_cell
),

expected_labels as (
    select pipeline_key, string_agg(label_key, ', ' order by label_key) as expected
    from stage_labels
    group by pipeline_key
),

parsed as (
    select
        with_funnel.*,
        parse_timestamp(created_at_text) as created_at,
        parse_timestamp(closed_at_text) as closed_at,
        parse_amount(amount_text) as amount_original,
        coalesce(currency_original, report_currency) as currency,
        labels.stage,
        labels.stage_index,
        labels.is_lost,
        labels.is_won as is_won_stage,
        expected_labels.expected as expected_labels
    from with_funnel
    left join stage_labels as labels
        on labels.label_key = lower(with_funnel.stage_text)
        and labels.pipeline_key is not distinct from with_funnel.funnel_key
    left join expected_labels
        on expected_labels.pipeline_key is not distinct from with_funnel.funnel_key
),

with_status as (
    select
        parsed.*,
        in_report_currency(amount_original, parsed.currency, report_currency, rates.rate)
            as amount,
        case
            when status_text is not null then status_text
            when is_won_stage then 'won'
            when is_lost then 'lost'
            else 'open'
        end as status
    from parsed
    left join currency_rates as rates on rates.currency = parsed.currency
),

checked as (
    select
        *,
        list_filter([
            problem(deal_id is null, 'deal_id', null, 'deal_id is empty'),
            problem(stage_text is null, 'stage', null, 'stage is empty'),
            problem(
                stage_text is not null and stage is null, 'stage', stage_text,
                'unknown stage label (expected one of: ' || expected_labels
                || case when funnel_key is not null then ' in pipeline ' || pipeline else '' end
                || ')'
            ),
            problem(
                status_text is not null and status_text not in ('open', 'won', 'lost'),
                'status', status_text, 'unknown status (expected open, won or lost)'
            ),
            problem(
                status_text in ('open', 'lost') and is_won_stage, 'status', status_text,
                'status contradicts the won stage'
            ),
            problem(
                status_text in ('open', 'won') and is_lost, 'status', status_text,
                'status contradicts a lost stage label'
            ),
            date_problem(created_at_text, created_at, 'created_at'),
            date_problem(closed_at_text, closed_at, 'closed_at'),
            amount_problem(amount_text, amount_original, 'amount'),
            currency_problem(currency_original)
            -- a currency without a rate is no problem of the row: the deal loads with
            -- an unknown amount (facts/unconverted_amounts), its value as exported kept
        ], lambda p: p is not null) as problems
    from with_status
),

final as (
    select
        ordinal,
        line,
        deal_id,
        rep,
        tier,
        source,
        account,
        created_at,
        stage,
        status,
        lost_reason,
        amount,
        closed_at,
        -- converted amounts are in the report currency
        coalesce(report_currency, currency) as currency,
        case when report_currency is not null then amount_original end
            as amount_original,
        case when report_currency is not null then currency_original end
            as currency_original,
        pipeline,
        problems
    from checked
)

select * from final;
