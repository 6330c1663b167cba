-- The day's edges between people: who acted on whom, how and when, and, for a reaction to
-- a post made the same day, how many seconds after the post it came. Reactions to older
-- posts have no response time: looking them up would make the night read earlier days.
-- Input view: day_events.
with

day_events as (
    select * from day_events
),

posts as (
    select post_id, min(ts) as posted_at
    from day_events
    where action in ('post', 'reply', 'share') and post_id is not null
    group by post_id
),

edges as (
    select actor_id, target_user_id, network, action, target_post_id, ts
    from day_events
    where target_user_id is not null
        and target_user_id <> actor_id
        and action in ('like', 'share', 'reply', 'mention', 'follow')
),

final as (
    select
        edges.*,
        date_diff('second', posts.posted_at, edges.ts) as response_s
    from edges
    left join posts on posts.post_id = edges.target_post_id
)

select * from final
