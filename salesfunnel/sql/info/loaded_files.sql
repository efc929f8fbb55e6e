-- One row per file path ever loaded: its latest load (kind, when, rows read,
-- loaded and rejected).
create or replace temp view loaded_files as
with
latest as (
    select *
    from main.load_files
    qualify row_number() over (partition by path order by file_id desc) = 1
),

final as (
    select path, kind, loaded_at, rows_read, rows_loaded, rows_rejected, file_id
    from latest
)

select * from final
order by file_id;
