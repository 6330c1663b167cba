-- Every user's score on the latest published day, with what an analyst looks at first: the
-- rank, the archetype, the moves, the top topic, the signals, the gaming flags that touched
-- the score and the sentence that explains it. One row a user. Reads only the tables inside
-- the warehouse file (schema latest), so it works on a copy of the file alone.
with

scores as (
    select * from latest.scores
),

features as (
    select user_id, top_topic, reach, amplification, network_impact, audience
    from latest.user_features
),

explanations as (
    select user_id, explanation from latest.score_explanations
),

flags as (
    select
        user_id,
        count(*) as gaming_flags,
        array_to_string(list_sort(list(distinct rule)), ', ') as flag_rules
    from latest.gaming_flags
    group by user_id
),

final as (
    select
        scores.user_id,
        scores.score_date,
        rank() over (order by scores.score desc) as score_rank,
        scores.score,
        scores.percentile,
        scores.archetype,
        scores.delta_1d,
        scores.delta_5d,
        features.top_topic,
        features.reach,
        features.amplification,
        features.network_impact,
        features.audience,
        coalesce(flags.gaming_flags, 0) as gaming_flags,
        flags.flag_rules,
        scores.score_with_held_out,
        explanations.explanation
    from scores
    left join features on features.user_id = scores.user_id
    left join explanations on explanations.user_id = scores.user_id
    left join flags on flags.user_id = scores.user_id
)

select * from final
