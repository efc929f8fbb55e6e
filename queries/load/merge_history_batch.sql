-- merge_history.sql for a batch of history files (loader: batches.py): a valid
-- staged row (deal, stage, date) not in the database yet, with the file and line of
-- its first sighting in load order (the ordinal's high bits are the file's place in
-- the batch, batch_files.file_no), as loading the files one by one keeps it.
insert into stage_history (deal_id, stage, entered_at, file_id, line)
select incoming.deal_id, incoming.stage, incoming.entered_at, files.file_id, incoming.line
from (
    select deal_id, stage, entered_at, line, ordinal >> $file_shift as file_no
    from staged
    where len(problems) = 0
    qualify row_number() over (partition by deal_id, stage, entered_at order by ordinal) = 1
) as incoming
inner join batch_files as files using (file_no)
anti join stage_history as existing
    on existing.deal_id = incoming.deal_id
    and existing.stage = incoming.stage
    and existing.entered_at = incoming.entered_at;
