-- The grading curve of a day beside the day before's: the score at every percentile of the
-- users graded (0, 1, ..., 100), one row a percentile. yesterday_score is null on the
-- first day. Input views: scores_today, scores_yesterday (the days' scores files).
with

today as (
    select quantile_cont(score, list_transform(range(0, 101), lambda p: p / 100)) as scores
    from scores_today
),

yesterday as (
    select quantile_cont(score, list_transform(range(0, 101), lambda p: p / 100)) as scores
    from scores_yesterday
),

final as (
    select
        percentile,
        today.scores[percentile + 1] as today_score,
        yesterday.scores[percentile + 1] as yesterday_score
    from range(0, 101) as percentiles (percentile)
    cross join today
    cross join yesterday
)

select * from final
order by percentile
