-- The day's accepted events profiled per network and action: how many, from how many
-- actors, how many late, how many tagged. The safety brake and the batch-profile suite
-- compare it with the days before.
-- Input view: day_events.
with

day_events as (
    select * from day_events
),

final as (
    select
        network,
        action,
        count(*) as events,
        count(distinct actor_id) as distinct_actors,
        count(distinct target_user_id) as distinct_targets,
        count(*) filter (where is_late) as late_events,
        count(*) filter (where topics is not null and len(topics) > 0) as tagged_events
    from day_events
    group by network, action
)

select * from final
order by network, action
