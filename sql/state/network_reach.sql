-- Reach on each network alone: the people who acted on the user's content there in the
-- 90-day window, each counted once. Kept like reach.sql: yesterday's count plus tonight's
-- changes, here per (user, network, engager).
-- Input views: prev_network_reach (yesterday's rows), today_pairs, expiring_pairs
-- (daily_engagers.sql rows), seen_between (seen_between.sql).
with

prev_network_reach as (
    select user_id, network, reach from prev_network_reach
),

today_pairs as (
    select distinct user_id, network, pair_key from today_pairs
),

expiring_pairs as (
    select distinct user_id, network, pair_key from expiring_pairs
),

seen_between as (
    select pair_key, network from seen_between
),

candidates as (
    select
        coalesce(today_pairs.user_id, expiring_pairs.user_id) as user_id,
        coalesce(today_pairs.network, expiring_pairs.network) as network,
        coalesce(today_pairs.pair_key, expiring_pairs.pair_key) as pair_key,
        today_pairs.pair_key is not null as seen_today,
        expiring_pairs.pair_key is not null as seen_on_expiring_day
    from today_pairs
    full join expiring_pairs
        on expiring_pairs.pair_key = today_pairs.pair_key
        and expiring_pairs.network = today_pairs.network
),

changes as (
    select
        candidates.user_id,
        candidates.network,
        sum(case when candidates.seen_today then 1 else -1 end) as change
    from candidates
    anti join seen_between
        on seen_between.pair_key = candidates.pair_key
        and seen_between.network = candidates.network
    where candidates.seen_today <> candidates.seen_on_expiring_day
    group by candidates.user_id, candidates.network
),

final as (
    select
        coalesce(prev_network_reach.user_id, changes.user_id) as user_id,
        coalesce(prev_network_reach.network, changes.network) as network,
        coalesce(prev_network_reach.reach, 0) + coalesce(changes.change, 0) as reach
    from prev_network_reach
    full join changes
        on changes.user_id = prev_network_reach.user_id
        and changes.network = prev_network_reach.network
)

select * from final
where reach > 0
