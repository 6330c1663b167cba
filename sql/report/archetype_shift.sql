-- How many users hold each archetype today and the day before, one row an archetype held on
-- either day. Input views: scores_today, scores_yesterday (empty on the first day).
with

today as (
    select archetype, count(*) as users from scores_today group by archetype
),

yesterday as (
    select archetype, count(*) as users from scores_yesterday group by archetype
),

final as (
    select
        coalesce(today.archetype, yesterday.archetype) as archetype,
        coalesce(today.users, 0) as users,
        round(100.0 * coalesce(today.users, 0) / sum(coalesce(today.users, 0)) over (), 2)
            as share_of_users,
        yesterday.users as users_yesterday,
        coalesce(today.users, 0) - coalesce(yesterday.users, 0) as change
    from today
    full join yesterday on yesterday.archetype = today.archetype
)

select * from final
order by users desc, archetype
