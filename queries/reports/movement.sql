-- One row per group and movement category of the open pipeline from p_since to
-- p_until (ends of day): start, created, reopened, amount_up, amount_down, won,
-- lost, removed, end, then advanced, regressed, pushed, pulled_in, with deals,
-- amount (exact decimals; for the last four, each deal's amount after its last
-- such move) and deals_without_amount: the amount adds up the deals with one and is
-- null (unknown) when none of the row's deals has one. Deals are those passing the tier, rep and source
-- filters (their current attributes, removed deals included); p_by groups by
-- 'tier' or 'rep' (null: one group); deals of the pipeline scope only, and of
-- the currency p_currency when given (--currency). See docs/metrics.md, "movement".
create or replace temp macro movement(p_since, p_until, p_tier, p_rep, p_source, p_by, p_currency)
as table
with
accounts as (
    select account, any_value(tier) as tier from main.accounts group by account
),

selected as (
    select
        deals.deal_id,
        case p_by
            when 'tier' then coalesce(deals.tier, accounts.tier, 'unknown')
            when 'rep' then coalesce(rep_names.name, deals.rep)
        end as group_value
    from main.deals as deals
    left join accounts on accounts.account = deals.account
    left join rep_names on rep_names.user_id = deals.rep
    where tier_matches(coalesce(deals.tier, accounts.tier, 'unknown'), p_tier)
        and (p_rep is null or lower(coalesce(rep_names.name, deals.rep)) = lower(trim(p_rep)))
        and (p_source is null or coalesce(deals.source, 'unknown') = lower(trim(p_source)))
        and in_pipeline(deals.pipeline)
        and (p_currency is null or deals.currency = p_currency)
),

state_at as (
    select deal_id, as_of, removed, status, amount, (not removed and status = 'open') as is_open
    from main.deal_snapshots
),

start_state as (
    select deal_id, is_open, amount
    from state_at
    where as_of <= p_since
    qualify row_number() over (partition by deal_id order by as_of desc) = 1
),

end_state as (
    select deal_id, is_open, amount
    from state_at
    where as_of <= p_until
    qualify row_number() over (partition by deal_id order by as_of desc) = 1
),

events as (
    select * from movement_events(p_since, p_until)
),

measures as (
    select selected.group_value, 'start' as category, 1 as position,
        count(*) as deals, sum(start_state.amount) as amount,
        count(*) - count(start_state.amount) as unpriced
    from start_state inner join selected using (deal_id)
    where start_state.is_open
    group by all
    union all
    select selected.group_value, events.flow,
        case events.flow
            when 'created' then 2 when 'reopened' then 3 when 'won' then 6
            when 'lost' then 7 else 8
        end,
        count(*),
        sum(flow_amount),
        count(*) - count(flow_amount)
    from (
        select *,
            case when flow in ('created', 'reopened') then amount else previous_amount end
                as flow_amount
        from events
    ) as events inner join selected using (deal_id)
    where events.flow is not null
    group by all
    union all
    select selected.group_value, 'amount_up', 4,
        count(distinct events.deal_id), sum(events.amount_change), 0
    from events inner join selected using (deal_id)
    where events.amount_change > 0
    group by all
    union all
    select selected.group_value, 'amount_down', 5,
        count(distinct events.deal_id), -sum(events.amount_change), 0
    from events inner join selected using (deal_id)
    where events.amount_change < 0
    group by all
    union all
    select selected.group_value, 'end', 9, count(*), sum(end_state.amount),
        count(*) - count(end_state.amount)
    from end_state inner join selected using (deal_id)
    where end_state.is_open
    group by all
    union all
    select selected.group_value, 'advanced', 10, count(*), sum(last_moves.amount),
        count(*) - count(last_moves.amount)
    from (
        select deal_id, arg_max_null(amount, as_of) as amount
        from events where advanced group by deal_id
    ) as last_moves
    inner join selected using (deal_id)
    group by all
    union all
    select selected.group_value, 'regressed', 11, count(*), sum(last_moves.amount),
        count(*) - count(last_moves.amount)
    from (
        select deal_id, arg_max_null(amount, as_of) as amount
        from events where regressed group by deal_id
    ) as last_moves
    inner join selected using (deal_id)
    group by all
    union all
    select selected.group_value, 'pushed', 12, count(*), sum(last_moves.amount),
        count(*) - count(last_moves.amount)
    from (
        select deal_id, arg_max_null(amount, as_of) as amount
        from events where pushed group by deal_id
    ) as last_moves
    inner join selected using (deal_id)
    group by all
    union all
    select selected.group_value, 'pulled_in', 13, count(*), sum(last_moves.amount),
        count(*) - count(last_moves.amount)
    from (
        select deal_id, arg_max_null(amount, as_of) as amount
        from events where pulled_in group by deal_id
    ) as last_moves
    inner join selected using (deal_id)
    group by all
),

categories as (
    select * from (values
        ('start', 1), ('created', 2), ('reopened', 3), ('amount_up', 4), ('amount_down', 5),
        ('won', 6), ('lost', 7), ('removed', 8), ('end', 9), ('advanced', 10),
        ('regressed', 11), ('pushed', 12), ('pulled_in', 13)
    ) as c(category, position)
),

groups as (
    select distinct group_value from measures
    where p_by is not null
    union all
    select null where p_by is null
),

final as (
    select
        groups.group_value,
        categories.category,
        categories.position,
        coalesce(sum(measures.deals), 0)::bigint as deals,
        -- the deals with an amount add up; unknown (null) when none of them has one
        case
            when coalesce(sum(measures.deals), 0) = 0 then 0
            when sum(measures.unpriced) < sum(measures.deals) then sum(measures.amount)
        end::decimal(38, 6) as amount,
        coalesce(sum(measures.unpriced), 0)::bigint as deals_without_amount
    from groups
    cross join categories
    left join measures
        on measures.category = categories.category
        and measures.group_value is not distinct from groups.group_value
    group by all
)

select * from final
order by group_value, position;
