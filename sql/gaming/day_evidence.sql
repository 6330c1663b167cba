-- The day's compact evidence for the rules that judge the last days together (SynchroTrap-
-- style accumulation: members of a pod or a drip-fed pool act a little every day, too
-- little for one day to show). One row a (kind, actor, target):
--   fast    actor answered target's posts of the day within co_action_s: actions is how
--           many of those posts, reactions how many reactions it gave them in all
--   posts   actor_id = target_user_id = an author: actions is the posts it made today
--           (originals, not replies or reshares: what a pod or a farm's customer pays to
--           have answered), reactions the reactions it received today
--   follow  a follow from an account with no audience of its own (actors.no_audience)
-- A night reads the last few of these files, never the events of earlier days.
-- Input views: day_events, edges (day_edges.sql), actors (day_actors.sql).
-- Variable: co_action_s.
with

day_events as (
    select * from day_events
),

edges as (
    select * from edges
),

actors as (
    select * from actors
),

originals as (
    select post_id, any_value(actor_id) as author
    from day_events
    where action = 'post' and post_id is not null
    group by post_id
),

fast as (
    select
        'fast' as kind,
        edges.actor_id,
        edges.target_user_id,
        count(distinct edges.target_post_id) as actions,
        count(*) as reactions
    from edges
    semi join originals on originals.post_id = edges.target_post_id
    where edges.action in ('like', 'share', 'reply')
        and edges.response_s between 0 and getvariable('co_action_s')
    group by edges.actor_id, edges.target_user_id
),

received as (
    select target_user_id as user_id, count(*) as reactions
    from edges
    where action <> 'follow'
    group by target_user_id
),

posts as (
    select
        'posts' as kind,
        authors.author as actor_id,
        authors.author as target_user_id,
        authors.posts as actions,
        coalesce(received.reactions, 0) as reactions
    from (select author, count(*) as posts from originals group by author) as authors
    left join received on received.user_id = authors.author
),

follows as (
    select
        'follow' as kind,
        edges.actor_id,
        edges.target_user_id,
        count(*) as actions,
        0::bigint as reactions
    from edges
    join actors using (actor_id)
    where edges.action = 'follow' and actors.no_audience
    group by edges.actor_id, edges.target_user_id
),

final as (
    select * from fast
    union all
    select * from posts
    union all
    select * from follows
)

select * from final
order by kind, actor_id, target_user_id
