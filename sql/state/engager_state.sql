-- Who acted on each user's content over the 90-day window, per network, with the last day
-- they did: yesterday's pairs that are still inside the window plus today's. Reach counts
-- these pairs, so it counts people, however often they came back.
-- Its size is the window's distinct (user, network, engager) pairs: repeat engagers, the
-- usual audience, cost nothing extra, and no day older than the window is ever read.
-- Input views: prev_engagers, today_engagers. Variables: state_date, window_days_max.
-- Unsorted: sorting tens of millions of pairs is what ran out of memory at 4 GB on a
-- 57-day history (clout bench), and nothing reads them in order.
with

prev_engagers as (
    select * from prev_engagers
),

today_engagers as (
    select * from today_engagers
),

still_in_window as (
    select user_id, network, engager_id, last_seen
    from prev_engagers
    where last_seen > getvariable('state_date') - getvariable('window_days_max')::integer
),

seen_today as (
    select user_id, network, engager_id, getvariable('state_date')::date as last_seen
    from today_engagers
),

window_pairs as (
    select * from still_in_window
    union all
    select * from seen_today
),

final as (
    select user_id, network, engager_id, max(last_seen) as last_seen
    from window_pairs
    group by user_id, network, engager_id
)

select * from final
