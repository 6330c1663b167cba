-- How well the day's score and each of its signals track the generator's latent influence:
-- Spearman's rank correlation over honest users who post, one row a measure.
-- Spearman is the Pearson correlation of average ranks: tied values share the middle of
-- the ranks they span, so a crowd tied at 0 on a signal counts as one block, not an order.
-- raw_score stands for the score: it orders users the same way without the ties that
-- rounding to two decimals adds.
-- Honest posters: truth kind 'honest' with no gaming scenario, and at least one post in the
-- day's 90-day window; lurkers, fake accounts, gaming customers and viral users have
-- influence that the generator sets aside from their activity, so they would blur the test.
-- Input views: scores, user_features (the warehouse's), truth (the generator's users).
-- Variable: eval_date.
with

scores as (
    select * from scores
),

user_features as (
    select * from user_features
),

truth as (
    select * from truth
),

measure_names (measure, position) as (
    values ('raw_score', 1), ('reach', 2), ('amplification', 3), ('network_impact', 4),
        ('audience', 5)
),

honest_posters as (
    select
        scores.user_id,
        truth.influence::double as influence,
        scores.raw_score::double as raw_score,
        user_features.reach::double as reach,
        user_features.amplification::double as amplification,
        user_features.network_impact::double as network_impact,
        user_features.audience::double as audience
    from scores
    join user_features
        on user_features.user_id = scores.user_id
        and user_features.feature_date = scores.score_date
    join truth on truth.user_id = scores.user_id
    where scores.score_date = getvariable('eval_date')
        and truth.kind = 'honest'
        and truth.scenario = 'none'
        and user_features.posts > 0
),

measures as (
    unpivot honest_posters
    on raw_score, reach, amplification, network_impact, audience
    into name measure value value
),

ranked as (
    select
        measure,
        rank() over (partition by measure order by value)
            + (count(*) over (partition by measure, value) - 1) / 2.0 as value_rank,
        rank() over (partition by measure order by influence)
            + (count(*) over (partition by measure, influence) - 1) / 2.0 as influence_rank
    from measures
),

correlations as (
    select measure, count(*) as users, corr(value_rank, influence_rank) as spearman
    from ranked
    group by measure
),

final as (
    select
        measure_names.measure,
        coalesce(correlations.users, 0) as users,
        correlations.spearman
    from measure_names
    left join correlations using (measure)
    order by measure_names.position
)

select * from final
