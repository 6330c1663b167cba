-- Reach on each network alone: the people who acted on the user's content there in the
-- 90-day window, each counted once. Counted beside the pairs, like reach.sql.
-- Input view: engager_state (the window's pairs, engager_state.sql).
with

engager_state as (
    select * from engager_state
),

final as (
    select user_id, network, count(*) as reach
    from engager_state
    group by user_id, network
)

select * from final
