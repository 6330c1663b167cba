-- Engagement pods: the dense core of fast reciprocal pairs, grouped (connected components),
-- kept when the group is big and dense enough; every fast reaction between two members is
-- the group's engagement, both ways.
-- Input views: pod_core (user_a, user_b, actions), components (node, component), edges.
-- Variables: min_pod_size, min_pod_density, fast_response_s.
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

pairs as (
    select pod_core.*, components.component
    from pod_core
    join components on components.node = pod_core.user_a
),

members as (
    select node as user_id, component
    from components
),

pods as (
    select
        pairs.component,
        (select count(*) from members where members.component = pairs.component) as size,
        count(*) as reciprocal_pairs
    from pairs
    group by pairs.component
),

dense_pods as (
    select *, reciprocal_pairs / (size * (size - 1) / 2.0) as density
    from pods
    where size >= getvariable('min_pod_size')
        and reciprocal_pairs >= getvariable('min_pod_density') * size * (size - 1) / 2.0
),

inside as (
    select
        giver.component,
        edges.actor_id,
        edges.target_user_id,
        count(*) as actions,
        median(edges.response_s) as median_response_s
    from edges
    join members as giver on giver.user_id = edges.actor_id
    join members as receiver
        on receiver.user_id = edges.target_user_id and receiver.component = giver.component
    where edges.action <> 'follow'
        and edges.response_s between 0 and getvariable('fast_response_s')
    group by giver.component, edges.actor_id, edges.target_user_id
),

evidence as (
    select
        component,
        sum(actions) as actions,
        median(median_response_s) as median_response_s
    from inside
    group by component
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
            || 'seconds after each post; {} of the {} possible pairs did so both ways '
            || '(density {:.2f})',
            dense_pods.size, evidence.actions, evidence.median_response_s,
            dense_pods.reciprocal_pairs, dense_pods.size * (dense_pods.size - 1) // 2,
            dense_pods.density
        ) as group_evidence
    from dense_pods
    join inside using (component)
    join evidence using (component)
)

select * from final
order by group_key, actor_id, target_user_id
