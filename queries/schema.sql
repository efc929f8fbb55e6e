-- Persistent tables of a salesfunnel database. Views and macros are not stored:
-- they are created per connection from queries/, so they always match the code.
create table if not exists salesfunnel_meta (
    key varchar primary key,
    value varchar
);

-- one row per file load (a skipped unchanged file is not a new load)
create table if not exists load_files (
    file_id bigint not null,
    path varchar not null,
    kind varchar not null,
    preset varchar,
    loaded_at timestamp not null,
    size_bytes bigint,
    sha256 varchar,
    mtime_ns bigint,
    rows_read bigint,
    rows_loaded bigint,
    rows_rejected bigint
);

-- one row per rejected value: the file, its line, the column and why; for a deals
-- file, the deal id the row gives (the deal is in that export: never removed by it)
create table if not exists load_rejects (
    file_id bigint not null,
    path varchar not null,
    line bigint,
    column_name varchar,
    value varchar,
    reason varchar not null,
    deal_id varchar
);

-- one row per deal (the row loaded last wins)
create table if not exists deals (
    deal_id varchar not null,
    rep varchar not null,
    tier varchar,
    source varchar,
    account varchar,
    created_at timestamp,
    stage varchar not null,
    status varchar not null,
    lost_reason varchar,
    amount double,
    closed_at timestamp,
    file_id bigint,
    line bigint,
    -- the amount's currency; with [currency] rates, amount is converted into the
    -- report currency and the value and currency as loaded are kept
    currency varchar,
    amount_original double,
    currency_original varchar,
    -- the CRM pipeline the deal belongs to (null: the export names none)
    pipeline varchar
);

-- one row per stage entry, unique on (deal_id, stage, entered_at)
create table if not exists stage_history (
    deal_id varchar not null,
    stage varchar not null,
    entered_at timestamp not null,
    file_id bigint,
    line bigint
);

-- one row per account
create table if not exists accounts (
    account varchar not null,
    tier varchar,
    file_id bigint,
    line bigint
);

-- one row per rep
create table if not exists reps (
    rep varchar not null,
    team varchar,
    manager varchar,
    file_id bigint,
    line bigint
);

-- one row per CRM user (owner id -> name); reports show a deal's rep by name
create table if not exists users (
    user_id varchar not null,
    name varchar not null,
    file_id bigint,
    line bigint
);

-- one row per customer subscription, keyed by customer_id (a file with only
-- deal_id uses it as the key); the row loaded last wins
create table if not exists subscriptions (
    customer_id varchar not null,
    deal_id varchar,
    rep varchar,
    tier varchar,
    started_at timestamp not null,
    ended_at timestamp,
    mrr double,
    file_id bigint,
    line bigint,
    -- the MRR's currency (its currency column, else the code or symbol its text is
    -- written with; the report currency when [currency] converts it): null for unknown
    currency varchar
);

-- one row per loaded deals file: its as-of time (when the CRM was exported),
-- where that time came from, and whether it lists every deal of the CRM
create table if not exists deal_exports (
    file_id bigint not null,
    path varchar not null,
    as_of timestamp not null,
    as_of_source varchar not null,
    full_export boolean not null
);

-- one row per deal and change of its exported state (a snapshot timeline kept
-- compact: a row only where something changed since the deal's previous
-- snapshot); seen_until is the newest as-of that still showed this state, and
-- a removed row marks a deal missing from a later full export
create table if not exists deal_snapshots (
    deal_id varchar not null,
    as_of timestamp not null,
    seen_until timestamp not null,
    removed boolean not null,
    stage varchar,
    status varchar,
    amount decimal(38, 6),
    closed_at timestamp,
    rep varchar,
    tier varchar,
    file_id bigint
);
