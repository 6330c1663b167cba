-- One row per user active or acted upon on the day: what they gave, what they received.
-- Klout's rules shape the received side: reactions are counted per (giver, receiver) pair,
-- and a giver's reactions are discounted by how many they gave that day, so 100 reactions
-- from 100 people are worth far more than 100 from one.
-- The held_out_* columns are the part that came from gaming groups' pairs (groups.py): the
-- score leaves it out, the would-be score keeps it.
-- Input views: day_events (the day's accepted events, or a shard's: those its users gave or
-- received), reaction_pairs (reaction_pairs.sql), giver_volume (giver_volume.sql, from the
-- whole day), prev_scores (yesterday's scores), held_out (actor_id, target_user_id: the
-- pairs held out of the score today), item_reactivity (item_reactivity.sql, from the whole
-- day: what a reply and a re-share draw on each network, relative to a post).
-- Variable: unscored_standing (the standing of a giver who has no score yet).
with

day_events as (
    select * from day_events
),

prev_scores as (
    select * from prev_scores
),

held_out as (
    select actor_id, target_user_id from held_out
),

item_reactivity as (
    select * from item_reactivity
),

given as (
    select
        actor_id as user_id,
        count(*) filter (where action = 'post') as posts,
        count(*) filter (where action = 'reply') as replies,
        count(*) filter (where action = 'share') as shares,
        count(*) filter (where action = 'like') as likes,
        count(*) filter (where action = 'mention') as mentions,
        count(*) filter (where action = 'follow') as follows,
        count(*) filter (where action = 'unfollow') as unfollows,
        count(*) as actions_given
    from day_events
    group by actor_id
),

-- The items that could draw reactions: every post, and each reply and re-share as the
-- share of a post that such items draw on its network today (item_reactivity.sql).
eligible as (
    select
        day_events.actor_id as user_id,
        stable_sum(case day_events.action
            when 'post' then 1.0
            when 'reply' then coalesce(item_reactivity.reply_weight, 1.0)
            when 'share' then coalesce(item_reactivity.share_weight, 1.0)
        end) as eligible_items
    from day_events
    left join item_reactivity using (network)
    where day_events.action in ('post', 'reply', 'share')
    group by day_events.actor_id
),

-- Self-interactions never count as influence. from_scored: the actor was above the floor
-- yesterday (made an item, or someone acted on them): Klout's audience left out inactive and
-- spam accounts, and an account nobody engages and that makes nothing is one of those.
received_events as (
    select
        day_events.target_user_id as user_id,
        day_events.actor_id,
        day_events.action,
        held_out.actor_id is not null as is_held_out,
        coalesce(prev_scores.score, 1.0) > 1.0 as from_scored
    from day_events
    left join held_out
        on held_out.actor_id = day_events.actor_id
        and held_out.target_user_id = day_events.target_user_id
    left join prev_scores on prev_scores.user_id = day_events.actor_id
    where day_events.target_user_id is not null
        and day_events.target_user_id <> day_events.actor_id
),

received as (
    select
        user_id,
        count(*) filter (where action = 'like') as likes_received,
        count(*) filter (where action = 'share') as shares_received,
        count(*) filter (where action = 'reply') as replies_received,
        count(*) filter (where action = 'mention') as mentions_received,
        count(*) filter (where action = 'follow') as follows_received,
        count(*) filter (where action = 'unfollow') as unfollows_received,
        count(*) filter (where action = 'follow' and is_held_out) as held_out_follows,
        count(*) filter (where action = 'follow' and from_scored) as follows_from_scored,
        count(*) filter (where action = 'unfollow' and from_scored) as unfollows_from_scored,
        count(*) filter (where action = 'follow' and from_scored and is_held_out)
            as held_out_follows_from_scored
    from received_events
    group by user_id
),

reaction_pairs as (
    select * from reaction_pairs
),

giver_volume as (
    select actor_id, given_that_day from giver_volume
),

