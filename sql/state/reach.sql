-- Klout's True Reach per user: the people who acted on the user's content in the 90-day
-- window, each counted once whatever the network and however often they came back. reach
-- leaves out the pairs held out as gaming today; reach_with_held_out keeps them.
-- Counted here, beside the pairs, so the steps that grade the whole population read one
-- row a user instead of the window's pairs.
-- Input views: engager_state (the window's pairs, engager_state.sql), held_out (actor_id,
-- target_user_id: the pairs held out of the score today).
with

engager_state as (
    select * from engager_state
),

held_out as (
    select actor_id, target_user_id from held_out
),

final as (
    select
        engager_state.user_id,
        count(distinct engager_state.engager_id)
            filter (where held_out.actor_id is null) as reach,
        count(distinct engager_state.engager_id) as reach_with_held_out
    from engager_state
    left join held_out
        on held_out.actor_id = engager_state.engager_id
        and held_out.target_user_id = engager_state.user_id
    group by engager_state.user_id
)

select * from final
