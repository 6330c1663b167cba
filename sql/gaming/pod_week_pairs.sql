-- Engagement pods over the last days: two accounts that each answered the other's posts
-- within co_action_s at least once in the evidence window (any network: a pod may span
-- several). Members post rarely, so one day shows few such pairs; a week shows most.
-- groups.py keeps the dense core of these pairs (the truss) and groups it.
-- Input views: week (the summed evidence rows), already_grouped (accounts of today's pods).
with

week as (
    select * from week
),

fast as (
    select actor_id, target_user_id, actions
    from week
    where kind = 'fast'
        and actor_id not in (select user_id from already_grouped)
        and target_user_id not in (select user_id from already_grouped)
),

final as (
    select
        forth.actor_id as user_a,
        forth.target_user_id as user_b,
        forth.actions + back.actions as actions
    from fast as forth
    join fast as back
        on back.actor_id = forth.target_user_id and back.target_user_id = forth.actor_id
    where forth.actor_id < forth.target_user_id
)

select * from final
order by user_a, user_b
