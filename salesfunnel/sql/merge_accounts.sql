-- Valid staged accounts replace earlier rows of the same account; the last line wins.
create or replace temp table incoming as
select * exclude (problems, ordinal)
from staged
where len(problems) = 0
qualify row_number() over (partition by account order by ordinal desc) = 1;

delete from accounts where account in (select account from incoming);

insert into accounts (account, tier, file_id, line)
select account, tier, $file_id, line from incoming;
