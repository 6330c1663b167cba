-- Engagement pods over the last days: the truss of reciprocal fast pairs (pod_week_pairs.sql),
-- grouped (connected components), kept when the group has min_pod_size or more accounts,
-- min_week_pod_density or more of its possible pairs reciprocal, and its members answered
-- min_pod_coverage or more of each other's posts within co_action_s: of every (member,
-- another member's post) pair of the window, most got a fast answer. Friends answer each
-- other hours later, or some posts; a fan club answers one way. An account that posted
-- nothing in the window but answered min_pod_coverage or more of the core's posts, to
-- min_pod_size - 1 or more members, serves the pod too and joins it.
-- Input views: pod_core (user_a, user_b, actions), components (node, component), week.
-- Variables: min_pod_size, min_week_pod_density, min_pod_coverage, co_action_s,
-- evidence_days.
with

pod_core as (
    select * from pod_core
),

components as (
    select * from components
),

fast as (
    select actor_id, target_user_id, actions, reactions, days
    from week
    where kind = 'fast'
),

-- Coverage is counted in post-days (an author's posts of one day, and a member answering
-- any of them within the half hour): an author who posts the same thing on three networks,
-- or three times in a day, asks for one answer, not three.
posts as (
    select actor_id as user_id, days as posts
    from week
    where kind = 'posts'
),

sizes as (
    select component, count(*) as size
    from components
    group by component
),

dense as (
    select
        sizes.component,
        sizes.size,
        count(*) as reciprocal_pairs,
        count(*) / (sizes.size * (sizes.size - 1) / 2.0) as density
    from pod_core
    join components on components.node = pod_core.user_a
    join sizes using (component)
    group by sizes.component, sizes.size
    having sizes.size >= getvariable('min_pod_size')
        and count(*) >= getvariable('min_week_pod_density') * sizes.size * (sizes.size - 1) / 2.0
),

candidates as (
    select components.node as user_id, components.component, dense.size
    from components
    join dense using (component)
),

-- Every member's posts of the window could be answered by each of the other members.
possible as (
    select candidates.component, sum(posts.posts * (candidates.size - 1)) as possible
    from candidates
    join posts using (user_id)
    group by candidates.component
),

answered as (
    select giver.component, sum(fast.days) as answered
    from fast
    join candidates as giver on giver.user_id = fast.actor_id
    join candidates as receiver
        on receiver.user_id = fast.target_user_id and receiver.component = giver.component
    group by giver.component
),

pods as (
    select dense.*, answered.answered, possible.possible,
        answered.answered / possible.possible as coverage
    from dense
    join possible using (component)
    join answered using (component)
    where answered.answered >= getvariable('min_pod_coverage') * possible.possible
),

core_members as (
    select candidates.user_id, candidates.component
    from candidates
    semi join pods using (component)
),

core_posts as (
    select core_members.component, sum(posts.posts) as posts
    from core_members
    join posts using (user_id)
    group by core_members.component
),

attached as (
    select fast.actor_id as user_id, core_members.component
    from fast
    join core_members on core_members.user_id = fast.target_user_id
    anti join core_members as already on already.user_id = fast.actor_id
    anti join posts on posts.user_id = fast.actor_id
    group by fast.actor_id, core_members.component
    having count(distinct fast.target_user_id) >= getvariable('min_pod_size') - 1
        and sum(fast.days) >= getvariable('min_pod_coverage') * any_value((
            select core_posts.posts from core_posts
            where core_posts.component = core_members.component
        ))
),

members as (
    select user_id, component from core_members
    union
    select user_id, component from attached
),

inside as (
    select giver.component, fast.actor_id, fast.target_user_id, fast.reactions as actions
    from fast
    join members as giver on giver.user_id = fast.actor_id
    join members as receiver
        on receiver.user_id = fast.target_user_id and receiver.component = giver.component
),

evidence as (
    select
        inside.component,
        sum(inside.actions) as actions,
        count(distinct inside.actor_id) as accounts
    from inside
    group by inside.component
),

final as (
    select
        'engagement_pod' as rule,
        'week:' || pods.component as group_key,
        inside.actor_id,
        inside.target_user_id,
        inside.actions,
        format(
            '{} accounts reacted to each other''s posts {:,} times within {:.0f} minutes of '
            || 'each post over the last {} days, on any network; at the core, {} accounts '
            || 'answered {:.0f}% of each other''s post-days that fast ({:,} of {:,} possible '
            || 'answers) and {} of their {} possible pairs did so both ways (density {:.2f})',
            evidence.accounts, evidence.actions, getvariable('co_action_s') / 60.0,
            getvariable('evidence_days'), pods.size, 100 * pods.coverage, pods.answered,
            pods.possible, pods.reciprocal_pairs, pods.size * (pods.size - 1) // 2,
            pods.density
        ) as group_evidence
    from pods
    join inside using (component)
    join evidence using (component)
)

select * from final
order by group_key, actor_id, target_user_id
