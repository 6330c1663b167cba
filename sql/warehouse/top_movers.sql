-- The latest day's moves, biggest first, each with its main reason: how much came from the
-- user's own signals (own_change) and how much from everyone else moving the curve
-- (curve_shift), and the signal whose own change weighed most (main_signal, by the
-- absolute points it added or took away). Users scored yesterday and today whose score
-- moved; mover_rank 1 is the biggest move either way.
with

explanations as (
    select * from latest.score_explanations
    where delta_1d is not null and delta_1d <> 0
),

scores as (
    select user_id, archetype from latest.scores
),

flags as (
    select user_id, count(*) as gaming_flags from latest.gaming_flags group by user_id
),

reasons as (
    select
        *,
        greatest(
            abs(reach_points_change),
            abs(amplification_points_change),
            abs(network_impact_points_change),
            abs(audience_points_change)
        ) as biggest_points_change
    from explanations
),

final as (
    select
        row_number() over (order by abs(reasons.delta_1d) desc, reasons.user_id) as mover_rank,
        reasons.user_id,
        reasons.score_date,
        case when reasons.delta_1d > 0 then 'up' else 'down' end as direction,
        reasons.prev_score,
        reasons.score,
        reasons.delta_1d,
        reasons.own_change,
        reasons.curve_shift,
        case reasons.biggest_points_change
            when abs(reasons.amplification_points_change) then 'amplification'
            when abs(reasons.reach_points_change) then 'reach'
            when abs(reasons.network_impact_points_change) then 'network_impact'
            else 'audience'
        end as main_signal,
        case reasons.biggest_points_change
            when abs(reasons.amplification_points_change)
                then reasons.amplification_points_change
            when abs(reasons.reach_points_change) then reasons.reach_points_change
            when abs(reasons.network_impact_points_change)
                then reasons.network_impact_points_change
            else reasons.audience_points_change
        end as main_signal_points_change,
        scores.archetype,
        coalesce(flags.gaming_flags, 0) as gaming_flags,
        reasons.explanation
    from reasons
    left join scores on scores.user_id = reasons.user_id
    left join flags on flags.user_id = reasons.user_id
)

select * from final
