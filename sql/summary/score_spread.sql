-- How the latest day's scores are spread: graded users on the curve, and the floor.
with

scores as (
    select * from scores
),

latest as (
    select * from scores where score_date = (select max(score_date) from scores)
),

graded as (
    select * from latest where raw_score > 0
),

final as (
    select
        (select any_value(score_date) from latest) as score_date,
        (select count(*) from latest) as users,
        (select count(*) from latest where raw_score = 0) as at_floor,
        count(*) as graded,
        quantile_cont(score, 0.25) as p25,
        median(score) as median,
        quantile_cont(score, 0.75) as p75,
        quantile_cont(score, 0.95) as p95,
        quantile_cont(score, 0.99) as p99,
        max(score) as max
    from graded
)

select * from final
