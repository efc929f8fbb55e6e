-- One row per file path ever loaded: its latest load (kind, when, the as-of of
-- a deals file, rows read, loaded and rejected).
create or replace temp view loaded_files as
with
latest as (
    select *
    from main.load_files
    qualify row_number() over (partition by path order by file_id desc) = 1
),

final as (
    select
        latest.path, latest.kind, latest.loaded_at, exports.as_of, latest.rows_read,
        latest.rows_loaded, latest.rows_rejected, latest.file_id
    from latest
    left join main.deal_exports as exports using (file_id)
)

select * from final
order by file_id;
