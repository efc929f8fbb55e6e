-- A scalar macro, true when a stored tier passes a --tier filter: a null filter
-- matches every tier; otherwise tiers compare trimmed and lower-cased, as they
-- are stored (docs/metrics.md, "Normalisation").
create or replace temp macro tier_matches(stored_tier, p_tier) as
    p_tier is null or stored_tier = lower(trim(p_tier));
