-- One row per record of a users file: parsed values and the list of problems.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(user_id), '') as user_id,
        nullif(trim_spaces(name), '') as name
    from source_rows
),

final as (
    select
        *,
        list_filter([
            problem(user_id is null, 'user_id', null, 'user_id is empty'),
            problem(name is null, 'name', null, 'name is empty')
        ], lambda p: p is not null) as problems
    from trimmed
)

select * from final;
