-- Does posting a lot buy a score that influence does not earn? Among the honest posters of
-- eval_date (as for Spearman: kind 'honest', no scenario, a post in the 90-day window),
-- each account's percentile by raw score and by latent influence; then, per group, the
-- median of each. One row a group:
--   volume_posters     the accounts the generator labelled volume posters (they post a
--                      lot and move few); a world without them gives 0 users
--   top_decile_posts   the honest posters that 90% or more of the others out-post
--                      (percent_rank of posts >= 0.9), whatever their label, so worlds
--                      without labels are measured too
-- The target: a group's median score percentile no higher than its median influence one.
-- A percentile is 100 * (average rank - 1) / (posters - 1): the share of the other posters
-- below, ties counting half, so a tie block sits in its middle as in spearman.sql.
-- Input views: scores, user_features (the warehouse's), truth (evaluate/truth.sql).
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

group_names (population, position) as (
    values ('volume_posters', 1), ('top_decile_posts', 2)
),

honest_posters as (
    select
        scores.user_id,
        scores.raw_score,
        truth.influence,
        truth.lookalike,
        user_features.posts
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

ranked as (
    select
        user_id,
        lookalike,
        percent_rank() over (order by posts) as posts_rank,
        100 * (
            rank() over (order by raw_score) + (count(*) over (partition by raw_score) - 1) / 2.0
            - 1
        ) / nullif(count(*) over () - 1, 0) as score_percentile,
        100 * (
            rank() over (order by influence) + (count(*) over (partition by influence) - 1) / 2.0
            - 1
        ) / nullif(count(*) over () - 1, 0) as influence_percentile,
        count(*) over () as posters
    from honest_posters
),

members as (
    select 'volume_posters' as population, *
    from ranked
    where lookalike = 'volume_poster'
    union all
    select 'top_decile_posts', *
    from ranked
    where posts_rank >= 0.9
),

medians as (
    select
        population,
        count(*) as users,
        median(score_percentile) as median_score_percentile,
        median(influence_percentile) as median_influence_percentile
    from members
    group by population
),

final as (
    select
        group_names.population,
        (select count(*) from honest_posters) as honest_posters,
        coalesce(medians.users, 0) as users,
        medians.median_score_percentile,
        medians.median_influence_percentile
    from group_names
    left join medians using (population)
    order by group_names.position
)

select * from final
