-- Who acted on whose content that day, once per (user, network, engager): the input of the
-- 90-day reach, which counts distinct people, not engager-days.
-- pair_key names the (user, engager) pair whatever the network (the macro pair_key_of,
-- engine.py: a 128-bit md5), so the state step looks a day's pairs up in the window's
-- files by one number instead of two strings, five times faster (two different pairs
-- share a key with odds of 2^-128).
-- Unsorted: nothing reads the pairs in order, and a day at 100M events has tens of
-- millions of them.
-- reactions, weighted_reactions and impact are the pair's part of the user's daily sums
-- (daily_user.sql: the pair's weight sqrt(k / n), split over networks by its reactions
-- there): once a gaming group is caught, the state step sums them over the whole window
-- for the held-out pairs, so what the group gave before its catch leaves the score too.
-- Input views: reaction_pairs (reaction_pairs.sql), giver_volume (giver_volume.sql),
-- prev_scores (yesterday's scores). Variable: unscored_standing.
with

reaction_pairs as (
    select * from reaction_pairs
),

giver_volume as (
    select actor_id, given_that_day from giver_volume
),

prev_scores as (
    select * from prev_scores
),

pair_totals as (
    select user_id, actor_id, sum(reactions) as reactions_in_pair
    from reaction_pairs
    group by user_id, actor_id
),

final as (
    select
        reaction_pairs.user_id,
        reaction_pairs.network,
        reaction_pairs.actor_id as engager_id,
        pair_key_of(reaction_pairs.user_id, reaction_pairs.actor_id) as pair_key,
        reaction_pairs.reactions,
        sqrt(pair_totals.reactions_in_pair / giver_volume.given_that_day)
            * reaction_pairs.reactions / pair_totals.reactions_in_pair as weighted_reactions,
        sqrt(pair_totals.reactions_in_pair / giver_volume.given_that_day)
            * reaction_pairs.reactions / pair_totals.reactions_in_pair
            * coalesce(prev_scores.score / 100.0, getvariable('unscored_standing')) as impact
    from reaction_pairs
    join pair_totals using (user_id, actor_id)
    join giver_volume using (actor_id)
    left join prev_scores on prev_scores.user_id = reaction_pairs.actor_id
)

select * from final
