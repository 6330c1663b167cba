-- The four signals on each network alone, over the same 90-day window, and where the user
-- stands among everyone present on that network. raw_score uses the model's weights with
-- each network's own 99th-percentile scales, so a network's leaderboard is graded within it.
-- Input views: network_state, network_reach (sql/state/network_reach.sql). Variables:
-- feature_date, reach_weight, amplification_weight, network_impact_weight, audience_weight,
-- model_version.
with

network_state as (
    select * from network_state
),

network_reach as (
    select user_id, network, reach from network_reach
),

signals as (
    select
        network_state.user_id,
        network_state.network,
        network_state.content_items,
        network_state.reactions_received,
        coalesce(network_reach.reach, 0) as reach,
        network_state.weighted_reactions / greatest(network_state.eligible_items, 1)
            as amplification,
        network_state.impact / greatest(network_state.eligible_items, 1) as network_impact,
        greatest(network_state.follows_received - network_state.unfollows_received, 0)
            as audience,
        network_state.active_days
    from network_state
    left join network_reach using (user_id, network)
),

logged as (
    select
        *,
        ln(1 + reach) as log_reach,
        ln(1 + amplification) as log_amplification,
        ln(1 + network_impact) as log_network_impact,
        ln(1 + audience) as log_audience
    from signals
),

scales as (
    select
        network,
        coalesce(quantile_cont(log_reach, 0.99) filter (where log_reach > 0), 1) as reach_scale,
        coalesce(quantile_cont(log_amplification, 0.99) filter (where log_amplification > 0), 1)
            as amplification_scale,
        coalesce(quantile_cont(log_network_impact, 0.99) filter (where log_network_impact > 0), 1)
            as network_impact_scale,
        coalesce(quantile_cont(log_audience, 0.99) filter (where log_audience > 0), 1)
            as audience_scale
    from logged
    group by network
),

raw as (
    select
        logged.user_id,
        logged.network,
        logged.content_items,
        logged.reactions_received,
        logged.reach,
        logged.amplification,
        logged.network_impact,
        logged.audience,
        logged.active_days,
        round(
            getvariable('reach_weight') * log_reach / reach_scale
            + getvariable('amplification_weight') * log_amplification / amplification_scale
            + getvariable('network_impact_weight') * log_network_impact / network_impact_scale
            + getvariable('audience_weight') * log_audience / audience_scale,
            12
        ) as raw_score
    from logged
    join scales using (network)
),

final as (
    select
        user_id,
        getvariable('feature_date') as feature_date,
        network,
        content_items,
        reactions_received,
        reach,
        amplification,
        network_impact,
        audience,
        active_days,
        raw_score,
        100.0 * percent_rank() over (partition by network order by raw_score) as percentile,
        getvariable('model_version') as model_version
    from raw
)

select * from final
order by user_id, network
