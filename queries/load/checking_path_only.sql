-- SALESFUNNEL_LOAD_CHECKED: no value takes the fast path of parse_timestamp (one
-- cast for the plain ISO shapes) nor of parse_amount; every date and amount goes
-- through its checking branches. The tests load both ways and compare the databases.
create or replace temp macro plain_iso_timestamp(x) as false;

create or replace temp macro plain_amount(x) as false;
