-- Like farms on their first day (CopyCatch-style lockstep): fresh accounts that react within
-- minutes of a post, to almost nothing else, and pile onto the same few people. Here, the
-- candidate edges: the fast reactions of such accounts to people who got at least
-- min_lockstep_actors of them and for whom such reactions are at least min_group_share of
-- the day's reactions. transforms/groups.py joins the edges into groups (connected
-- components).
-- Input views: edges, actors. Variables: fast_response_s, min_fresh_fast_share,
-- min_lockstep_actors, min_group_share.
with

edges as (
    select * from edges
),

actors as (
    select * from actors
),

lockstep_actors as (
    select actor_id
    from actors
    -- Only fresh accounts whose day is mostly fast reactions: a new farm serving its
    -- customers looks like this on its first day, and a crowd around one account (a viral
    -- post, the news) is made of established accounts. An established account is never
    -- judged by its own speed alone, which fast humans share (an ordinary reader of two
    -- customers' posts was); aged farms are caught by their repeated co-action over the
    -- week (lockstep_week_edges.sql).
    where fresh
        and fast_reactions > 0
        and fast_reactions >= getvariable('min_fresh_fast_share') * reactions
),

fast_edges as (
    select
        edges.actor_id,
        edges.target_user_id,
        count(*) as actions,
        median(edges.response_s) as median_response_s
    from edges
    join lockstep_actors using (actor_id)
    where edges.action <> 'follow'
        and edges.response_s between 0 and getvariable('fast_response_s')
    group by edges.actor_id, edges.target_user_id
),

received as (
    select target_user_id, count(*) as reactions_received
    from edges
    where action <> 'follow'
    group by target_user_id
),

crowded_targets as (
    select target_user_id
    from fast_edges
    join received using (target_user_id)
    group by target_user_id
    having count(*) >= getvariable('min_lockstep_actors')
        and sum(actions) >= getvariable('min_group_share') * any_value(reactions_received)
),

final as (
    select fast_edges.*
    from fast_edges
    semi join crowded_targets using (target_user_id)
)

select * from final
order by actor_id, target_user_id