-- A pair's reactions on every network together: the discount is per person.
pairs as (
    select
        user_id,
        actor_id,
        sum(reactions) as reactions_in_pair,
        bool_or(is_held_out) as is_held_out
    from reaction_pairs
    group by user_id, actor_id
),

weighted_pairs as (
    select
        pairs.user_id,
        pairs.actor_id,
        pairs.reactions_in_pair,
        pairs.is_held_out,
        -- sqrt(k / n): one giver adds at most 1 to a receiver a day, and less the more
        -- widely they hand out reactions.
        sqrt(pairs.reactions_in_pair / giver_volume.given_that_day) as pair_weight,
        coalesce(prev_scores.score / 100.0, getvariable('unscored_standing')) as giver_standing
    from pairs
    join giver_volume using (actor_id)
    left join prev_scores on prev_scores.user_id = pairs.actor_id
),

engagement as (
    select
        user_id,
        count(*) as distinct_engagers,
        sum(reactions_in_pair) as reactions_received,
        -- stable_sum (engine.connect): a rerun gives identical rows, whatever order a
        -- parallel sum meets them in.
        stable_sum(pair_weight) as weighted_reactions,
        stable_sum(pair_weight * giver_standing) as impact,
        sum(reactions_in_pair) filter (where is_held_out) as held_out_reactions,
        stable_sum(case when is_held_out then pair_weight end) as held_out_weighted_reactions,
        stable_sum(case when is_held_out then pair_weight * giver_standing end)
            as held_out_impact
    from weighted_pairs
    group by user_id
),

users as (
    select user_id from given
    union
    select user_id from received
),

final as (
    select
        users.user_id,
        coalesce(given.posts, 0) as posts,
        coalesce(given.replies, 0) as replies,
        coalesce(given.shares, 0) as shares,
        coalesce(given.likes, 0) as likes,
        coalesce(given.mentions, 0) as mentions,
        coalesce(given.follows, 0) as follows,
        coalesce(given.unfollows, 0) as unfollows,
        coalesce(given.actions_given, 0) as actions_given,
        coalesce(given.posts + given.replies + given.shares, 0) as content_items,
        coalesce(eligible.eligible_items, 0.0) as eligible_items,
        coalesce(received.likes_received, 0) as likes_received,
        coalesce(received.shares_received, 0) as shares_received,
        coalesce(received.replies_received, 0) as replies_received,
        coalesce(received.mentions_received, 0) as mentions_received,
        coalesce(received.follows_received, 0) as follows_received,
        coalesce(received.unfollows_received, 0) as unfollows_received,
        coalesce(engagement.reactions_received, 0) as reactions_received,
        coalesce(engagement.distinct_engagers, 0) as distinct_engagers,
        coalesce(engagement.weighted_reactions, 0.0) as weighted_reactions,
        coalesce(engagement.impact, 0.0) as impact,
        coalesce(engagement.held_out_reactions, 0) as held_out_reactions,
        coalesce(engagement.held_out_weighted_reactions, 0.0) as held_out_weighted_reactions,
        coalesce(engagement.held_out_impact, 0.0) as held_out_impact,
        coalesce(received.held_out_follows, 0) as held_out_follows,
        coalesce(received.follows_from_scored, 0) as follows_from_scored,
        coalesce(received.unfollows_from_scored, 0) as unfollows_from_scored,
        coalesce(received.held_out_follows_from_scored, 0) as held_out_follows_from_scored,
        -- Summed over the window with actions_given, it gives the variation of daily
        -- activity (casual / consistent) without keeping the days.
        coalesce(given.actions_given, 0) * coalesce(given.actions_given, 0)
            as actions_given_squared,
        cast(coalesce(given.actions_given, 0) > 0 as integer) as active_days,
        1 as present_days
    from users
    left join given using (user_id)
    left join eligible using (user_id)
    left join received using (user_id)
    left join engagement using (user_id)
)

select * from final
