-- Klout's True Reach per user: the people who acted on the user's content in the 90-day
-- window, each counted once whatever the network and however often they came back.
-- Yesterday's count plus tonight's changes (user_pair_changes.sql): no night reads the
-- window's pairs whole. reach leaves out the people held out as gaming today (their pair
-- seen today or on another day of the window); reach_with_held_out keeps them.
-- Input views: prev_reach (yesterday's reach.sql rows), user_pair_changes, held_out_keys
-- (user_id, pair_key: today's held-out pairs of this shard's users), today_pairs,
-- seen_between (seen_between.sql), held_out_window (held_out_window.sql).
with

prev_reach as (
    select user_id, reach_with_held_out from prev_reach
),

user_pair_changes as (
    select * from user_pair_changes
),

held_out_keys as (
    select distinct user_id, pair_key from held_out_keys
),

held_out_window as (
    select * from held_out_window
),

changes as (
    select user_id, sum(change) as change
    from user_pair_changes
    group by user_id
),

with_held_out as (
    select
        coalesce(prev_reach.user_id, changes.user_id) as user_id,
        coalesce(prev_reach.reach_with_held_out, 0) + coalesce(changes.change, 0)
            as reach_with_held_out
    from prev_reach
    full join changes on changes.user_id = prev_reach.user_id
),

in_window as (
    select pair_key from today_pairs
    union
    select pair_key from seen_between
),

held_out_people as (
    select held_out_keys.user_id, count(*) as held_out
    from held_out_keys
    semi join in_window on in_window.pair_key = held_out_keys.pair_key
    group by held_out_keys.user_id
),

final as (
    select
        with_held_out.user_id,
        with_held_out.reach_with_held_out - coalesce(held_out_people.held_out, 0) as reach,
        with_held_out.reach_with_held_out,
        coalesce(held_out_window.held_out_reactions, 0) as held_out_reactions,
        coalesce(held_out_window.held_out_weighted_reactions, 0.0) as held_out_weighted_reactions,
        coalesce(held_out_window.held_out_impact, 0.0) as held_out_impact
    from with_held_out
    left join held_out_people using (user_id)
    left join held_out_window using (user_id)
    where with_held_out.reach_with_held_out > 0
)

select * from final
