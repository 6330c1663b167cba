-- Bought followers (CatchSync-style): a burst of follows from fresh accounts that did
-- nothing else all day, packed into a few hours. A popular account's organic new followers
-- are established accounts, or new ones that also do other things.
-- Output: one row a (follower, followed) edge of each burst, with the group's evidence.
-- Input views: edges, actors. Variables: min_burst_follows, min_burst_share,
-- max_burst_span_hours, fresh_days.
with

edges as (
    select * from edges
),

actors as (
    select * from actors
),

follows as (
    select * from edges
    where action = 'follow'
),

single_purpose as (
    select follows.*
    from follows
    join actors using (actor_id)
    where actors.fresh and actors.actions_given = 1
),

received as (
    select target_user_id, count(*) as follows_received
    from follows
    group by target_user_id
),

burst_stats as (
    select
        target_user_id,
        count(*) as burst_follows,
        -- The middle 80% of the burst's follows: a bought batch lands within hours.
        (quantile_cont(epoch(ts), 0.9) - quantile_cont(epoch(ts), 0.1)) / 3600.0 as span_hours,
        any_value(network) as network
    from single_purpose
    group by target_user_id
),

bursts as (
    select burst_stats.*, received.follows_received
    from burst_stats
    join received using (target_user_id)
    where burst_follows >= getvariable('min_burst_follows')
        and burst_follows >= getvariable('min_burst_share') * follows_received
        and span_hours <= getvariable('max_burst_span_hours')
),

final as (
    select
        'follower_burst' as rule,
        bursts.target_user_id as group_key,
        single_purpose.actor_id,
        single_purpose.target_user_id,
        count(*) as actions,
        format(
            '{:,} follows on {} from accounts first seen in the last {} days that did nothing '
            || 'else today ({:.0f}% of the {:,} follows received), 80% of them within {:.1f} hours',
            any_value(bursts.burst_follows), any_value(bursts.network),
            getvariable('fresh_days'),
            100.0 * any_value(bursts.burst_follows) / any_value(bursts.follows_received),
            any_value(bursts.follows_received), any_value(bursts.span_hours)
        ) as group_evidence
    from bursts
    join single_purpose using (target_user_id)
    group by bursts.target_user_id, single_purpose.actor_id, single_purpose.target_user_id
)

select * from final
order by group_key, actor_id
