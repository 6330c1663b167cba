-- The latest day's ten highest-scored users.
with

scores as (
    select * from scores
),

final as (
    select user_id, score, percentile, archetype, delta_1d
    from scores
    where score_date = (select max(score_date) from scores)
    order by score desc, user_id
    limit 10
)

select * from final
