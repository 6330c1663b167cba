-- How much scores move from one day to the next, over the last `steady_days` days up to
-- eval_date: the median and 99th percentile of |delta_1d|, for steady users and for all
-- graded users, one row a population.
-- Steady users: on each of those days they were graded (raw score above 0, so neither side
-- of the delta is the floor) with a delta_1d, and active (gave at least one action, so
-- last_active is that day). Their own behaviour is regular, so a big move of theirs comes
-- from the curve or from the people reacting to them, which is what this figure watches.
-- The warehouse holds 90-day window sums, not daily counts, so regularity is judged by
-- days active rather than by a band of daily volume.
-- All graded users: every graded user with a delta_1d on one of those days.
-- A user-day is one delta; a window with fewer published days has no steady users.
-- Input views: scores, user_features (the warehouse's). Variables: eval_date, steady_days.
with

scores as (
    select * from scores
),

user_features as (
    select * from user_features
),

population_names (population, position) as (
    values ('steady', 1), ('graded', 2)
),

recent as (
    select
        scores.user_id,
        scores.score_date,
        scores.raw_score,
        scores.delta_1d,
        coalesce(user_features.last_active = scores.score_date, false) as active
    from scores
    left join user_features
        on user_features.user_id = scores.user_id
        and user_features.feature_date = scores.score_date
    where scores.score_date > getvariable('eval_date') - getvariable('steady_days')::integer
        and scores.score_date <= getvariable('eval_date')
),

graded_deltas as (
    select * from recent
    where raw_score > 0 and delta_1d is not null
),

steady_users as (
    select user_id
    from graded_deltas
    where active
    group by user_id
    having count(*) = getvariable('steady_days')
),

deltas as (
    select 'steady' as population, user_id, abs(delta_1d) as abs_delta
    from graded_deltas
    semi join steady_users using (user_id)
    union all
    select 'graded', user_id, abs(delta_1d)
    from graded_deltas
),

figures as (
    select
        population,
        count(distinct user_id) as users,
        count(*) as deltas,
        median(abs_delta) as median_abs_delta,
        quantile_cont(abs_delta, 0.99) as p99_abs_delta
    from deltas
    group by population
),

final as (
    select
        population_names.population,
        getvariable('eval_date') - getvariable('steady_days')::integer + 1 as first_day,
        getvariable('eval_date') as last_day,
        coalesce(figures.users, 0) as users,
        coalesce(figures.deltas, 0) as deltas,
        figures.median_abs_delta,
        figures.p99_abs_delta
    from population_names
    left join figures using (population)
    order by population_names.position
)

select * from final
