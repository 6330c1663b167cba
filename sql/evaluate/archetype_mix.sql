-- The archetype mix among the users graded on eval_date (raw score above 0: the floor's
-- users have no measured style), one row a style that occurs, largest first.
-- Input view: scores (the warehouse's). Variable: eval_date.
with

scores as (
    select * from scores
),

graded as (
    select * from scores
    where score_date = getvariable('eval_date') and raw_score > 0
),

final as (
    select
        archetype,
        count(*) as users,
        count(*) / sum(count(*)) over () as share
    from graded
    group by archetype
    order by users desc, archetype
)

select * from final
