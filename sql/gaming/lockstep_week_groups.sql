-- Like farms over the last days: the candidate edges (lockstep_week_edges.sql) joined into
-- groups (connected components over shared targets). An account stays in its group when
-- it came back again and again to min_farm_targets or more of the group's people, and to
-- min_target_coverage or more of them, and answered min_member_rate or more of the share
-- of the group's posts that its median account answered; a group needs
-- min_lockstep_actors accounts. That core is CopyCatch's: the same accounts acting on the
-- same several people. Quiet readers who answer one person's every post are that
-- person's fans, however many; a farm sells the same accounts to several customers.
-- Input views: lockstep_candidates, components (node, component), week_posts (user_id,
-- posts). Variables: min_lockstep_actors,
-- min_farm_targets, min_target_coverage, min_member_rate,
-- co_action_s, evidence_days, farm_pass (the group keys' prefix).
with

lockstep_candidates as (
    select * from lockstep_candidates
),

components as (
    select * from components
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

coverage as (
    select
        components_of_edges.actor_id,
        components_of_edges.component,
        count(distinct components_of_edges.target_user_id) as targets_answered,
        count(distinct components_of_edges.target_user_id) / any_value(component_targets.targets)
            as covered
    from components_of_edges
    join component_targets using (component)
    group by components_of_edges.actor_id, components_of_edges.component
),

component_posts as (
    select served.component, sum(week_posts.posts) as posts
    from (select distinct component, target_user_id from components_of_edges) as served
    join week_posts on week_posts.user_id = served.target_user_id
    group by served.component
),

-- How many of the group's posts each account answered, against the group's median account:
-- a farm's bots come back at about the same rate; a reader of the same people, at a few.
answer_rates as (
    select
        components_of_edges.actor_id,
        components_of_edges.component,
        sum(components_of_edges.answered) / any_value(component_posts.posts) as rate
    from components_of_edges
    join component_posts using (component)
    group by components_of_edges.actor_id, components_of_edges.component
),

typical_rates as (
    select component, median(rate) as typical_rate
    from answer_rates
    group by component
),

grouped as (
    select components_of_edges.*
    from components_of_edges
    join coverage using (actor_id, component)
    join answer_rates using (actor_id, component)
    join typical_rates using (component)
    where coverage.targets_answered >= getvariable('min_farm_targets')
        and coverage.covered >= getvariable('min_target_coverage')
        and answer_rates.rate >= getvariable('min_member_rate') * typical_rates.typical_rate
),

core_components as (
    select component
    from grouped
    group by component
    having count(distinct actor_id) >= getvariable('min_lockstep_actors')
),

core_edges as (
    select grouped.component, grouped.actor_id, grouped.target_user_id, grouped.actions,
        grouped.answered
    from grouped
    semi join core_components using (component)
),

target_posts as (
    select component, sum(week_posts.posts) as posts
    from (select distinct component, target_user_id from core_edges) as served
    join week_posts on week_posts.user_id = served.target_user_id
    group by component
),

groups as (
    select
        core_edges.component,
        count(distinct core_edges.actor_id) as accounts,
        count(distinct core_edges.target_user_id) as targets,
        sum(core_edges.actions) as actions,
        sum(core_edges.answered) as answered,
        any_value(target_posts.posts) as posts
    from core_edges
    join target_posts using (component)
    group by core_edges.component
),

final as (
    select
        'lockstep' as rule,
        getvariable('farm_pass') || ':' || groups.component as group_key,
        core_edges.actor_id,
        core_edges.target_user_id,
        core_edges.actions,
        format(
            '{:,} accounts that nobody engages (no audience of their own in 90 days) reacted '
            || '{:,} times within {:.0f} minutes to the posts of {} over the last {} days, '
            || 'answering {:.0f}% of the possible (account, post) pairs of those people''s {:,} '
            || 'posts, again and again, whatever else they did',
            groups.accounts, groups.actions, getvariable('co_action_s') / 60.0,
            case when groups.targets = 1 then '1 person' else format('{:,} people', groups.targets) end,
            getvariable('evidence_days'),
            100.0 * groups.answered / (groups.accounts * groups.posts), groups.posts
        ) as group_evidence
    from core_edges
    join groups using (component)
)

select * from final
order by group_key, actor_id, target_user_id
