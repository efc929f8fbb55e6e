-- One row per lost reason, matched case-insensitively after trimming: the
-- spelling shown for it (the most used one, alphabetically first on a tie).
create or replace temp view lost_reason_labels as
with
spellings as (
    select
        lower(lost_reason) as reason_key,
        lost_reason,
        count(*) as uses
    from main.deals
    where lost_reason is not null
    group by lower(lost_reason), lost_reason
),

labelled as (
    select
        reason_key,
        first(lost_reason order by uses desc, lost_reason) as reason
    from spellings
    group by reason_key
),

final as (
    select reason_key, reason from labelled
    union all
    select '(unspecified)', '(unspecified)'
    where not exists (select 1 from labelled where reason_key = '(unspecified)')
)

select * from final;
