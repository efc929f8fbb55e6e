-- SALESFUNNEL_LOAD_CHECKED: no value takes the fast path of parse_timestamp (one
-- cast for the plain ISO shapes); every date goes through its checking branches.
-- The tests load both ways and compare the databases.
create or replace temp macro plain_iso_timestamp(x) as false;
