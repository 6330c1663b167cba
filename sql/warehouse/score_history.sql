-- Every user's score on every published day, with the day's explanation and gaming flags:
-- the series behind "who moved, when, and why". One row a user and day. Reads the
-- published Parquet lake (the history views), not the file's own tables: filter on
-- user_id or score_date and only the matching files' row groups are read.
with

scores as (
    select * from scores
),

explanations as (
    select user_id, score_date, explanation from score_explanations
),

flags as (
    select user_id, score_date, count(*) as gaming_flags
    from gaming_flags
    group by user_id, score_date
),

final as (
    select
        scores.user_id,
        scores.score_date,
        scores.score,
        scores.percentile,
        scores.archetype,
        scores.delta_1d,
        scores.delta_5d,
        scores.score_with_held_out,
        coalesce(flags.gaming_flags, 0) as gaming_flags,
        explanations.explanation,
        scores.model_version
    from scores
    left join explanations
        on explanations.user_id = scores.user_id
        and explanations.score_date = scores.score_date
    left join flags
        on flags.user_id = scores.user_id
        and flags.score_date = scores.score_date
)

select * from final
