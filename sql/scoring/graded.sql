-- The raw score and its grade on the population curve.
-- raw_score: a weighted sum of log-scaled signals, each divided by its population 99th
-- percentile so the weights mean what they say whatever the data set's scale.
-- percentile: the share of all users with a lower raw score (ties share a percentile).
-- score: users nobody acted on in the window (raw score 0) get the floor, 1. Everyone
-- else is graded among the users with a measurable signal: their rank there (tied users
-- share the middle of the ranks they span) is mapped through the published curve (README). The floor's share of users changes from day to
-- day (a news day brings many new listeners); grading above it keeps the curve steady.
-- delta_1d, delta_5d: the change since the score of 1 and 5 days before (null when the
-- user had none then), as Klout's API published them.
-- Input views: user_features, prev_scores, scores_5d_ago. Variables: model_version and the
-- four signal weights (reach_weight, amplification_weight, network_impact_weight,
-- audience_weight).
with

user_features as (
    select * from user_features
),

prev_scores as (
    select * from prev_scores
),

scores_5d_ago as (
    select * from scores_5d_ago
),

logged as (
    select
        user_id,
        ln(1 + reach) as log_reach,
        ln(1 + amplification) as log_amplification,
        ln(1 + network_impact) as log_network_impact,
        ln(1 + audience) as log_audience,
        ln(1 + coalesce(reach_with_held_out, reach)) as would_be_log_reach,
        ln(1 + coalesce(amplification_with_held_out, amplification))
            as would_be_log_amplification,
        ln(1 + coalesce(network_impact_with_held_out, network_impact))
            as would_be_log_network_impact,
        ln(1 + coalesce(audience_with_held_out, audience)) as would_be_log_audience
    from user_features
),

scales as (
    select
        coalesce(quantile_cont(log_reach, 0.99) filter (where log_reach > 0), 1) as reach_scale,
        coalesce(quantile_cont(log_amplification, 0.99) filter (where log_amplification > 0), 1)
            as amplification_scale,
        coalesce(quantile_cont(log_network_impact, 0.99) filter (where log_network_impact > 0), 1)
            as network_impact_scale,
        coalesce(quantile_cont(log_audience, 0.99) filter (where log_audience > 0), 1)
            as audience_scale
    from logged
),

contributions as (
    select
        logged.user_id,
        -- The model's weights (transforms/scoring.py, SIGNAL_WEIGHTS).
        getvariable('reach_weight') * log_reach / reach_scale as reach_points,
        getvariable('amplification_weight') * log_amplification / amplification_scale
            as amplification_points,
        getvariable('network_impact_weight') * log_network_impact / network_impact_scale
            as network_impact_points,
        getvariable('audience_weight') * log_audience / audience_scale as audience_points
    from logged
    cross join scales
),

raw as (
    select
        contributions.*,
        round(reach_points + amplification_points + network_impact_points + audience_points, 12)
            as raw_score,
        -- The raw score had the held-out engagement of gaming groups counted, at the same
        -- scales: equal to raw_score for everyone gaming did not touch.
        round(
            getvariable('reach_weight') * logged.would_be_log_reach / scales.reach_scale
            + getvariable('amplification_weight') * logged.would_be_log_amplification
                / scales.amplification_scale
            + getvariable('network_impact_weight') * logged.would_be_log_network_impact
                / scales.network_impact_scale
            + getvariable('audience_weight') * logged.would_be_log_audience
                / scales.audience_scale,
            12
        ) as would_be_raw_score
    from contributions
    join logged using (user_id)
    cross join scales
),

ranked as (
    select
        *,
        100.0 * percent_rank() over (order by raw_score) as percentile,
        -- Mid-rank: a block of tied users sits at the middle of the ranks it spans, so a
        -- crowd sharing one small signal is not pushed down to the floor's score.
        case when raw_score > 0 then 100.0 * (
            rank() over graded_order - 1
            + (count(*) over (partition by raw_score > 0, raw_score) - 1) / 2.0
        ) / greatest(count(*) over (partition by raw_score > 0) - 1, 1) end as graded_rank
    from raw
    window graded_order as (partition by raw_score > 0 order by raw_score)
),

-- Grading on a curve: median near 20, top 5% from 63, steeper climbs near the top.
curve (percentile_from, score_from) as (
    values (0.0, 1.0), (50.0, 20.0), (80.0, 40.0), (95.0, 63.0), (99.0, 80.0),
        (99.9, 92.0), (100.0, 100.0)
),

curve_segments as (
    select
        percentile_from,
        lead(percentile_from) over (order by percentile_from) as percentile_to,
        score_from,
        lead(score_from) over (order by percentile_from) as score_to
    from curve
),

graded as (
    select
        ranked.*,
        case when ranked.graded_rank is null then 1.0 else round(
            score_from + (score_to - score_from)
                * (ranked.graded_rank - percentile_from) / (percentile_to - percentile_from),
            2
        ) end as score
    from ranked
    left join curve_segments
        on ranked.graded_rank >= curve_segments.percentile_from
        and (
            ranked.graded_rank < curve_segments.percentile_to
            or (ranked.graded_rank = 100.0 and curve_segments.percentile_to = 100.0)
        )
),

-- Today's curve as raw score -> score, to place the would-be raw scores on.
curve_points as (
    select raw_score, min(score) as score
    from graded
    where raw_score > 0
    group by raw_score
),

-- The would-be score: the same as score when nothing was held out, else the would-be raw
-- score placed on today's curve, linear between its two nearest graded raw scores.
would_be as (
    select
        graded.user_id,
        case
            when graded.would_be_raw_score = graded.raw_score then graded.score
            when below.raw_score is null then 1.0
            when above.raw_score is null then 100.0
            when above.raw_score = below.raw_score then below.score
            else round(
                below.score + (above.score - below.score)
                    * (graded.would_be_raw_score - below.raw_score)
                    / (above.raw_score - below.raw_score),
                2
            )
        end as score_with_held_out
    from graded
    asof left join curve_points as below on graded.would_be_raw_score >= below.raw_score
    asof left join curve_points as above on graded.would_be_raw_score <= above.raw_score
),

final as (
    select
        graded.user_id,
        graded.raw_score,
        graded.percentile,
        graded.score,
        round(graded.score - prev_scores.score, 2) as delta_1d,
        round(graded.score - scores_5d_ago.score, 2) as delta_5d,
        graded.reach_points,
        graded.amplification_points,
        graded.network_impact_points,
        graded.audience_points,
        getvariable('model_version') as model_version,
        graded.would_be_raw_score as raw_score_with_held_out,
        would_be.score_with_held_out
    from graded
    join would_be using (user_id)
    left join prev_scores using (user_id)
    left join scores_5d_ago using (user_id)
)

select * from final
order by user_id
