-- On a Higgs replay, where no latent influence is known: how many of the `top_n` users by
-- score on eval_date are among the `top_n` accounts retweeted most in the SNAP source file,
-- with the overlapping users in score order. One row.
-- The source is read as the import reads it (`actor target unix_ts TYPE`, ids as integers
-- written as strings), and a retweet is a line of TYPE RT, counted per target. Ties are
-- broken by raw score then user id, and by id, so the two lists are deterministic.
-- Input view: scores (the warehouse's). Variables: eval_date, higgs_source, top_n.
with

scores as (
    select * from scores
),

activity as (
    select *
    from read_csv(
        getvariable('higgs_source'),
        delim = ' ',
        header = false,
        columns = {'actor': 'BIGINT', 'target': 'BIGINT', 'ts': 'BIGINT', 'type': 'VARCHAR'}
    )
),

retweets as (
    select target, count(*) as retweets
    from activity
    where type = 'RT'
    group by target
),

most_retweeted as (
    select target::varchar as user_id, retweets
    from retweets
    qualify row_number() over (order by retweets desc, target) <= getvariable('top_n')
),

top_scored as (
    select
        user_id,
        row_number() over (order by score desc, raw_score desc, user_id) as score_rank
    from scores
    where score_date = getvariable('eval_date')
    qualify score_rank <= getvariable('top_n')
),

final as (
    select
        getvariable('top_n') as top_n,
        (select count(*) from top_scored) as top_scored,
        (select count(*) from most_retweeted) as most_retweeted,
        count(most_retweeted.user_id) as overlap,
        coalesce(
            list(top_scored.user_id order by top_scored.score_rank)
                filter (where most_retweeted.user_id is not null),
            []
        ) as overlap_users
    from top_scored
    left join most_retweeted using (user_id)
)

select * from final
