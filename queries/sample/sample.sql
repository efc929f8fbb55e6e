-- A deterministic synthetic CRM export. Randomness is a hash of (seed, row,
-- purpose), so the same seed gives the same files on any machine and thread
-- count. Tables: sample_reps, sample_accounts, sample_deals (the export as of
-- the last day), sample_deals_first (the export a month earlier), sample_history,
-- sample_subscriptions.
create or replace temp macro rnd(seed, i, purpose) as
    (hash(seed, i, purpose) % 1000003) / 1000003.0;
-- an id: the prefix and at least six digits (D000042; D1000000, never cut to D100000)
create or replace temp macro sample_key(prefix, i) as
    printf('%s%06d', prefix, i);

create or replace temp table sample_settings as
select
    $seed::bigint as seed,
    $deals::bigint as deals,
    greatest(40, $deals::bigint // 6) as accounts,
    timestamp '2025-09-01' as first_day,
    timestamp '2026-10-31 23:00' as as_of,
    -- the earlier of the two deals exports (both are named by their as-of)
    timestamp '2026-09-30 23:00' as first_as_of;

-- one row per rep: team, manager, skill (a multiplier of stage pass rates), and
-- the day the rep started taking deals
create or replace temp table sample_reps as
select * from (values
    ('Ava Thompson', 'North', 'Dana Whitfield', 1.25, date '2025-09-01'),
    ('Ben Carter', 'North', 'Dana Whitfield', 0.80, date '2025-09-01'),
    ('Chloe Nguyen', 'North', 'Dana Whitfield', 1.10, date '2025-09-01'),
    ('Diego Ramos', 'North', 'Dana Whitfield', 0.95, date '2025-09-01'),
    ('Emma Fischer', 'North', 'Dana Whitfield', 1.00, date '2025-09-01'),
    ('Farid Haddad', 'North', 'Dana Whitfield', 0.90, date '2025-09-01'),
    ('Grace Kim', 'South', 'Marcus Lee', 1.15, date '2025-09-01'),
    ('Hugo Martin', 'South', 'Marcus Lee', 0.75, date '2025-09-01'),
    ('Isla Brown', 'South', 'Marcus Lee', 1.05, date '2025-09-01'),
    ('Jonas Weber', 'South', 'Marcus Lee', 0.85, date '2025-09-01'),
    ('Kira Patel', 'South', 'Marcus Lee', 1.20, date '2025-09-01'),
    ('Liam O''Connor', 'South', 'Marcus Lee', 1.00, date '2025-09-01'),
    ('Mia Rossi', 'South', 'Marcus Lee', 1.10, date '2026-09-20')
) as reps(rep, team, manager, skill, started);

create or replace temp table sample_accounts as
with
numbered as (
    select range + 1 as i, seed from sample_settings, range((select accounts from sample_settings))
),
final as (
    select
        i,
        ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne',
         'Wonka', 'Tyrell', 'Cyberdyne', 'Soylent', 'Aperture', 'Gringotts', 'Oscorp',
         'Massive Dynamic'][1 + (hash(seed, i, 'name1') % 16)::int]
            || ' ' || ['Labs', 'Systems', 'Group', 'Analytics', 'Health', 'Logistics', 'Foods',
                       'Software', 'Capital', 'Energy'][1 + (hash(seed, i, 'name2') % 10)::int]
            || ' ' || i::varchar as account,
        case
            when rnd(seed, i, 'tier') < 0.55 then 'smb'
            when rnd(seed, i, 'tier') < 0.85 then 'mid'
            else 'enterprise'
        end as tier,
        case
            when rnd(seed, i, 'tier') < 0.55 then 10 + floor(rnd(seed, i, 'emp') * 190)::int
            when rnd(seed, i, 'tier') < 0.85 then 200 + floor(rnd(seed, i, 'emp') * 1800)::int
            else 2000 + floor(rnd(seed, i, 'emp') * 48000)::int
        end as employees
    from numbered
)
select * from final;

