-- One row per deal of the cohort: the deals passing the tier, rep and source
-- filters whose created_at falls in [p_since, p_until). A deal without
-- created_at is only in a cohort that has no date window. Null filters match all.
create or replace temp macro cohort(p_tier, p_rep, p_source, p_since, p_until) as table
select *
from deal_facts
where tier_matches(tier, p_tier)
    and (p_rep is null or lower(rep) = lower(trim(p_rep)))
    and (p_source is null or source = lower(trim(p_source)))
    and (p_since is null or created_at >= p_since)
    and (p_until is null or created_at < p_until);
