-- How many reactions each giver handed out on the day, on every network and to anyone: the
-- discount daily_user.sql and daily_network.sql apply to each of their reactions. It comes
-- from the whole day, so a shard that sees only a giver's reactions to its own users still
-- discounts them by everything the giver did.
-- Input view: day_events (the day's accepted events, every shard's).
with

day_events as (
    select * from day_events
),

-- Self-interactions never count as influence, nor as giving.
reactions as (
    select actor_id
    from day_events
    where action in ('like', 'share', 'reply', 'mention')
        and target_user_id is not null
        and target_user_id <> actor_id
),

final as (
    select actor_id, count(*) as given_that_day
    from reactions
    group by actor_id
)

select * from final
