-- Each account that acted on the day: how much, how fast, on how many people (fast_targets:
-- people it reacted to fast), and whether
-- it is fresh (first seen in the last fresh_days days, or never before today), and whether
-- it has no audience of its own (no_audience: at most no_audience_reactions reactions
-- received in the 90-day window up to yesterday, or never seen before; unknown, so false,
-- when the state does not say).
-- Input views: day_events, edges (day_edges.sql), known_accounts (user_id, first_seen,
-- reactions_received from yesterday's user_state). Variables: detect_date, fresh_days,
-- fast_response_s, no_audience_reactions.
with

day_events as (
    select * from day_events
),

edges as (
    select * from edges
),

known_accounts as (
    select * from known_accounts
),

given as (
    select actor_id, count(*) as actions_given
    from day_events
    group by actor_id
),

-- Per (actor, target) first, then per actor: two plain group-bys instead of two distinct
-- counts over the day's edges, which took most of the step at 100M events.
actor_targets as (
    select
        actor_id,
        target_user_id,
        count(*) filter (where action <> 'follow') as reactions,
        count(*) filter (
            where action <> 'follow' and response_s between 0 and getvariable('fast_response_s')
        ) as fast_reactions
    from edges
    group by actor_id, target_user_id
),

reacting as (
    select
        actor_id,
        sum(reactions) as reactions,
        sum(fast_reactions) as fast_reactions,
        count(*) filter (where fast_reactions > 0) as fast_targets,
        count(*) as targets
    from actor_targets
    group by actor_id
),

final as (
    select
        given.actor_id,
        given.actions_given,
        coalesce(reacting.reactions, 0) as reactions,
        coalesce(reacting.fast_reactions, 0) as fast_reactions,
        coalesce(reacting.fast_targets, 0) as fast_targets,
        coalesce(reacting.targets, 0) as targets,
        known_accounts.first_seen is null
            or known_accounts.first_seen
                > getvariable('detect_date') - getvariable('fresh_days')::integer as fresh,
        known_accounts.user_id is null
            or coalesce(
                known_accounts.reactions_received <= getvariable('no_audience_reactions'), false
            ) as no_audience
    from given
    left join reacting using (actor_id)
    left join known_accounts on known_accounts.user_id = given.actor_id
)

select * from final