create or replace temp table sample_deal_plan as
with
numbered as (
    select range + 1 as i, s.*
    from sample_settings as s, range((select deals from sample_settings))
),
placed as (
    select
        n.i, n.seed, n.as_of,
        sample_key('D', n.i) as deal_id,
        1 + (hash(n.seed, n.i, 'account') % n.accounts)::bigint as account_i,
        n.first_day + to_seconds(floor(rnd(n.seed, n.i, 'created')
            * extract(epoch from (n.as_of - n.first_day)))::bigint) as created_at,
        case
            when rnd(n.seed, n.i, 'source') < 0.45 then 'inbound'
            when rnd(n.seed, n.i, 'source') < 0.75 then 'outbound'
            when rnd(n.seed, n.i, 'source') < 0.90 then 'referral'
            else 'partner'
        end as source
    from numbered as n
),
with_rep as (
    select
        p.*,
        a.account,
        a.tier,
        (select list(rep order by rep) from sample_reps r where r.started <= p.created_at::date)
            as eligible
    from placed as p
    join sample_accounts as a on a.i = p.account_i
),
economics as (
    select
        w.*,
        w.eligible[1 + (hash(w.seed, w.i, 'rep') % len(w.eligible))::int] as rep,
        -- base pass rates lead>qualified, qualified>opportunity, opportunity>won
        case w.tier when 'smb' then [0.60, 0.55, 0.38] when 'mid' then [0.55, 0.48, 0.32]
            else [0.50, 0.42, 0.26] end as pass_rates,
        -- mean days in lead, qualified, opportunity
        case w.tier when 'smb' then [3.0, 6.0, 12.0] when 'mid' then [7.0, 15.0, 32.0]
            else [15.0, 35.0, 85.0] end as mean_days,
        case w.tier when 'smb' then [3000, 15000] when 'mid' then [15000, 60000]
            else [60000, 320000] end as amount_range,
        case w.source when 'referral' then 1.20 when 'partner' then 1.10
            when 'outbound' then 0.80 else 1.00 end as source_factor
    from with_rep as w
),
timeline as (
    select
        e.*,
        r.skill,
        [least(0.95, e.pass_rates[k] * r.skill * e.source_factor) > rnd(e.seed, e.i, 'pass' || k)
            for k in [1, 2, 3]] as passes,
        [e.mean_days[k] * (0.3 + 1.4 * rnd(e.seed, e.i, 'days' || k)) for k in [1, 2, 3]] as days
    from economics as e
    join sample_reps as r on r.rep = e.rep
),
planned as (
    select
        t.*,
        case when not passes[1] then 1 when not passes[2] then 2 when not passes[3] then 3
            else 4 end as fate,
        [t.created_at,
         t.created_at + to_seconds((days[1] * 86400)::bigint),
         t.created_at + to_seconds(((days[1] + days[2]) * 86400)::bigint),
         t.created_at + to_seconds(((days[1] + days[2] + days[3]) * 86400)::bigint)] as entries
    from timeline as t
),
settled as (
    select
        p.*,
        -- a deal that fails at stage k is lost after that stage's usual time
        case when fate < 4 then entries[fate + 1] end as loss_at,
        (select max(k) from unnest(range(1, 5)) as u(k)
            where k <= p.fate and p.entries[k] <= p.as_of) as furthest
    from planned as p
),
final as (
    select
        s.*,
        case
            when fate = 4 and entries[4] <= as_of then 'won'
            when fate < 4 and loss_at <= as_of then 'lost'
            else 'open'
        end as status,
        round((amount_range[1] + (amount_range[2] - amount_range[1])
            * pow(rnd(seed, i, 'amount'), 2)) / 100)::bigint * 100 as amount
    from settled as s
)
select * from final;

