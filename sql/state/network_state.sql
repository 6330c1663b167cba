-- Each user's 90-day memory per network, updated incrementally like user_state.sql:
-- yesterday's sums, plus today's, minus the day that leaves the window.
-- Input views: prev_network_state, today_networks, expiring_networks.
with

prev_network_state as (
    select * from prev_network_state
),

today_networks as (
    select * from today_networks
),

expiring_networks as (
    select * from expiring_networks
),

window_changes as (
    select * from prev_network_state
    union all by name
    select * from today_networks
    union all by name
    select user_id, network, -columns(* exclude (user_id, network)) from expiring_networks
),

window_sums as (
    select
        user_id,
        network,
        sum(columns(* exclude (
            user_id, network, weighted_reactions, impact, eligible_items
        )))::bigint,
        -- Summed like the daily sums, so a rerun gives identical rows.
        stable_sum(eligible_items) as eligible_items,
        stable_sum(weighted_reactions) as weighted_reactions,
        stable_sum(impact) as impact
    from window_changes
    group by user_id, network
),

final as (
    select *
    from window_sums
    -- A user with no activity left on a network in the window leaves its state.
    where present_days > 0
)

select * from final
order by user_id, network
