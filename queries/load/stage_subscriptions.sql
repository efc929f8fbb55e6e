-- One row per record of a subscriptions file: parsed values and the list of problems.
-- The key is customer_id, or deal_id when customer_id is blank.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(customer_id), '') as customer_id_text,
        nullif(trim_spaces(deal_id), '') as deal_id,
        nullif(trim_spaces(rep), '') as rep,
        nullif(lower(trim_spaces(tier)), '') as tier,
        nullif(trim_spaces(started_at), '') as started_at_text,
        nullif(trim_spaces(ended_at), '') as ended_at_text,
        nullif(trim_spaces(mrr), '') as mrr_text,
        -- the currency column, else the code or symbol the MRR itself is written with
        coalesce(currency_cell(nullif(trim_spaces(currency), '')), amount_currency(nullif(trim_spaces(mrr), '')))
            as currency_original
    from source_rows
),

-- the config's report currency (one row; null: MRR is kept as loaded)
settings as (
    select report as report_currency from currency_settings
),

parsed as (
    select
        trimmed.*,
        coalesce(customer_id_text, deal_id) as customer_id,
        parse_timestamp(started_at_text) as started_at,
        parse_timestamp(ended_at_text) as ended_at,
        parse_amount(mrr_text) as mrr_original,
        coalesce(currency_original, settings.report_currency) as mrr_currency,
        settings.report_currency
    from trimmed
    cross join settings
),

-- with [currency] rates, MRR in the report currency (as deals' amounts); without a
-- rate for its currency the MRR is unknown (null), its currency kept
converted as (
    select
        parsed.*,
        in_report_currency(mrr_original, mrr_currency, report_currency, rates.rate) as mrr,
        case when rates.rate is not null then report_currency else mrr_currency end as currency
    from parsed
    left join currency_rates as rates on rates.currency = parsed.mrr_currency
),

checked as (
    select
        *,
        list_filter([
            problem(customer_id is null, 'customer_id', null, 'customer_id and deal_id are both empty'),
            problem(started_at_text is null, 'started_at', null, 'started_at is empty'),
            date_problem(started_at_text, started_at, 'started_at'),
            date_problem(ended_at_text, ended_at, 'ended_at'),
            problem(
                ended_at < started_at, 'ended_at', ended_at_text, 'ended_at is before started_at'
            ),
            amount_problem(mrr_text, mrr_original, 'mrr'),
            currency_problem(currency_original)
        ], lambda p: p is not null) as problems
    from converted
),

final as (
    select
        ordinal,
        line,
        customer_id,
        deal_id,
        rep,
        tier,
        started_at,
        ended_at,
        mrr,
        currency,
        problems
    from checked
)

select * from final;
