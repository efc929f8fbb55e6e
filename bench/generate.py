"""Write a synthetic canonical CRM export of N deals for the benchmark, fast.

    python bench/generate.py --deals 1000000 --out bench/data/1m

Everything is made by DuckDB SQL and written with COPY ... TO (parallel CSV
writer), so 10M deals take seconds, not minutes. Randomness is a hash of
(row, purpose, seed): the same seed gives the same files on any machine and
thread count (row order in the files may differ between thread counts).

Files (the canonical formats of docs/loading.md):

- deals.csv          deal_id,rep,tier,source,account,created_at,stage,status,lost_reason,amount,closed_at
- stage_history.csv  deal_id,stage,entered_at   (about 3 rows per deal)

The data: 40 reps, tiers smb/mid/enterprise, five lead sources, deals created
over 24 months (2024-11-01 .. 2026-10-31, as of 2026-11-01), per-tier pass rates
and stage durations, statuses open/won/lost consistent with the timeline, lost
reasons (some blank), amounts by tier (some blank), closed_at as a date. The
history has one row per stage entered (lead <= qualified <= opportunity <= won;
5% of deals skip qualified) and a `lost` row when a deal is lost.

A manifest (manifest.json) records what was written; an existing folder with
the same parameters is kept unless --force.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

AS_OF = "2026-11-01"
FIRST_DAY = "2024-11-01"
GENERATOR_VERSION = 1

REP_FIRST = ["Ava", "Ben", "Chloe", "Diego", "Emma", "Farid", "Grace", "Hugo"]
REP_LAST = ["Thompson", "Carter", "Nguyen", "Ramos", "Fischer"]

SQL = """
create or replace temp macro u(i, purpose) as
    ((hash(i, purpose, getvariable('seed')) % 1000003) / 1000003.0);

create or replace temp table plan as
with
base as (
    select
        range as i,
        u(range, 'tier') as r_tier,
        u(range, 'source') as r_source,
        u(range, 'reason') as r_reason,
        u(range, 'amount') as r_amount,
        u(range, 'blank') as r_blank,
        u(range, 'p1') as r_p1,
        u(range, 'p2') as r_p2,
        u(range, 'p3') as r_p3,
        u(range, 'd1') as r_d1,
        u(range, 'd2') as r_d2,
        u(range, 'd3') as r_d3,
        (hash(range, 'rep', getvariable('seed')) % 40)::bigint as rep_i,
        (hash(range, 'account', getvariable('seed')) % getvariable('accounts'))::bigint as account_i,
        timestamp '{first_day}'
            + to_seconds((u(range, 'created') * 730 * 86400)::bigint) as created_at
    from range(getvariable('deals'))
),
tiered as (
    select
        *,
        case when r_tier < 0.55 then 'smb' when r_tier < 0.85 then 'mid' else 'enterprise' end
            as tier,
        case when r_tier < 0.55 then 0 when r_tier < 0.85 then 1 else 2 end as t
    from base
),
planned as (
    select
        *,
        -- pass rates lead>qualified, qualified>opportunity, opportunity>won by tier
        case
            when r_p1 >= [0.80, 0.75, 0.70][t + 1] then 1
            when r_p2 >= [0.70, 0.65, 0.60][t + 1] then 2
            when r_p3 >= [0.45, 0.40, 0.35][t + 1] then 3
            else 4
        end as fate,
        -- days spent in lead, qualified, opportunity (exponential, mean by tier)
        -ln(1 - r_d1 * 0.999) * [4.0, 8.0, 15.0][t + 1] as d1,
        -ln(1 - r_d2 * 0.999) * [7.0, 15.0, 30.0][t + 1] as d2,
        -ln(1 - r_d3 * 0.999) * [14.0, 30.0, 60.0][t + 1] as d3
    from tiered
),
timeline as (
    select
        *,
        created_at as e1,
        created_at + to_seconds((d1 * 86400)::bigint) as e2,
        created_at + to_seconds(((d1 + d2) * 86400)::bigint) as e3,
        created_at + to_seconds(((d1 + d2 + d3) * 86400)::bigint) as e4
    from planned
),
settled as (
    select
        *,
        -- a deal that fails at stage k is lost after its usual time in that stage
        case fate when 1 then e2 when 2 then e3 when 3 then e4 end as loss_at,
        case
            when fate >= 4 and e4 <= timestamp '{as_of}' then 4
            when fate >= 3 and e3 <= timestamp '{as_of}' then 3
            when fate >= 2 and e2 <= timestamp '{as_of}' then 2
            else 1
        end as furthest
    from timeline
),
final as (
    select
        *,
        case
            when furthest = 4 then 'won'
            when fate < 4 and loss_at <= timestamp '{as_of}' then 'lost'
            else 'open'
        end as status
    from settled
)
select * from final;

