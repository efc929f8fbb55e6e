-- One row per recorded reject of the files' latest loads, newest load first,
-- then by line: file, line, column, value and reason.
create or replace temp view recent_rejects as
with
final as (
    select path, line, column_name, value, reason, file_id
    from main.load_rejects
)

select * from final
order by file_id desc, line, column_name;
