-- How often each user tagged each topic on the content they made that day.
-- Input view: day_events.
with

day_events as (
    select * from day_events
),

tagged as (
    select actor_id as user_id, unnest(topics) as topic
    from day_events
    where action in ('post', 'reply', 'share') and topics is not null
),

final as (
    select user_id, lower(trim(topic)) as topic, count(*) as mentions
    from tagged
    where nullif(trim(topic), '') is not null
    group by all
)

select * from final
