-- Engagement pods: the dense truss of fast reciprocal pairs, grouped (connected components),
-- kept when the group is big and dense enough and answers most of its members' posts fast. An account that did not post today still
-- serves its pod: one that reacted fast to min_pod_size - 1 or more of a pod's members, with
-- those reactions making min_pod_share or more of all it gave, joins it (a follower of a
-- few members gives them a small part of its day). Every fast reaction between two members is the pod's engagement, both ways.
-- Input views: pod_core (user_a, user_b, actions), components (node, component), edges.
-- Variables: min_pod_size, min_pod_density, min_pod_coverage, min_pod_share,
-- fast_response_s.
with

pod_core as (
    select * from pod_core
),

components as (
    select * from components
),

edges as (
    select * from edges
),

fast_edges as (
    select * from edges
    where action <> 'follow' and response_s between 0 and getvariable('fast_response_s')
),

pairs as (
    select pod_core.*, components.component
    from pod_core
    join components on components.node = pod_core.user_a
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
    from pairs
    join sizes using (component)
    group by sizes.component, sizes.size
    having sizes.size >= getvariable('min_pod_size')
        and count(*) >= getvariable('min_pod_density') * sizes.size * (sizes.size - 1) / 2.0
),

candidates as (
    select components.node as user_id, components.component
    from components
    semi join dense using (component)
),

-- The members' posts of today that anyone reacted to, and how many of the possible
-- (member, another member's post) pairs got a fast reaction: a pod answers nearly every
-- post of every member; friends, even a tight circle on a news day, answer some.
member_posts as (
    select candidates.component, edges.target_user_id, count(distinct edges.target_post_id) as posts
    from edges
    join candidates on candidates.user_id = edges.target_user_id
    -- posts made today: a response time exists only for them
    where edges.target_post_id is not null and edges.response_s is not null
    group by candidates.component, edges.target_user_id
),

answered as (
    select
        giver.component,
        count(distinct fast_edges.actor_id || chr(31) || fast_edges.target_post_id) as answered
    from fast_edges
    join candidates as giver on giver.user_id = fast_edges.actor_id
    join candidates as receiver
        on receiver.user_id = fast_edges.target_user_id and receiver.component = giver.component
    where fast_edges.target_post_id is not null
    group by giver.component
),

posts_per_pod as (
    select component, sum(posts) as posts
    from member_posts
    group by component
),

dense_pods as (
    select
        dense.*,
        answered.answered / (posts_per_pod.posts * (dense.size - 1)) as coverage
    from dense
    join posts_per_pod using (component)
    join answered using (component)
    where answered.answered
        >= getvariable('min_pod_coverage') * posts_per_pod.posts * (dense.size - 1)
),

core_members as (
    select candidates.*
    from candidates
    semi join dense_pods using (component)
),

reactions_given as (
    select actor_id, count(*) as reactions
    from edges
    where action <> 'follow'
    group by actor_id
),

attached as (
    select fast_edges.actor_id as user_id, core_members.component
    from fast_edges
    join core_members on core_members.user_id = fast_edges.target_user_id
    join reactions_given using (actor_id)
    anti join core_members as already on already.user_id = fast_edges.actor_id
    group by fast_edges.actor_id, core_members.component
    having count(distinct fast_edges.target_user_id) >= getvariable('min_pod_size') - 1
        and count(*) >= getvariable('min_pod_share') * any_value(reactions_given.reactions)
),

members as (
    select user_id, component from core_members
    union
    select user_id, component from attached
),

inside as (
    select
        giver.component,
        fast_edges.actor_id,
        fast_edges.target_user_id,
        count(*) as actions,
        median(fast_edges.response_s) as median_response_s
    from fast_edges
    join members as giver on giver.user_id = fast_edges.actor_id
    join members as receiver
        on receiver.user_id = fast_edges.target_user_id and receiver.component = giver.component
    group by giver.component, fast_edges.actor_id, fast_edges.target_user_id
),

evidence as (
    select
        inside.component,
        sum(inside.actions) as actions,
        median(inside.median_response_s) as median_response_s,
        (select count(*) from members where members.component = inside.component) as accounts
    from inside
    group by inside.component
),

final as (
    select
        'engagement_pod' as rule,
        dense_pods.component as group_key,
        inside.actor_id,
        inside.target_user_id,
        inside.actions,
        format(
            '{} accounts reacted to each other''s posts {:,} times today, a median {:,.0f} '
            || 'seconds after each post; at the core, {} of the {} possible pairs of {} '
            || 'accounts did so both ways (density {:.2f}) and they answered {:.0f}% of each '
            || 'other''s posts within minutes',
            evidence.accounts, evidence.actions, evidence.median_response_s,
            dense_pods.reciprocal_pairs, dense_pods.size * (dense_pods.size - 1) // 2,
            dense_pods.size, dense_pods.density, 100 * dense_pods.coverage
        ) as group_evidence
    from dense_pods
    join inside using (component)
    join evidence using (component)
)

select * from final
order by group_key, actor_id, target_user_id
