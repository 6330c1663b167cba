-- Like farms: the lockstep candidate edges joined into groups (connected components over
-- shared targets). An account stays in its group when it reacted fast to at least
-- min_target_coverage of the group's people; a group needs min_lockstep_actors accounts;
-- each edge keeps its group's evidence sentence.
-- Input views: lockstep_candidates (lockstep_edges.sql), components (node, component),
-- actors. Variables: min_lockstep_actors, min_target_coverage, fresh_days.
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

components_of_edges as (
    select lockstep_candidates.*, components.component
    from lockstep_candidates
    join components on components.node = lockstep_candidates.actor_id
),

component_targets as (
    select component, count(distinct target_user_id) as targets
    from components_of_edges
    group by component
),

-- A farm's accounts hit most of the people it serves; an ordinary account that happened
-- to react fast to two of them covers a small part, and stays out.
coverage as (
    select
        components_of_edges.actor_id,
        components_of_edges.component,
        count(distinct components_of_edges.target_user_id) / any_value(component_targets.targets)
            as covered
    from components_of_edges
    join component_targets using (component)
    group by components_of_edges.actor_id, components_of_edges.component
),

grouped as (
    select components_of_edges.*
    from components_of_edges
    join coverage using (actor_id, component)
    where coverage.covered >= getvariable('min_target_coverage')
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
            || 'same-day posts of {}, a median {:,.0f} seconds after each post, and to almost '
            || 'nothing else',
            groups.accounts, groups.fresh_accounts, getvariable('fresh_days'), groups.actions,
            case when groups.targets = 1 then '1 person' else format('{:,} people', groups.targets) end,
            groups.median_response_s
        ) as group_evidence
    from grouped
    join groups using (component)
)

select * from final
order by group_key, actor_id, target_user_id
