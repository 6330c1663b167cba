-- The latest day's leaderboards: one per network (users ranked by their raw score on that
-- network alone) and one per topic (users ranked by their authority on the topic), with
-- each user's overall score beside. board_kind is 'network' or 'topic', board the network
-- or topic; filter on both and on board_rank, e.g. the top 10 on one topic.
with

networks as (
    select user_id, network, raw_score, percentile from latest.user_networks
),

topics as (
    select user_id, topic, authority, topic_share from latest.user_topics
),

scores as (
    select user_id, score, archetype from latest.scores
),

boards as (
    select
        'network' as board_kind,
        network as board,
        rank() over (partition by network order by raw_score desc) as board_rank,
        user_id,
        round(percentile, 2) as board_percentile
    from networks
    union all
    select
        'topic' as board_kind,
        topic as board,
        rank() over (partition by topic order by authority desc) as board_rank,
        user_id,
        authority as board_percentile
    from topics
),

final as (
    select
        boards.board_kind,
        boards.board,
        boards.board_rank,
        boards.user_id,
        boards.board_percentile,
        scores.score,
        scores.archetype
    from boards
    left join scores on scores.user_id = boards.user_id
)

select * from final
