-- Valid staged reps replace earlier rows of the same rep; the last line wins.
delete from reps where rep in (select rep from incoming);

insert into reps (rep, team, manager, file_id, line)
select rep, team, manager, $file_id, line from incoming;
