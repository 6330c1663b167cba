-- What gaming bought: the gamers' net score gain, per gaming scenario and over all of
-- them, one row each. A gamer (a customer or pod member) counts when their gaming began
-- on a published day, on or before eval_date, and they have a score the day before it and
-- on eval_date. Their change is score(eval_date) - score(day before the gaming); their net
-- gain is that change minus the median change over the same days of honest controls
-- (kind 'honest', no scenario, no look-alike label) who scored within `control_band`
-- points of them the day before, or the `min_controls` nearest in score when fewer are
-- that close (ties by user id). The controls take out what the curve, the news day and the
-- window filling did to everyone of that standing, so what is left is what the gaming
-- earned. A good model holds it near 0; the report's target is at most 1 point.
-- Input views: scores (the warehouse's), truth (evaluate/truth.sql).
-- Variables: eval_date, gaming_scenarios, control_band, min_controls.
with

scores as (
    select * from scores
    where score_date <= getvariable('eval_date')
),

truth as (
    select * from truth
),

scenario_order as (
    select
        unnest(getvariable('gaming_scenarios')) as scenario,
        generate_subscripts(getvariable('gaming_scenarios'), 1) as position
),

published_days as (
    select distinct score_date as day
    from scores
),

gamers as (
    select truth.user_id, truth.scenario, truth.gaming_start - 1 as base_day
    from truth
    semi join scenario_order using (scenario)
    where truth.role in ('customer', 'member')
        and truth.gaming_start <= getvariable('eval_date')
        and truth.gaming_start in (select day from published_days)
),

controls as (
    select user_id
    from truth
    where kind = 'honest' and scenario = 'none' and lookalike = 'none'
),

eval_scores as (
    select user_id, score
    from scores
    where score_date = getvariable('eval_date')
),

gamer_changes as (
    select
        gamers.user_id,
        gamers.scenario,
        gamers.base_day,
        base.score as score_before,
        eval_scores.score - base.score as change
    from gamers
    join scores as base
        on base.user_id = gamers.user_id and base.score_date = gamers.base_day
    join eval_scores on eval_scores.user_id = gamers.user_id
),

base_days as (
    select distinct base_day
    from gamer_changes
),

control_changes as (
    select
        base.user_id,
        base.score_date as base_day,
        base.score as score_before,
        eval_scores.score - base.score as change
    from scores as base
    semi join controls using (user_id)
    join base_days on base_days.base_day = base.score_date
    join eval_scores on eval_scores.user_id = base.user_id
),

candidates as (
    select
        gamer_changes.user_id,
        control_changes.change as control_change,
        abs(control_changes.score_before - gamer_changes.score_before) as distance,
        row_number() over (
            partition by gamer_changes.user_id
            order by abs(control_changes.score_before - gamer_changes.score_before),
                control_changes.user_id
        ) as nearness
    from gamer_changes
    join control_changes using (base_day)
),

banded as (
    select
        *,
        count(*) filter (where distance <= getvariable('control_band'))
            over (partition by user_id) as within_band
    from candidates
),

control_medians as (
    select
        user_id,
        count(*) as controls,
        median(control_change) as control_change
    from banded
    where distance <= getvariable('control_band')
        or (within_band < getvariable('min_controls') and nearness <= getvariable('min_controls'))
    group by user_id
),

per_gamer as (
    select
        gamer_changes.scenario,
        gamer_changes.change,
        control_medians.controls,
        control_medians.control_change,
        gamer_changes.change - control_medians.control_change as net_gain
    from gamer_changes
    join control_medians using (user_id)
),

summed as (
    select
        coalesce(scenario, 'all scenarios') as scenario,
        count(*) as gamers,
        avg(change) as mean_change,
        avg(control_change) as mean_control_change,
        avg(net_gain) as mean_net_gain,
        max(net_gain) as max_net_gain,
        min(controls) as fewest_controls
    from per_gamer
    group by grouping sets ((scenario), ())
),

final as (
    select summed.*
    from summed
    left join scenario_order using (scenario)
    order by coalesce(scenario_order.position, 0)
)

select * from final
