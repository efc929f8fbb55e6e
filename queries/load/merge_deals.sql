-- Valid staged deals replace earlier rows with the same deal_id, except deals
-- a newer export already set (`incoming_current`, made by snapshot_compare.sql:
-- the current row is the newest as-of's, whatever the load order); within one
-- file the last line wins (the loader's `incoming` view keeps one row per key).
delete from deals where deal_id in (select deal_id from incoming_current);

insert into deals
    (deal_id, rep, tier, source, account, created_at, stage, status, lost_reason, amount,
     closed_at, file_id, line, currency, amount_original, currency_original, pipeline)
select
    deal_id, rep, tier, source, account, created_at, stage, status, lost_reason, amount,
    closed_at, $file_id, line, currency, amount_original, currency_original, pipeline
from incoming_current;
