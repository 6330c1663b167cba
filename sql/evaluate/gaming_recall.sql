-- Recall of the gaming flags, per gaming scenario and over all of them, counted two ways:
-- flagged (by any rule) on any published day from the start of the gaming up to eval_date,
-- and flagged on its first or second day (the older, stricter figure). One row a
-- population and scenario:
--   population 'gamers'     the accounts that bought or joined the gaming (role customer
--                           or member): whom a flag is meant to reach
--   population 'operators'  the fake accounts doing it (role operator)
-- Scenario 'all scenarios' pools every scenario of the population. Only gaming that began
-- on a published day before eval_date counts, so each account had a night to be caught.
-- Input views: gaming_flags, user_features (the warehouse's), truth (evaluate/truth.sql).
-- Variables: eval_date, gaming_scenarios (the scenarios that are gaming, in report order).
with

gaming_flags as (
    select * from gaming_flags
    where score_date <= getvariable('eval_date')
),

user_features as (
    select * from user_features
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
    select distinct feature_date as day
    from user_features
    where feature_date <= getvariable('eval_date')
),

gaming_accounts as (
    select
        truth.user_id,
        truth.scenario,
        truth.gaming_start,
        case when truth.role = 'operator' then 'operators' else 'gamers' end as population
    from truth
    semi join scenario_order using (scenario)
    where truth.role in ('customer', 'member', 'operator')
        and truth.gaming_start < getvariable('eval_date')
        and truth.gaming_start in (select day from published_days)
),

caught as (
    select
        gaming_accounts.user_id,
        bool_or(gaming_flags.score_date <= gaming_accounts.gaming_start + 1) as within_2_days
    from gaming_accounts
    join gaming_flags
        on gaming_flags.user_id = gaming_accounts.user_id
        and gaming_flags.score_date >= gaming_accounts.gaming_start
    group by gaming_accounts.user_id
),

counted as (
    select
        gaming_accounts.population,
        coalesce(gaming_accounts.scenario, 'all scenarios') as scenario,
        count(*) as total,
        count(caught.user_id) as hits,
        count(caught.user_id) filter (where caught.within_2_days) as hits_within_2_days
    from gaming_accounts
    left join caught using (user_id)
    group by grouping sets ((gaming_accounts.population, gaming_accounts.scenario),
        (gaming_accounts.population))
),

final as (
    select
        counted.population,
        counted.scenario,
        counted.hits,
        counted.hits_within_2_days,
        counted.total,
        counted.hits / nullif(counted.total, 0) as share,
        counted.hits_within_2_days / nullif(counted.total, 0) as share_within_2_days
    from counted
    left join scenario_order using (scenario)
    order by counted.population, coalesce(scenario_order.position, 0)
)

select * from final
