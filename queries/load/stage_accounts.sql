-- One row per record of an accounts file: parsed values and the list of problems.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(account), '') as account,
        nullif(lower(trim_spaces(tier)), '') as tier
    from source_rows
),

final as (
    select
        *,
        list_filter([
            problem(account is null, 'account', null, 'account is empty')
        ], lambda p: p is not null) as problems
    from trimmed
)

select * from final;
