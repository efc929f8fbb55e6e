-- Valid staged users replace earlier rows of the same user id; the last line wins.
delete from users where user_id in (select user_id from incoming);

insert into users (user_id, name, file_id, line)
select user_id, name, $file_id, line from incoming;