create or replace temp view deals_out as
select
    'D' || lpad(i::varchar, 8, '0') as deal_id,
    {rep_first}[1 + rep_i % 8] || ' ' || {rep_last}[1 + rep_i // 8] as rep,
    tier,
    case
        when r_source < 0.40 then 'inbound'
        when r_source < 0.70 then 'outbound'
        when r_source < 0.85 then 'referral'
        when r_source < 0.95 then 'partner'
        else 'event'
    end as source,
    'Account ' || lpad(account_i::varchar, 7, '0') as account,
    strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at,
    ['lead', 'qualified', 'opportunity', 'won'][furthest] as stage,
    status,
    case
        when status <> 'lost' or r_blank < 0.08 then null
        when furthest = 1 then
            case when r_reason < 0.5 then 'Unresponsive' else 'Not a fit' end
        when furthest = 2 then
            case when r_reason < 0.35 then 'No budget' when r_reason < 0.65 then 'Bad timing'
                 else 'Not a fit' end
        else
            case when r_reason < 0.30 then 'Price' when r_reason < 0.55 then 'Competitor'
                 when r_reason < 0.75 then 'No decision' when r_reason < 0.90 then 'Missing feature'
                 else 'Security review' end
    end as lost_reason,
    case
        when furthest = 1 and status <> 'won' and r_blank < 0.20 then null
        else round([2000, 20000, 80000][t + 1]
            + [18000, 60000, 320000][t + 1] * r_amount * r_amount, -2)::bigint
    end as amount,
    case
        when status = 'won' then strftime(e4, '%Y-%m-%d')
        when status = 'lost' then strftime(loss_at, '%Y-%m-%d')
    end as closed_at
from plan;

create or replace temp view history_out as
with
steps as (
    select * from (values (1), (2), (3), (4), (5)) as s(k)
),
entries as (
    select
        plan.i,
        steps.k,
        case steps.k
            when 1 then plan.e1 when 2 then plan.e2 when 3 then plan.e3 when 4 then plan.e4
            else plan.loss_at
        end as entered_at
    from plan
    inner join steps
        on steps.k <= plan.furthest
        or (steps.k = 5 and plan.status = 'lost')
    -- 5% of deals that went beyond qualified have no qualified entry (a skip)
    where not (steps.k = 2 and plan.furthest > 2 and u(plan.i, 'skip') < 0.05)
)
select
    'D' || lpad(i::varchar, 8, '0') as deal_id,
    ['lead', 'qualified', 'opportunity', 'won', 'lost'][k] as stage,
    strftime(entered_at, '%Y-%m-%d %H:%M:%S') as entered_at
from entries;
"""


def generate(deals: int, out: Path, seed: int = 1, threads: int | None = None) -> dict:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    con.execute("set preserve_insertion_order = false")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    con.execute("set temp_directory = ?", [str(out / ".tmp")])
    con.execute("set variable seed = ?", [seed])
    con.execute("set variable deals = ?", [deals])
    con.execute("set variable accounts = ?", [max(10, deals // 5)])
    sql = SQL.format(
        first_day=FIRST_DAY,
        as_of=AS_OF,
        rep_first="[" + ", ".join(f"'{n}'" for n in REP_FIRST) + "]",
        rep_last="[" + ", ".join(f"'{n}'" for n in REP_LAST) + "]",
    )
    for statement in con.extract_statements(sql):
        con.execute(statement)
    counts = {}
    for name, table in (("deals.csv", "deals_out"), ("stage_history.csv", "history_out")):
        path = out / name
        tmp = out / (name + ".part")
        written = con.execute(f"copy {table} to '{tmp}' (format csv, header true)").fetchone()
        os.replace(tmp, path)
        counts[name] = int(written[0])
    con.close()
    manifest = {
        "generator_version": GENERATOR_VERSION,
        "deals": deals,
        "seed": seed,
        "rows": counts,
        "bytes": {name: (out / name).stat().st_size for name in counts},
        "seconds": round(time.perf_counter() - started, 2),
        "as_of": AS_OF,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def ensure(deals: int, out: Path, seed: int = 1, force: bool = False) -> dict:
    """The export at `out`, generated unless an identical one is already there."""
    manifest_path = out / "manifest.json"
    if not force and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if (
            manifest.get("generator_version") == GENERATOR_VERSION
            and manifest.get("deals") == deals
            and manifest.get("seed") == seed
            and all((out / n).exists() for n in ("deals.csv", "stage_history.csv"))
        ):
            manifest["reused"] = True
            return manifest
    return generate(deals, out, seed)


def reexport(folder: Path, out: Path, share: float = 0.05, seed: int = 1) -> dict:
    """The next night's export of `folder`/deals.csv: the same deals, `share` of them
    changed (an open deal moves one stage on, every other changed deal's amount
    grows 10%), written to `out`/deals.csv. Regenerated when absent or older."""
    import duckdb

    target = out / "deals.csv"
    source = folder / "deals.csv"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return {"reused": True, "path": str(target)}
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(":memory:")
    con.execute("set variable share = ?", [share])
    con.execute("set variable seed = ?", [seed])
    changed = con.execute(
        f"""
        copy (
            with
            rows as (
                select *, hash(deal_id, getvariable('seed')) % 1000000 < getvariable('share')
                    * 1000000 as is_changed
                from read_csv('{source}', all_varchar = true)
            ),
            final as (
                select * exclude (is_changed, stage, amount),
                    case
                        when is_changed and status = 'open' and stage = 'lead' then 'qualified'
                        when is_changed and status = 'open' and stage = 'qualified'
                            then 'opportunity'
                        else stage
                    end as stage,
                    case
                        when is_changed and not (status = 'open' and stage in ('lead', 'qualified'))
                            then round(try_cast(amount as double) * 1.1, 2)::varchar
                        else amount
                    end as amount
                from rows
            )
            select * from final
        ) to '{out / "deals.part"}' (format csv, header true)
        """
    ).fetchone()
    con.close()
    os.replace(out / "deals.part", target)
    return {"reused": False, "path": str(target), "rows": int(changed[0])}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--force", action="store_true", help="Regenerate even when present.")
    args = parser.parse_args(argv)
    manifest = ensure(args.deals, args.out, args.seed, args.force)
    print(json.dumps(manifest), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
