-- How the latest day's scores are spread.
with

scores as (
    select * from scores
),

latest as (
    select * from scores where score_date = (select max(score_date) from scores)
),

final as (
    select
        any_value(score_date) as score_date,
        count(*) as users,
        min(score) as min,
        quantile_cont(score, 0.25) as p25,
        median(score) as median,
        quantile_cont(score, 0.75) as p75,
        quantile_cont(score, 0.95) as p95,
        quantile_cont(score, 0.99) as p99,
        max(score) as max
    from latest
)

select * from final
