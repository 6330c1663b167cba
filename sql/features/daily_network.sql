-- One row per user and network on the day: the received side of daily_user.sql, measured on
-- each network alone, plus the content the user made there. A giver's discount still uses
-- everything they gave that day, on every network, so spreading reactions over networks
-- does not buy weight.
-- Input views: day_events (the day's accepted events, or a shard's), reaction_pairs
-- (reaction_pairs.sql), giver_volume (giver_volume.sql, from the whole day), prev_scores
-- (yesterday's scores), item_reactivity (item_reactivity.sql, from the whole day).
-- Variable: unscored_standing (the standing of a giver who has no score yet).
with

day_events as (
    select * from day_events
),

prev_scores as (
    select * from prev_scores
),

reaction_pairs as (
    select * from reaction_pairs
),

item_reactivity as (
    select * from item_reactivity
),

-- eligible_items: the items that could draw reactions, as in daily_user.sql.
made as (
    select
        day_events.actor_id as user_id,
        day_events.network,
        count(*) filter (where day_events.action in ('post', 'reply', 'share'))
            as content_items,
        stable_sum(case day_events.action
            when 'post' then 1.0
            when 'reply' then coalesce(item_reactivity.reply_weight, 1.0)
            when 'share' then coalesce(item_reactivity.share_weight, 1.0)
        end) as eligible_items,
        count(*) as actions_given
    from day_events
    left join item_reactivity using (network)
    group by day_events.actor_id, day_events.network
),

-- Self-interactions never count as influence.
received_events as (
    select target_user_id as user_id, network, actor_id, action
    from day_events
    where target_user_id is not null and target_user_id <> actor_id
),

follows as (
    select
        user_id,
        network,
        count(*) filter (where action = 'follow') as follows_received,
        count(*) filter (where action = 'unfollow') as unfollows_received
    from received_events
    group by user_id, network
),

giver_volume as (
    select actor_id, given_that_day from giver_volume
),

pairs as (
    select user_id, network, actor_id, reactions as reactions_in_pair
    from reaction_pairs
),

engagement as (
    select
        pairs.user_id,
        pairs.network,
        count(*) as distinct_engagers,
        sum(pairs.reactions_in_pair) as reactions_received,
        -- Summed like daily_user.sql, so a rerun gives identical rows.
        stable_sum(sqrt(pairs.reactions_in_pair / giver_volume.given_that_day))
            as weighted_reactions,
        stable_sum(
            sqrt(pairs.reactions_in_pair / giver_volume.given_that_day)
            * coalesce(prev_scores.score / 100.0, getvariable('unscored_standing'))
        ) as impact
    from pairs
    join giver_volume using (actor_id)
    left join prev_scores on prev_scores.user_id = pairs.actor_id
    group by pairs.user_id, pairs.network
),

user_networks as (
    select user_id, network from made
    union
    select user_id, network from follows
    union
    select user_id, network from engagement
),

final as (
    select
        user_networks.user_id,
        user_networks.network,
        coalesce(made.content_items, 0) as content_items,
        coalesce(made.eligible_items, 0.0) as eligible_items,
        coalesce(engagement.reactions_received, 0) as reactions_received,
        coalesce(engagement.distinct_engagers, 0) as distinct_engagers,
        coalesce(engagement.weighted_reactions, 0.0) as weighted_reactions,
        coalesce(engagement.impact, 0.0) as impact,
        coalesce(follows.follows_received, 0) as follows_received,
        coalesce(follows.unfollows_received, 0) as unfollows_received,
        cast(coalesce(made.actions_given, 0) > 0 as integer) as active_days,
        1 as present_days
    from user_networks
    left join made using (user_id, network)
    left join follows using (user_id, network)
    left join engagement using (user_id, network)
)

select * from final
