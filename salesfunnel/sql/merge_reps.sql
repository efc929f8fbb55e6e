-- Valid staged reps replace earlier rows of the same rep; the last line wins.
create or replace temp table incoming as
select * exclude (problems, ordinal)
from staged
where len(problems) = 0
qualify row_number() over (partition by rep order by ordinal desc) = 1;

delete from reps where rep in (select rep from incoming);

insert into reps (rep, team, manager, file_id, line)
select rep, team, manager, $file_id, line from incoming;
