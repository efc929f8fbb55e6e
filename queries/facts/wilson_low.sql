-- A scalar macro: the lower end of the Wilson score interval (Wilson 1927) of
-- the rate k / n at the normal quantile z: (p + z²/2n − z·√(p(1−p)/n + z²/4n²))
-- / (1 + z²/n) with p = k / n; null when n is 0 or null (docs/metrics.md).
create or replace temp macro wilson_low(k, n, z) as
    case
        when k = 0 and n > 0 then 0.0
        when n > 0 then greatest(0.0, (
            k::double / n + z * z / (2.0 * n)
            - z * sqrt((k::double / n) * (1 - k::double / n) / n + z * z / (4.0 * n * n))
        ) / (1 + z * z / n))
    end;
