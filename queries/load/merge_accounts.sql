-- Valid staged accounts replace earlier rows of the same account; the last line wins.
delete from accounts where account in (select account from incoming);

insert into accounts (account, tier, file_id, line)
select account, tier, $file_id, line from incoming;