-- one row per deal, written as a CRM would: some labels in other case or with
-- spaces, some tiers blank (resolved through the account), some lost deals
-- with the stage set to "Lost", regressed deals showing the earlier stage
create or replace temp table sample_deals as
with
labelled as (
    select
        d.*,
        ['lead', 'qualified', 'opportunity', 'won'][d.furthest] as furthest_stage,
        d.status = 'open' and d.furthest >= 3 and rnd(d.seed, d.i, 'regress') < 0.12
            as regressed,
        rnd(d.seed, d.i, 'mess') as mess,
        rnd(d.seed, d.i, 'reason') as reason_draw
    from sample_deal_plan as d
),
reasons as (
    select
        l.*,
        case
            when status <> 'lost' then null
            when furthest = 1 then
                case when reason_draw < 0.45 then 'Unresponsive'
                     when reason_draw < 0.80 then 'Not a fit'
                     else null end
            when tier = 'smb' then
                case when reason_draw < 0.35 then 'Price' when reason_draw < 0.60 then 'No budget'
                     when reason_draw < 0.75 then 'Competitor' when reason_draw < 0.90 then 'No decision'
                     else 'Bad timing' end
            when tier = 'mid' then
                case when reason_draw < 0.30 then 'Competitor' when reason_draw < 0.50 then 'Price'
                     when reason_draw < 0.70 then 'No decision' when reason_draw < 0.90 then 'Missing feature'
                     else 'Bad timing' end
            else
                case when reason_draw < 0.30 then 'No decision' when reason_draw < 0.55 then 'Missing feature'
                     when reason_draw < 0.75 then 'Security review' when reason_draw < 0.90 then 'Competitor'
                     else 'Price' end
        end as reason
    from labelled as l
),
final as (
    select
        deal_id,
        rep,
        case
            when mess < 0.10 then null
            when mess < 0.13 then upper(tier)
            when mess < 0.15 then ' ' || tier || ' '
            else tier
        end as tier,
        case when mess > 0.98 then upper(source[1]) || source[2:] else source end as source,
        account,
        strftime(created_at, '%Y-%m-%d %H:%M') as created_at,
        case
            when regressed then 'qualified'
            when status = 'lost' and mess > 0.70 then 'Lost'
            when mess between 0.40 and 0.43 then upper(furthest_stage)
            when mess between 0.43 and 0.45 then upper(furthest_stage[1]) || furthest_stage[2:] || ' '
            else furthest_stage
        end as stage,
        case when status = 'lost' and mess > 0.70 then null else status end as status,
        case
            when reason is null then null
            when mess between 0.50 and 0.53 then lower(reason)
            when mess between 0.53 and 0.55 then upper(reason) || ' '
            else reason
        end as lost_reason,
        case when furthest = 1 and status <> 'won' and mess < 0.30 then null else amount end
            as amount,
        case
            when status = 'won' then strftime(entries[4], '%Y-%m-%d')
            when status = 'lost' then strftime(loss_at, '%Y-%m-%d')
        end as closed_at,
        i
    from reasons
)
select * exclude (i) from final order by i;

-- one row per deal created by the first export's as-of: the CRM as that export
-- saw it, a month before the last. A deal that has not changed since (closed by
-- then, or in the same stage and still open) is written as in the last export; a
-- deal that moved on shows the stage it had reached then, open, without a close
-- date, and without an amount while a lead (as the last export writes leads).
-- Every stage a deal moves to is in its recorded history, so the two exports add
-- no inferred stage entry, only the snapshots `movement` reads.
create or replace temp table sample_deals_first as
with
early as (
    select
        d.i,
        d.deal_id,
        d.status as final_status,
        d.furthest as final_furthest,
        (select max(k) from unnest(range(1, 5)) as u(k)
            where k <= d.fate and d.entries[k] <= d.first_as_of) as furthest,
        case
            when d.fate = 4 and d.entries[4] <= d.first_as_of then 'won'
            when d.fate < 4 and d.loss_at <= d.first_as_of then 'lost'
            else 'open'
        end as status,
        rnd(d.seed, d.i, 'mess') as mess,
        d.amount
    from (select p.*, s.first_as_of from sample_deal_plan as p, sample_settings as s) as d
    where d.created_at <= d.first_as_of
),
final as (
    select
        deals.deal_id,
        deals.rep,
        deals.tier,
        deals.source,
        deals.account,
        deals.created_at,
        case when unchanged then deals.stage
             else ['lead', 'qualified', 'opportunity', 'won'][early.furthest] end as stage,
        case when unchanged then deals.status else 'open' end as status,
        case when unchanged then deals.lost_reason end as lost_reason,
        case
            when unchanged then deals.amount
            when early.furthest = 1 and early.mess < 0.30 then null
            else early.amount
        end as amount,
        case when unchanged then deals.closed_at end as closed_at,
        early.i
    from (
        select *, status = final_status and furthest = final_furthest as unchanged from early
    ) as early
    inner join sample_deals as deals using (deal_id)
)
select * exclude (i) from final order by i;

