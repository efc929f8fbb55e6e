-- A scalar macro: whether reports count deals removed by a full export (false;
-- `--include-removed` redefines it as true on its connection, and the facts
-- are then computed live instead of read from their cache).
create or replace temp macro include_removed() as false;
