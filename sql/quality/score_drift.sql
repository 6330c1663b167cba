-- How far today's scores moved from yesterday's, as one row for the data-quality suite.
-- ks_statistic: the largest gap between the two days' distributions of graded scores
-- (users above the floor; 0 when there is no yesterday): the curve should keep it small
-- whatever the users did.
-- graded_median, graded_p95: where the curve put the graded users today.
-- floor_share: the share of users nobody acted on (score 1).
-- curve_violations: users scored below someone with a lower raw score, plus raw scores
-- that got more than one score; the curve must make it 0.
-- abs_delta_*: how much individual users moved, for users scored on both days.
-- Input views: today_scores, prev_scores.
with

today_scores as (
    select * from today_scores
),

prev_scores as (
    select * from prev_scores
),

points as (
    select score, 1 as from_today from today_scores where raw_score > 0
    union all
    select score, 0 from prev_scores where raw_score > 0
),

totals as (
    select
        count(*) filter (where from_today = 1) as users_today,
        count(*) filter (where from_today = 0) as users_yesterday
    from points
),

steps as (
    select score, sum(from_today) as today_count, sum(1 - from_today) as prev_count
    from points
    group by score
),

cdfs as (
    select
        sum(today_count) over (order by score) / nullif(users_today, 0) as cdf_today,
        sum(prev_count) over (order by score) / nullif(users_yesterday, 0) as cdf_yesterday
    from steps
    cross join totals
),

ordered as (
    select score, lag(score) over (order by raw_score, score) as score_below
    from today_scores
),

violations as (
    select
        (select count(*) from ordered where score < score_below)
        + (
            select count(*) from (
                select raw_score from today_scores
                group by raw_score
                having count(distinct score) > 1
            )
        ) as curve_violations
),

moves as (
    select abs(today_scores.score - prev_scores.score) as abs_delta
    from today_scores
    join prev_scores using (user_id)
),

final as (
    select
        totals.users_today,
        totals.users_yesterday,
        case when totals.users_yesterday = 0 then 0.0
            else (select max(abs(cdf_today - cdf_yesterday)) from cdfs) end as ks_statistic,
        coalesce((select median(abs_delta) from moves), 0.0) as abs_delta_median,
        coalesce((select quantile_cont(abs_delta, 0.99) from moves), 0.0) as abs_delta_p99,
        (select median(score) from today_scores where raw_score > 0) as graded_median,
        (select quantile_cont(score, 0.95) from today_scores where raw_score > 0) as graded_p95,
        (select avg(cast(raw_score = 0 as double)) from today_scores) as floor_share,
        (select curve_violations from violations) as curve_violations
    from totals
)

select * from final