-- one row per stage entry; some deals skip qualified, regressed deals go back
-- to qualified after reaching opportunity
create or replace temp table sample_history as
with
entries as (
    select
        d.deal_id, d.i, d.seed, d.as_of, k,
        ['lead', 'qualified', 'opportunity', 'won'][k] as stage,
        d.entries[k] as entered_at,
        d.furthest,
        rnd(d.seed, d.i, 'skip') < 0.08 as skips_qualified,
        d.status = 'open' and d.furthest >= 3 and rnd(d.seed, d.i, 'regress') < 0.12 as regressed
    from sample_deal_plan as d, unnest(range(1, 5)) as u(k)
    where k <= d.furthest
),
kept as (
    select deal_id, i, k, stage, entered_at
    from entries
    where not (k = 2 and skips_qualified and furthest > 2)
    union all
    select deal_id, i, 5, 'qualified', entered_at + interval 2 day
    from entries
    where regressed and k = 3 and entered_at + interval 2 day <= as_of
),
final as (
    select
        deal_id,
        stage,
        case
            when hash(deal_id, k) % 10 = 0 then strftime(entered_at, '%Y-%m-%dT%H:%M:%SZ')
            else strftime(entered_at, '%Y-%m-%d %H:%M')
        end as entered_at,
        i,
        k
    from kept
)
select deal_id, stage, entered_at from final order by i, k;

-- one row per customer: each won deal becomes a subscription up to two weeks
-- after it was won, paying a twelfth of the deal amount a month. Months until
-- churn are exponential with a monthly hazard set by the tier (smb customers
-- leave most) times a factor of the rep who sold it: Ava Thompson, the top
-- closer, sells to customers who do not fit and churn four times as often.
-- Some rep and tier cells are blank (resolved through the deal on load).
create or replace temp table sample_subscriptions as
with
won as (
    select i, seed, as_of, deal_id, rep, tier, amount, entries[4] as won_at
    from sample_deal_plan
    where status = 'won'
),
started as (
    select
        w.*,
        w.won_at + to_seconds(floor(rnd(w.seed, w.i, 'sub_start') * 14 * 86400)::bigint)
            as started_at,
        case w.tier when 'smb' then 0.045 when 'mid' then 0.025 else 0.010 end
            * case w.rep when 'Ava Thompson' then 4.0 when 'Hugo Martin' then 1.2
                when 'Kira Patel' then 0.6 else 1.0 end as hazard
    from won as w
),
lived as (
    select
        s.*,
        s.started_at + to_seconds(
            (-ln(1 - rnd(s.seed, s.i, 'sub_life')) / s.hazard * 30.4375 * 86400)::bigint
        ) as ends_at,
        rnd(s.seed, s.i, 'sub_mess') as mess
    from started as s
    where s.started_at <= s.as_of
),
final as (
    select
        sample_key('C', i) as customer_id,
        deal_id,
        case when mess < 0.08 then null else rep end as rep,
        case when mess between 0.05 and 0.12 then null else tier end as tier,
        strftime(started_at, '%Y-%m-%d') as started_at,
        case when ends_at <= as_of then strftime(ends_at, '%Y-%m-%d') end as ended_at,
        round(amount / 12.0 / 10)::bigint * 10 as mrr,
        i
    from lived
)
select * exclude (i) from final order by i;
