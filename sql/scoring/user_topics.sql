-- Each user's top topics with a per-topic authority, published as user_topics.
-- authority: among everyone who tags a topic, the percentile (0-100) of the user's raw score
-- times the share of their tagged content on that topic. A focused expert outranks an
-- equally influential generalist on their topic, and a quiet specialist stays below a
-- widely followed one.
-- Input views: topic_state (90-day topic counts), graded. Variables: topic_date, top_topics.
with

topic_state as (
    select * from topic_state
),

graded as (
    select * from graded
),

shares as (
    select
        user_id,
        topic,
        mentions,
        mentions / sum(mentions) over (partition by user_id) as topic_share
    from topic_state
),

weighted as (
    select
        shares.*,
        shares.topic_share * graded.raw_score as topic_strength
    from shares
    join graded using (user_id)
),

ranked as (
    select
        *,
        round(100.0 * percent_rank() over (partition by topic order by topic_strength), 2)
            as authority,
        row_number() over (
            partition by user_id order by topic_strength desc, mentions desc, topic
        ) as topic_rank
    from weighted
),

final as (
    select
        user_id,
        getvariable('topic_date') as topic_date,
        topic,
        topic_rank,
        mentions,
        round(topic_share, 4) as topic_share,
        authority
    from ranked
    where topic_rank <= getvariable('top_topics')
)

select * from final
order by user_id, topic_rank
