-- One row per record of a subscriptions file: parsed values and the list of problems.
-- The key is customer_id, or deal_id when customer_id is blank.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim(customer_id), '') as customer_id_text,
        nullif(trim(deal_id), '') as deal_id,
        nullif(trim(rep), '') as rep,
        nullif(lower(trim(tier)), '') as tier,
        nullif(trim(started_at), '') as started_at_text,
        nullif(trim(ended_at), '') as ended_at_text,
        nullif(trim(mrr), '') as mrr_text
    from source_rows
),

parsed as (
    select
        trimmed.*,
        coalesce(customer_id_text, deal_id) as customer_id,
        parse_timestamp(started_at_text) as started_at,
        parse_timestamp(ended_at_text) as ended_at,
        parse_amount(mrr_text) as mrr
    from trimmed
),

checked as (
    select
        *,
        list_filter([
            problem(customer_id is null, 'customer_id', null, 'customer_id and deal_id are both empty'),
            problem(started_at_text is null, 'started_at', null, 'started_at is empty'),
            problem(
                started_at_text is not null and started_at is null, 'started_at', started_at_text,
                'unparseable date'
            ),
            problem(
                not plausible_timestamp(started_at), 'started_at', started_at_text,
                'date outside 1900-2199'
            ),
            problem(
                ended_at_text is not null and ended_at is null, 'ended_at', ended_at_text,
                'unparseable date'
            ),
            problem(
                not plausible_timestamp(ended_at), 'ended_at', ended_at_text,
                'date outside 1900-2199'
            ),
            problem(
                ended_at < started_at, 'ended_at', ended_at_text, 'ended_at is before started_at'
            ),
            problem(mrr_text is not null and mrr is null, 'mrr', mrr_text, 'unparseable amount'),
            problem(
                mrr is not null and (not isfinite(mrr) or abs(mrr) >= 1e15), 'mrr', mrr_text,
                'amount out of range'
            ),
            problem(mrr < 0, 'mrr', mrr_text, 'negative amount')
        ], lambda p: p is not null) as problems
    from parsed
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
        problems
    from checked
)

select * from final;
