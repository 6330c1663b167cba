-- Engagement pods: people who react fast to each other, both ways. Here, the candidate pairs:
-- two accounts that each reacted to the other's same-day post within fast_response_s.
-- transforms/gaming.py keeps the dense core of these pairs and groups it.
-- Input view: edges. Variable: fast_response_s.
with

edges as (
    select * from edges
),

fast_pairs as (
    select actor_id, target_user_id, count(*) as actions
    from edges
    where action <> 'follow' and response_s between 0 and getvariable('fast_response_s')
    group by actor_id, target_user_id
),

final as (
    select
        forth.actor_id as user_a,
        forth.target_user_id as user_b,
        forth.actions + back.actions as actions
    from fast_pairs as forth
    join fast_pairs as back
        on back.actor_id = forth.target_user_id and back.target_user_id = forth.actor_id
    where forth.actor_id < forth.target_user_id
)

select * from final
order by user_a, user_b
