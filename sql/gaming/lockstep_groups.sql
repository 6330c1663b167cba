-- Like farms: the lockstep candidate edges joined into groups (connected components over
-- shared targets). A group needs min_lockstep_actors accounts; each edge keeps its group's
-- evidence sentence.
-- Input views: lockstep_candidates (lockstep_edges.sql), components (node, component),
-- actors. Variable: min_lockstep_actors, fresh_days.
with

lockstep_candidates as (
    select * from lockstep_candidates
),

components as (
    select * from components
),

actors as (
    select * from actors
),

grouped as (
    select lockstep_candidates.*, components.component
    from lockstep_candidates
    join components on components.node = lockstep_candidates.actor_id
),

groups as (
    select
        grouped.component,
        count(distinct grouped.actor_id) as accounts,
        count(distinct grouped.target_user_id) as targets,
        sum(grouped.actions) as actions,
        median(grouped.median_response_s) as median_response_s,
        count(distinct grouped.actor_id) filter (where actors.fresh) as fresh_accounts
    from grouped
    join actors using (actor_id)
    group by grouped.component
    having count(distinct grouped.actor_id) >= getvariable('min_lockstep_actors')
),

final as (
    select
        'lockstep' as rule,
        groups.component as group_key,
        grouped.actor_id,
        grouped.target_user_id,
        grouped.actions,
        format(
            '{:,} accounts ({:,} first seen in the last {} days) reacted {:,} times to the '
            || 'same-day posts of {:,} people, a median {:,.0f} seconds after each post, and '
            || 'to almost nothing else',
            groups.accounts, groups.fresh_accounts, getvariable('fresh_days'), groups.actions,
            groups.targets, groups.median_response_s
        ) as group_evidence
    from grouped
    join groups using (component)
)

select * from final
order by group_key, actor_id, target_user_id
