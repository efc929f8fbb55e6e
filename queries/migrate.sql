-- Run by a migration after schema.sql (which adds whole tables): the columns
-- that tables of an older schema version lack.
alter table deals add column if not exists currency varchar;
alter table deals add column if not exists amount_original double;
alter table deals add column if not exists currency_original varchar;
alter table deals add column if not exists pipeline varchar;
alter table load_rejects add column if not exists deal_id varchar;
alter table subscriptions add column if not exists currency varchar;
