-- The (user, engager) pairs whose place in the window tonight can change: today's pairs,
-- the pairs of the day leaving the window, and the pairs held out as gaming. Only these
-- are looked up in the other days of the window (seen_between.sql).
-- Input views: today_pairs, expiring_pairs (daily_engagers.sql rows), held_out_keys.
with

today_pairs as (
    select pair_key from today_pairs
),

expiring_pairs as (
    select pair_key from expiring_pairs
),

held_out_keys as (
    select pair_key from held_out_keys
),

final as (
    select pair_key from today_pairs
    union
    select pair_key from expiring_pairs
    union
    select pair_key from held_out_keys
)

select * from final
