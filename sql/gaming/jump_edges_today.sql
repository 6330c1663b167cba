-- The day's edges jump attribution reads (the rows of day_edges.sql it would find there),
-- and no others: the edges into a jumped user (who caused the jump), those out of one
-- (whether the user gave back), and the follows given today by the accounts behind a jump
-- (their breadth). A night's jumps touch a small share of its edges, so this is two
-- filtered scans of the day instead of a table of all its edges, which at 100M events was
-- most of the gaming step's time.
-- Input views: day_events, jumps.
with

day_events as (
    select * from day_events
),

jumps as (
    select * from jumps
),

jumped as (
    select distinct user_id from jumps
),

-- The people acting on each other today, as day_edges.sql defines them.
day_edges as (
    select actor_id, target_user_id, network, action, target_post_id, ts
    from day_events
    where target_user_id is not null
        and target_user_id <> actor_id
        and action in ('like', 'share', 'reply', 'mention', 'follow')
),

behind_jumps as (
    select distinct actor_id
    from day_edges
    semi join jumped on jumped.user_id = day_edges.target_user_id
),

edges as (
    select *
    from day_edges
    where target_user_id in (select user_id from jumped)
        or actor_id in (select user_id from jumped)
        or (action = 'follow' and actor_id in (select actor_id from behind_jumps))
),

posts as (
    select post_id, min(ts) as posted_at
    from day_events
    where action in ('post', 'reply', 'share')
        and post_id in (select target_post_id from edges)
    group by post_id
),

final as (
    select
        edges.*,
        date_diff('second', posts.posted_at, edges.ts) as response_s
    from edges
    left join posts on posts.post_id = edges.target_post_id
)

select * from final
