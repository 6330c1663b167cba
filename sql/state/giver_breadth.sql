-- How many people each account acted on in the 90-day window, today included: the
-- breadth the gaming step calls narrow (an account that only ever engages a handful of
-- people). Kept like reach.sql, from the same changes seen from the giver's side. With
-- shards, each shard counts the people among its own users; the gaming step adds them.
-- Input views: prev_breadth (yesterday's rows), user_pair_changes.
with

-- Summed: yesterday's night may have kept it in more shards than this one.
prev_breadth as (
    select actor_id, sum(targets) as targets
    from prev_breadth
    group by actor_id
),

changes as (
    select engager_id as actor_id, sum(change) as change
    from user_pair_changes
    group by engager_id
),

final as (
    select
        coalesce(prev_breadth.actor_id, changes.actor_id) as actor_id,
        coalesce(prev_breadth.targets, 0) + coalesce(changes.change, 0) as targets
    from prev_breadth
    full join changes on changes.actor_id = prev_breadth.actor_id
)

select * from final
where targets > 0
