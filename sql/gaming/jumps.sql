-- Jumps: a day-over-day rise in a main signal that is extreme both against the
-- user's own recent history and against the whole population's change that day.
-- Robust z = 0.6745 * (x - median) / MAD on log1p values (Iglewicz & Hoaglin). The MAD is
-- floored because most users' counts are zero on most days, which makes a raw MAD of 0;
-- a minimum count and a minimum history keep tiny numbers from producing huge z.
-- Requiring both z is what spares a news day: when everyone rises, the population
-- median rises with them.
-- Input view: state (today's user_state). Variables: flag_date, min_history_days,
-- min_count, mad_floor, z_threshold.
with

state as (
    select * from state
),

-- Today's change needs two values of each history: the population's median and MAD
-- come from it alone, so the lists themselves are read only for the candidates below.
today as (
    select
        user_id,
        signal,
        days,
        value_today,
        value_yesterday,
        ln(1 + value_today) - ln(1 + value_yesterday) as change_today
    from (
        select user_id, 'distinct_engagers' as signal, len(engagers_history) as days,
            engagers_history[-1]::double as value_today,
            engagers_history[-2]::double as value_yesterday
        from state
        union all
        select user_id, 'weighted_reactions', len(reactions_history),
            reactions_history[-1], reactions_history[-2]
        from state
        union all
        select user_id, 'new_followers', len(followers_history),
            followers_history[-1]::double, followers_history[-2]::double
        from state
    )
    where days >= 2
),

population as (
    select
        signal,
        median(change_today) as population_median,
        mad(change_today) as population_mad
    from today
    where value_today > 0 or value_yesterday > 0
    group by signal
),

-- Only a rise that is big, extreme against everyone and has the history to judge it can
-- be a jump: the user's own history (a list per user and signal) is read for these.
candidates as (
    select
        today.*,
        population.population_median,
        0.6745 * (change_today - population.population_median)
            / greatest(population.population_mad, getvariable('mad_floor')) as population_z
    from today
    join population using (signal)
    where value_today >= getvariable('min_count')
        and days - 2 >= getvariable('min_history_days')
        and population_z > getvariable('z_threshold')
),

candidate_histories as (
    select
        candidates.*,
        case candidates.signal
            when 'distinct_engagers' then state.engagers_history::double[]
            when 'weighted_reactions' then state.reactions_history
            else state.followers_history::double[]
        end[1:-2] as past_values
    from candidates
    join state using (user_id)
),

past as (
    select
        *,
        list_transform(
            list_zip(past_values[2:], past_values[:-2]),
            lambda pair: ln(1 + pair[1]) - ln(1 + pair[2])
        ) as past_changes
    from candidate_histories
),

scored as (
    select
        *,
        0.6745 * (change_today - list_median(past_changes))
            / greatest(coalesce(list_aggregate(past_changes, 'mad'), 0), getvariable('mad_floor'))
            as own_z,
        exp(list_median(list_transform(past_values, lambda v: ln(1 + v)))) - 1 as typical_value
    from past
),

flagged as (
    select *
    from scored
    where own_z > getvariable('z_threshold')
),

final as (
    select
        user_id,
        getvariable('flag_date') as score_date,
        'jump_' || signal as rule,
        case when least(own_z, population_z) >= 2 * getvariable('z_threshold') then 'high'
            else 'medium' end as severity,
        replace(signal, '_', ' ') || ' rose to ' || format('{:,.0f}', value_today)
            || ' today from a typical ' || format('{:,.1f}', typical_value) || ' a day over the last '
            || len(past_values) || ' days (robust z ' || format('{:.1f}', own_z)
            || ' against the user''s own history, ' || format('{:.1f}', population_z)
            || ' against all users, whose median change was '
            || format('{:+.0f}', 100 * (exp(population_median) - 1)) || '%)' as evidence,
        signal,
        round(value_today, 6) as value_today,
        round(typical_value, 3) as typical_value,
        round(own_z, 3) as own_z,
        round(population_z, 3) as population_z
    from flagged
)

select * from final
order by user_id, rule
