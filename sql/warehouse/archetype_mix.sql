-- How the latest day's users spread over the sixteen Klout archetypes: how many hold each
-- style, their share of everyone scored, and where their scores sit.
with

scores as (
    select archetype, score, delta_1d from latest.scores
),

final as (
    select
        archetype,
        count(*) as users,
        round(100.0 * count(*) / sum(count(*)) over (), 2) as share_of_users,
        round(median(score), 1) as median_score,
        round(quantile_cont(score, 0.9), 1) as p90_score,
        round(avg(delta_1d), 2) as average_delta_1d
    from scores
    group by archetype
)

select * from final
