-- Who acted on whose content that day, once per (user, network, engager): the input of the
-- 90-day reach, which counts distinct people, not engager-days.
-- Input view: day_events.
with

day_events as (
    select * from day_events
),

final as (
    select distinct target_user_id as user_id, network, actor_id as engager_id
    from day_events
    where action in ('like', 'share', 'reply', 'mention')
        and target_user_id is not null
        and target_user_id <> actor_id
)

select * from final
order by user_id, network, engager_id
