-- Valid staged deals (each row with its file's file_id: one file, or a batch of
-- files that share no deal) replace earlier rows with the same deal_id, except deals
-- a newer export already set (`incoming_current`, made by snapshot_compare.sql:
-- the current row is the newest as-of's, whatever the load order); within one
-- file the last line wins (the loader's `incoming` view keeps one row per key).
-- A file without a pipeline column ($has_pipeline false: a narrower export) does not
-- say a deal left its pipeline: the pipeline an earlier export gave it is kept.

create or replace temp table kept_pipelines as
select deal_id, pipeline
from deals
where not $has_pipeline
    and pipeline is not null
    and deal_id in (select deal_id from incoming_current);

delete from deals where deal_id in (select deal_id from incoming_current);

insert into deals
    (deal_id, rep, tier, source, account, created_at, stage, status, lost_reason, amount,
     closed_at, file_id, line, currency, amount_original, currency_original, pipeline)
select
    incoming.deal_id, rep, tier, source, account, created_at, stage, status, lost_reason,
    amount, closed_at, incoming.file_id, line, currency, amount_original, currency_original,
    coalesce(incoming.pipeline, kept_pipelines.pipeline)
from incoming_current as incoming
left join kept_pipelines on kept_pipelines.deal_id = incoming.deal_id;

drop table kept_pipelines;
