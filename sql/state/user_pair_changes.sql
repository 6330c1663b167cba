-- How tonight moves each (user, engager) pair in or out of the 90-day window, networks
-- aside: +1 for a pair seen today and on no other day of the window, -1 for a pair of the
-- day leaving the window seen on no day still in it. Every other pair stays as it was,
-- so yesterday's counts plus these changes are today's counts, exactly.
-- Input views: today_pairs, expiring_pairs (daily_engagers.sql rows), seen_between
-- (seen_between.sql).
with

today_pairs as (
    select * from today_pairs
),

expiring_pairs as (
    select * from expiring_pairs
),

seen_between as (
    select distinct pair_key from seen_between
),

today_people as (
    select distinct user_id, engager_id, pair_key from today_pairs
),

expiring_people as (
    select distinct user_id, engager_id, pair_key from expiring_pairs
),

candidates as (
    select
        coalesce(today_people.user_id, expiring_people.user_id) as user_id,
        coalesce(today_people.engager_id, expiring_people.engager_id) as engager_id,
        coalesce(today_people.pair_key, expiring_people.pair_key) as pair_key,
        today_people.pair_key is not null as seen_today,
        expiring_people.pair_key is not null as seen_on_expiring_day
    from today_people
    full join expiring_people on expiring_people.pair_key = today_people.pair_key
),

final as (
    select
        candidates.user_id,
        candidates.engager_id,
        case
            when candidates.seen_today and not candidates.seen_on_expiring_day then 1
            else -1
        end as change
    from candidates
    anti join seen_between on seen_between.pair_key = candidates.pair_key
    where candidates.seen_today <> candidates.seen_on_expiring_day
)

select * from final
