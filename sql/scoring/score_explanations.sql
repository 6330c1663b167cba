-- Why each user's score is what it is, and why it moved since yesterday: one row a user.
-- Contributions: each signal's points (graded.sql; they add up to the raw score) and its
-- share of the raw score (null at raw score 0).
-- The move: the curve is relative, so a score moves when the user's own signals move or
-- when everyone else's do. Yesterday's four signals are priced at today's scales (today's
-- points per ln(1 + signal), the same for every user of a day: the weight over the
-- signal's p99) into prev_raw_score_repriced, and that raw score is placed on today's
-- curve: linear between the two nearest raw scores graded today, 1 below every graded
-- user (and at raw score 0), 100 above all of them. That is score_if_unchanged, the score
-- the user would have today had their own signals not moved.
--   own_change  = score - score_if_unchanged         their own signals moved
--   curve_shift = score_if_unchanged - prev_score    everyone else moved (and with them
--                                                    each signal's p99 scale)
-- The two add up to delta_1d. <signal>_points_change is today's points minus yesterday's
-- signal at today's scale: only what the user's own signal did, so its sign is the
-- signal's. explanation says it in a sentence, the biggest cause first; a user not
-- scored yesterday (or the first day of all) gets a sentence saying so.
-- Input views: scores, graded, user_features (today); prev_graded, prev_user_features
-- (yesterday; empty on the first day). Variable: score_date.
with

scores as (
    select * from scores
),

graded as (
    select * from graded
),

user_features as (
    select * from user_features
),

prev_graded as (
    select * from prev_graded
),

prev_user_features as (
    select * from prev_user_features
),

-- Points per ln(1 + signal): the weight over the day's p99 scale, equal for every user.
prices as (
    select
        max(graded.reach_points / ln(1 + user_features.reach))
            filter (where user_features.reach > 0) as reach_price,
        max(graded.amplification_points / ln(1 + user_features.amplification))
            filter (where user_features.amplification > 0) as amplification_price,
        max(graded.network_impact_points / ln(1 + user_features.network_impact))
            filter (where user_features.network_impact > 0) as network_impact_price,
        max(graded.audience_points / ln(1 + user_features.audience))
            filter (where user_features.audience > 0) as audience_price
    from graded
    join user_features using (user_id)
),

today as (
    select
        scores.user_id,
        scores.score,
        scores.percentile,
        scores.delta_1d,
        graded.raw_score,
        graded.reach_points,
        graded.amplification_points,
        graded.network_impact_points,
        graded.audience_points,
        user_features.reach,
        user_features.amplification,
        user_features.network_impact,
        user_features.audience,
        prev_graded.user_id is not null as scored_yesterday,
        prev_graded.score as prev_score,
        prev_graded.raw_score as prev_raw_score,
        prev_user_features.reach as prev_reach,
        prev_user_features.amplification as prev_amplification,
        prev_user_features.network_impact as prev_network_impact,
        prev_user_features.audience as prev_audience,
        -- Yesterday's signal at today's price; yesterday's points when either is missing
        -- (a signal nobody has today has no price).
        coalesce(ln(1 + prev_user_features.reach) * prices.reach_price, prev_graded.reach_points)
            as prev_reach_repriced,
        coalesce(
            ln(1 + prev_user_features.amplification) * prices.amplification_price,
            prev_graded.amplification_points
        ) as prev_amplification_repriced,
        coalesce(
            ln(1 + prev_user_features.network_impact) * prices.network_impact_price,
            prev_graded.network_impact_points
        ) as prev_network_impact_repriced,
        coalesce(
            ln(1 + prev_user_features.audience) * prices.audience_price,
            prev_graded.audience_points
        ) as prev_audience_repriced
    from scores
    join graded using (user_id)
    join user_features using (user_id)
    left join prev_graded using (user_id)
    left join prev_user_features using (user_id)
    cross join prices
),

changes as (
    select
        *,
        reach_points - prev_reach_repriced as reach_points_change,
        amplification_points - prev_amplification_repriced as amplification_points_change,
        network_impact_points - prev_network_impact_repriced as network_impact_points_change,
        audience_points - prev_audience_repriced as audience_points_change,
        round(
            prev_reach_repriced + prev_amplification_repriced + prev_network_impact_repriced
                + prev_audience_repriced,
            12
        ) as prev_raw_score_repriced
    from today
),

-- Today's curve as raw score -> score, over the users graded above the floor.
curve_points as (
    select raw_score, min(score) as score
    from graded
    where raw_score > 0
    group by raw_score
),

placed as (
    select
        changes.*,
        case
            when not changes.scored_yesterday then null
            when changes.prev_raw_score_repriced <= 0 or below.raw_score is null then 1.0
            when above.raw_score is null then 100.0
            when above.raw_score = below.raw_score then below.score
            else round(
                below.score + (above.score - below.score)
                    * (changes.prev_raw_score_repriced - below.raw_score)
                    / (above.raw_score - below.raw_score),
                2
            )
        end as score_if_unchanged
    from changes
    asof left join curve_points as below
        on changes.prev_raw_score_repriced >= below.raw_score
    asof left join curve_points as above
        on changes.prev_raw_score_repriced <= above.raw_score
),

split as (
    select
        *,
        round(score - score_if_unchanged, 2) + 0.0 as own_change,
        round(score_if_unchanged - prev_score, 2) + 0.0 as curve_shift
    from placed
),

-- For the sentence, per user: the three signals whose points moved most (by at least
-- 0.0005, with both days' values known), and the signal with the most points. Built as
-- lists on each row rather than a row a signal grouped back by user: at 1M users that
-- grouping was most of the step. On the row itself, not joined back: at 10M users that
-- join moved every row's columns once more.
reasons as (
    select
        *,
        nullif(array_to_string(
            list_transform(
                list_sort(list_filter(
                    [
                        {
                            'key': -abs(reach_points_change), 'signal_order': 1,
                            'text': 'reach ' || format('{:+.3f}', reach_points_change)
                                || ' points, people reached '
                                || format('{:,.0f}', prev_reach::double) || ' → '
                                || format('{:,.0f}', reach::double)
                        },
                        {
                            'key': -abs(amplification_points_change), 'signal_order': 2,
                            'text': 'amplification '
                                || format('{:+.3f}', amplification_points_change)
                                || ' points, reactions per item '
                                || format('{:.2f}', prev_amplification::double) || ' → '
                                || format('{:.2f}', amplification::double)
                        },
                        {
                            'key': -abs(network_impact_points_change), 'signal_order': 3,
                            'text': 'network_impact '
                                || format('{:+.3f}', network_impact_points_change)
                                || ' points, standing-weighted reactions '
                                || format('{:.2f}', prev_network_impact::double) || ' → '
                                || format('{:.2f}', network_impact::double)
                        },
                        {
                            'key': -abs(audience_points_change), 'signal_order': 4,
                            'text': 'audience ' || format('{:+.3f}', audience_points_change)
                                || ' points, net new followers '
                                || format('{:,.0f}', prev_audience::double) || ' → '
                                || format('{:,.0f}', audience::double)
                        }
                    ],
                    lambda move: move.key <= -0.0005 and move.text is not null
                ))[1:3],
                lambda move: move.text
            ),
            '; '
        ), '') as reasons,
        greatest(reach_points, amplification_points, network_impact_points, audience_points)
            as top_points,
        case top_points
            when reach_points then 'reach'
            when amplification_points then 'amplification'
            when network_impact_points then 'network_impact'
            else 'audience'
        end as main_signal,
        top_points / nullif(raw_score, 0) as main_signal_share
    from split
),

sentences as (
    select
        *,
        case
            when raw_score > 0
                then 'score ' || format('{:.2f}', score) || ', mostly from '
                    || main_signal || ' ('
                    || format('{:.0f}', 100 * main_signal_share) || '% of the raw score)'
            else 'score 1, the floor: nobody has acted on them in the last 90 days'
        end as standing,
        case
            when own_change = 0 and reasons is null
                then 'their own signals did not change'
            else format('{:+.2f}', own_change) || ' from their own signals ('
                || coalesce(reasons, 'no signal moved by 0.0005 points') || ')'
        end as own_part,
        case
            when curve_shift = 0 then 'the curve did not move them'
            else format('{:+.2f}', curve_shift)
                || ' from the curve, as the rest of the population moved'
        end as curve_part
    from reasons
),

final as (
    select
        user_id,
        getvariable('score_date') as score_date,
        score,
        percentile,
        delta_1d,
        raw_score,
        reach_points,
        amplification_points,
        network_impact_points,
        audience_points,
        round(reach_points / nullif(raw_score, 0), 4) as reach_share,
        round(amplification_points / nullif(raw_score, 0), 4) as amplification_share,
        round(network_impact_points / nullif(raw_score, 0), 4) as network_impact_share,
        round(audience_points / nullif(raw_score, 0), 4) as audience_share,
        round(reach_points_change, 6) as reach_points_change,
        round(amplification_points_change, 6) as amplification_points_change,
        round(network_impact_points_change, 6) as network_impact_points_change,
        round(audience_points_change, 6) as audience_points_change,
        prev_score,
        prev_raw_score,
        prev_raw_score_repriced,
        score_if_unchanged,
        own_change,
        curve_shift,
        case
            when not exists (select 1 from prev_graded)
                then 'first day of scores, so there is no yesterday to compare with; ' || standing
            when not scored_yesterday
                then 'new today (not scored yesterday), so there is no change to explain; '
                    || standing
            when raw_score = 0 and prev_raw_score = 0
                then 'score unchanged at the floor of 1: nobody has acted on them in the last '
                    || '90 days'
            else
                case when delta_1d = 0 then 'score unchanged at ' || format('{:.2f}', score)
                    else 'score ' || format('{:+.2f}', delta_1d) || ' ('
                        || format('{:.2f}', prev_score) || ' → ' || format('{:.2f}', score)
                        || ')'
                end || ': '
                || case when abs(curve_shift) > abs(own_change)
                    then curve_part || '; ' || own_part
                    else own_part || '; ' || curve_part
                end
        end as explanation
    from sentences
)

select * from final
order by user_id
