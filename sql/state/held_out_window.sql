-- What the pairs held out as gaming today gave their target over the whole 90-day window,
-- per target: once a group is caught, everything it gave inside the window leaves the
-- signals, not only what came after the catch, so gaming never pays. Only the held-out
-- pairs (a small set) are looked up in the window's pairs, like reach's lookup.
-- Input views: held_out_keys (user_id, pair_key of today's held-out pairs), today_pairs and
-- between_pairs (daily_engagers.sql rows of today and of the other days in the window).
with

held_out_keys as (
    select distinct user_id, pair_key from held_out_keys
),

today_pairs as (
    select * from today_pairs
),

between_pairs as (
    select * from between_pairs
),

window_pairs as (
    select user_id, pair_key, reactions, weighted_reactions, impact from today_pairs
    union all
    select user_id, pair_key, reactions, weighted_reactions, impact from between_pairs
),

held_out_pairs as (
    select window_pairs.*
    from window_pairs
    semi join held_out_keys
        on held_out_keys.user_id = window_pairs.user_id
        and held_out_keys.pair_key = window_pairs.pair_key
),

final as (
    select
        user_id,
        sum(reactions)::bigint as held_out_reactions,
        -- Summed like the daily sums, so a rerun gives identical rows.
        stable_sum(weighted_reactions) as held_out_weighted_reactions,
        stable_sum(impact) as held_out_impact
    from held_out_pairs
    group by user_id
)

select * from final
