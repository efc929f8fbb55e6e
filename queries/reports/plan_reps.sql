-- One row: the reps behind a capacity plan. reps_now: reps with a counted event
-- (a stage entry or a loss, as in rep_rank) on a deal of tier p_tier (null:
-- all) in [p_month, p_month + 1 month). For attrition, over all deals: a rep is
-- active from the month of its first event to the month of its last; it has
-- left when its last event is more than 60 days before the data's last
-- activity. rep_months counts the months reps were active; reps_left the reps
-- who left.
create or replace temp macro plan_reps(p_month, p_tier) as table
with
events as (
    select facts.rep, facts.tier, dates.event_at as event_at
    from deal_stage_dates as dates
    inner join deal_facts as facts on facts.deal_id = dates.deal_id
    union all
    select rep, tier, closed_at
    from deal_facts
    where status = 'lost' and closed_at is not null
),

span as (
    select last_activity from data_span
),

rep_spans as (
    select
        rep,
        date_trunc('month', min(event_at)) as first_month,
        date_trunc('month', max(event_at)) as last_month,
        max(event_at) as last_event
    from events
    group by rep
),

current_reps as (
    select count(distinct rep) as reps_now
    from events
    where tier_matches(tier, p_tier)
        and event_at >= p_month::timestamp
        and event_at < p_month::timestamp + interval 1 month
),

final as (
    select
        current_reps.reps_now,
        (select count(*) from rep_spans, span
         where rep_spans.last_event < span.last_activity - interval 60 day) as reps_left,
        (select coalesce(sum(datediff('month', first_month, last_month) + 1), 0)
         from rep_spans) as rep_months
    from current_reps
)

select * from final;
