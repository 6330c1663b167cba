-- Each user's 90-day memory, updated incrementally: yesterday's window sums, plus today's
-- features, minus the features of the day that falls out of the window. The cost depends
-- on today's rows and the user count, never on how many days of history exist.
-- Input views: prev_state (yesterday's state), today (today's daily features),
-- expiring (the daily features of the day 90 days ago). Variables: state_date, history_days.
with

prev_state as (
    select * from prev_state
),

today as (
    select * from today
),

expiring as (
    select * from expiring
),

window_changes as (
    select * exclude (first_seen, last_active, engagers_history, reactions_history, followers_history)
    from prev_state
    union all by name
    select * from today
    union all by name
    select user_id, -columns(* exclude (user_id)) from expiring
),

window_sums as (
    select
        user_id,
        sum(columns(* exclude (
            user_id, weighted_reactions, impact, held_out_weighted_reactions, held_out_impact,
            eligible_items
        )))::bigint,
        -- Summed like the daily sums, so a rerun gives identical rows.
        stable_sum(eligible_items) as eligible_items,
        stable_sum(weighted_reactions) as weighted_reactions,
        stable_sum(impact) as impact,
        coalesce(stable_sum(held_out_weighted_reactions), 0) as held_out_weighted_reactions,
        coalesce(stable_sum(held_out_impact), 0) as held_out_impact
    from window_changes
    group by user_id
),

-- The last days of the signals gaming rules watch, one value a day (0 when absent),
-- oldest first, so a jump can be judged against the user's own recent history.
histories as (
    select
        window_sums.user_id,
        least(prev_state.first_seen, today_seen.first_seen) as first_seen,
        case when coalesce(today.actions_given, 0) > 0 then getvariable('state_date')
            else prev_state.last_active end as last_active,
        list_concat(
            coalesce(prev_state.engagers_history, []::bigint[]),
            [coalesce(today.distinct_engagers, 0)]
        )[-getvariable('history_days'):] as engagers_history,
        list_concat(
            coalesce(prev_state.reactions_history, []::double[]),
            [coalesce(today.weighted_reactions, 0.0)]
        )[-getvariable('history_days'):] as reactions_history,
        list_concat(
            coalesce(prev_state.followers_history, []::bigint[]),
            [coalesce(today.follows_received, 0)]
        )[-getvariable('history_days'):] as followers_history
    from window_sums
    left join prev_state using (user_id)
    left join today using (user_id)
    left join (
        select user_id, getvariable('state_date') as first_seen from today
    ) as today_seen using (user_id)
),

final as (
    select
        window_sums.*,
        histories.* exclude (user_id)
    from window_sums
    join histories using (user_id)
    -- A user with no activity left in the window leaves the state.
    where window_sums.present_days > 0
)

select * from final
order by user_id
