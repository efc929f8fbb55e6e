-- One row per record of a reps file: parsed values and the list of problems.
create or replace temp table staged as
with
trimmed as (
    select
        ordinal,
        line,
        nullif(trim_spaces(rep), '') as rep,
        nullif(trim_spaces(team), '') as team,
        nullif(trim_spaces(manager), '') as manager
    from source_rows
),

final as (
    select
        *,
        list_filter([
            problem(rep is null, 'rep', null, 'rep is empty')
        ], lambda p: p is not null) as problems
    from trimmed
)

select * from final;
