-- One row per loaded CRM user id: the name the reports show for a deal or a
-- subscription owned by it. That is the user's name, followed by the user id in
-- parentheses when another user id has the same name (case and surrounding
-- spaces ignored), so two people sharing a name stay two reps: "Alex Kim (102)".
create or replace temp view rep_names as
with
users as (
    select user_id, any_value(trim(name)) as name
    from main.users
    group by user_id
),

shared as (
    select lower(name) as name_key, count(*) as user_count
    from users
    group by lower(name)
),

final as (
    select
        users.user_id,
        case
            when shared.user_count > 1 then users.name || ' (' || users.user_id || ')'
            else users.name
        end as name
    from users
    inner join shared on shared.name_key = lower(users.name)
)

select * from final;
