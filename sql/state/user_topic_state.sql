-- Each user's topic counts over the 90-day window, updated like user_state.sql.
-- Input views: prev_topics, today_topics, expiring_topics.
with

prev_topics as (
    select * from prev_topics
),

today_topics as (
    select * from today_topics
),

expiring_topics as (
    select * from expiring_topics
),

changes as (
    select user_id, topic, mentions from prev_topics
    union all
    select user_id, topic, mentions from today_topics
    union all
    select user_id, topic, -mentions from expiring_topics
),

final as (
    select user_id, topic, sum(mentions)::bigint as mentions
    from changes
    group by user_id, topic
    having sum(mentions) > 0
)

select * from final
order by user_id, topic
