-- The features the score uses, per user and day: 90-day window sums, the four signals
-- (Klout's True Reach, Amplification, Network Impact, and a lightly weighted audience),
-- and the four style axes, each in [0, 1].
-- The signals leave out what gaming groups did (held_out_* in the state, and the held-out
-- pairs for reach); the *_with_held_out signals keep it, for the would-be score.
-- Input views: state (today's user_state), topic_state, reach (the 90-day reach,
-- sql/state/reach.sql). Variables: feature_date, window_days, prior_items.
with

state as (
    select * from state
),

-- Klout's True Reach, counted by the state step (reach.sql), and what the pairs held out
-- as gaming today gave over the whole window (held_out_window.sql).
window_reach as (
    select
        user_id,
        reach,
        reach_with_held_out,
        held_out_reactions as window_held_out_reactions,
        held_out_weighted_reactions as window_held_out_weighted_reactions,
        held_out_impact as window_held_out_impact
    from reach
),

topic_state as (
    select * from topic_state
),

topic_focus as (
    select
        user_id,
        max(mentions) / sum(mentions) as top_topic_share,
        arg_max(topic, mentions) as top_topic,
        count(*) as topics_used
    from topic_state
    group by user_id
),

-- Once a group is caught, everything it gave inside the window is held out, not only
-- what came after the catch (the window's lookup); the state's own sums, kept from the day
-- each pair was held out, cover days whose pairs were written before that lookup existed.
held_out as (
    select
        state.* replace (
            greatest(
                state.held_out_reactions, coalesce(window_reach.window_held_out_reactions, 0)
            ) as held_out_reactions,
            greatest(
                state.held_out_weighted_reactions,
                coalesce(window_reach.window_held_out_weighted_reactions, 0)
            ) as held_out_weighted_reactions,
            greatest(
                state.held_out_impact, coalesce(window_reach.window_held_out_impact, 0)
            ) as held_out_impact
        ),
        window_reach.reach,
        window_reach.reach_with_held_out
    from state
    left join window_reach using (user_id)
),

-- What each user's engagement sums to once the held-out part is left out. The held-out
-- part is summed pair by pair and the whole day by day, so the two can differ in the last
-- decimals: engagement held out whole leaves exactly 0.
engagement as (
    select
        held_out.* exclude (reach, reach_with_held_out),
        coalesce(held_out.reach, 0) as reach,
        coalesce(held_out.reach_with_held_out, 0) as reach_with_held_out,
        case when weighted_reactions - coalesce(held_out_weighted_reactions, 0) > 1e-6
            then weighted_reactions - coalesce(held_out_weighted_reactions, 0) else 0 end
            as counted_weighted_reactions,
        case when impact - coalesce(held_out_impact, 0) > 1e-6
            then impact - coalesce(held_out_impact, 0) else 0 end as counted_impact
    from held_out
),

-- The typical poster's rates today: what a rate from few items is shrunk towards.
priors as (
    select
        coalesce(median(counted_weighted_reactions / greatest(eligible_items, 1)), 0)
            as amplification_prior,
        coalesce(median(counted_impact / greatest(eligible_items, 1)), 0) as network_impact_prior
    from engagement
    where eligible_items > 0
),

signals as (
    select
        engagement.* exclude (counted_weighted_reactions, counted_impact),
        -- Reactions per item that could draw them (eligible_items: posts, and replies and
        -- re-shares as the share of a post such items draw on their network): posting
        -- more does not raise it, and talking or curating where those draw nothing does
        -- not lower it. A user who made items gets prior_items more at the typical
        -- poster's rate (empirical Bayes): one lucky or unlucky post says less than fifty.
        case when eligible_items > 0
            then (counted_weighted_reactions + getvariable('prior_items') * amplification_prior)
                / (eligible_items + getvariable('prior_items'))
            else counted_weighted_reactions end as amplification,
        -- The engaged audience's standing per item: who reacts, not how often one posts.
        case when eligible_items > 0
            then (counted_impact + getvariable('prior_items') * network_impact_prior)
                / (eligible_items + getvariable('prior_items'))
            else counted_impact end as network_impact,
        -- Net new followers who were above the floor the day they followed (Klout's audience
        -- left out inactive and spam accounts): bought followers, aged or not, are accounts
        -- nobody engages that make nothing, so buying them moves nothing here even where
        -- the purchase is never caught. Days from before v4 kept no such count (0).
        greatest(
            coalesce(follows_from_scored, 0) - coalesce(held_out_follows_from_scored, 0)
                - coalesce(unfollows_from_scored, 0),
            0
        ) as audience,
        case when eligible_items > 0
            then (weighted_reactions + getvariable('prior_items') * amplification_prior)
                / (eligible_items + getvariable('prior_items'))
            else weighted_reactions end as amplification_with_held_out,
        case when eligible_items > 0
            then (impact + getvariable('prior_items') * network_impact_prior)
                / (eligible_items + getvariable('prior_items'))
            else impact end as network_impact_with_held_out,
        greatest(
            coalesce(follows_from_scored, 0) - coalesce(unfollows_from_scored, 0), 0
        ) as audience_with_held_out
    from engagement
    cross join priors
),

axes as (
    select
        signals.*,
        topic_focus.top_topic,
        coalesce(topic_focus.topics_used, 0) as topics_used,
        coalesce((posts + replies + mentions + shares) / nullif(actions_given, 0), 0.0)
            as participating,
        coalesce(posts / nullif(posts + shares, 0), 0.0) as creating,
        -- Users who never tag a topic sit in the middle of broad / focused.
        coalesce(1.0 - topic_focus.top_topic_share, 0.5) as broad,
        -- 1 / (1 + coefficient of variation of the actions given each day of the window,
        -- idle days included): the same amount every day is 1; one busy day in thirty is
        -- 1 / (1 + sqrt(29)) = 0.16; a user who gave nothing is 0.
        coalesce(1.0 / (1.0 + sqrt(greatest(
            coalesce(actions_given_squared, 0) / getvariable('window_days')
                - pow(actions_given / getvariable('window_days'), 2),
            0.0
        )) / nullif(actions_given / getvariable('window_days'), 0)), 0.0) as consistent
    from signals
    left join topic_focus using (user_id)
),

final as (
    select
        user_id,
        getvariable('feature_date') as feature_date,
        * exclude (user_id, engagers_history, reactions_history, followers_history)
    from axes
)

select * from final
order by user_id
