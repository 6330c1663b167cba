-- One row per (receiver, network, giver) on the day: how many reactions the giver gave the
-- receiver's content there, and whether the pair is held out as gaming. The one pass over
-- the day's reactions that daily_user.sql, daily_network.sql and daily_engagers.sql share:
-- grouping a day's events by pair three times over is what made the step slow and, at
-- 100M events, ran it out of memory at 4 GB.
-- Input views: day_events (the day's accepted events, or a shard's), held_out (actor_id,
-- target_user_id: the pairs held out of the score today).
with

day_events as (
    select * from day_events
),

held_out as (
    select distinct actor_id, target_user_id from held_out
),

-- Self-interactions never count as influence.
reactions as (
    select target_user_id as user_id, network, actor_id
    from day_events
    where action in ('like', 'share', 'reply', 'mention')
        and target_user_id is not null
        and target_user_id <> actor_id
),

pairs as (
    select user_id, network, actor_id, count(*) as reactions
    from reactions
    group by user_id, network, actor_id
),

final as (
    select pairs.*, held_out.actor_id is not null as is_held_out
    from pairs
    left join held_out
        on held_out.actor_id = pairs.actor_id
        and held_out.target_user_id = pairs.user_id
)

select * from final
