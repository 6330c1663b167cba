-- Bought followers drip-fed over days: the pairs of people followed together
-- (follow_pairs.sql), joined into groups of customers (connected components). A member is
-- an account with no audience that followed 2 or more of the group's people, and whose
-- follows of the window went min_follow_focus or more to them (a pool's account follows
-- its customers and camouflage). A customer is one of the group's people followed by
-- min_lockstep_actors or more members, who make min_customer_share or more of its
-- followers without an audience in the window (what it bought is most of who came). A
-- celebrity's new followers have audiences, or follow widely: neither is a member.
-- Input views: week, has_audience, already_grouped, components (node, component).
-- Variables: min_lockstep_actors, min_follow_focus, min_customer_share, evidence_days.
with

week as (
    select * from week
),

components as (
    select * from components
),

follows as (
    select actor_id, target_user_id, actions
    from week
    where kind = 'follow'
        and actor_id not in (select user_id from has_audience)
        and actor_id not in (select user_id from already_grouped)
),

given as (
    select actor_id, count(*) as follows
    from follows
    group by actor_id
),

in_groups as (
    select follows.*, components.component
    from follows
    join components on components.node = follows.target_user_id
),

members as (
    select in_groups.actor_id, in_groups.component, count(*) as follows
    from in_groups
    join given using (actor_id)
    group by in_groups.actor_id, in_groups.component
    having count(*) >= 2
        and count(*) >= getvariable('min_follow_focus') * any_value(given.follows)
),

member_edges as (
    select in_groups.*
    from in_groups
    semi join members using (actor_id, component)
),

followers as (
    select target_user_id, count(*) as followers
    from follows
    group by target_user_id
),

customers as (
    select member_edges.component, member_edges.target_user_id
    from member_edges
    join followers using (target_user_id)
    group by member_edges.component, member_edges.target_user_id
    having count(*) >= getvariable('min_lockstep_actors')
        and count(*) >= getvariable('min_customer_share') * any_value(followers.followers)
),

grouped as (
    select member_edges.*
    from member_edges
    semi join customers using (component, target_user_id)
),

groups as (
    select
        component,
        count(distinct actor_id) as accounts,
        count(distinct target_user_id) as customers,
        count(*) as follows
    from grouped
    group by component
    having count(distinct actor_id) >= getvariable('min_lockstep_actors')
),

final as (
    select
        'follower_lockstep' as rule,
        'week:' || groups.component as group_key,
        grouped.actor_id,
        grouped.target_user_id,
        grouped.actions,
        format(
            '{:,} accounts that nobody engages (no audience of their own in 90 days) followed '
            || 'the same {} people {:,} times over the last {} days, each following 2 or more '
            || 'of them and giving them {:.0f}% or more of its follows; they are {:.0f}% or '
            || 'more of each one''s new followers without an audience',
            groups.accounts, groups.customers, groups.follows, getvariable('evidence_days'),
            100 * getvariable('min_follow_focus'), 100 * getvariable('min_customer_share')
        ) as group_evidence
    from grouped
    join groups using (component)
)

select * from final
order by group_key, actor_id, target_user_id
