-- How well the gaming flags match the generator's labels, over every published day up to
-- eval_date, one row a measure:
--   recall         per scenario, the gamers (customers and pod members) whose gaming began
--                  at least a day before eval_date, flagged (any rule) on its first or second day
--                  (gaming_recall.sql counts any day up to eval_date as well)
--   operator_recall per scenario, the same for the accounts doing the gaming (bots, puppets,
--                  bought followers)
--   precision      per rule and overall, among established accounts (the organic ones: not
--                  generated as fake) flagged at least once, the share that are gamers (a
--                  gaming scenario, as customer or member)
--   viral_flagged  honest users whose post went viral on a published day, flagged that
--                  day or the next
--   news_day_flagged  on the news day, the honest users active that day (gave an action;
--                  not gamers) who were flagged: the false alarms a burst of organic
--                  activity raises
-- Input views: gaming_flags, user_features (the warehouse's), truth (users.parquet),
-- truth_days (days.parquet). Variables: eval_date, gaming_scenarios (the scenarios that are
-- gaming).
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

truth_days as (
    select * from truth_days
),

published_days as (
    select distinct feature_date as day
    from user_features
    where feature_date <= getvariable('eval_date')
),

gamers as (
    select user_id, scenario, role, gaming_start
    from truth
    where list_contains(getvariable('gaming_scenarios'), scenario)
        and gaming_start < getvariable('eval_date')
        and gaming_start in (select day from published_days)
),

caught_early as (
    select distinct gamers.user_id
    from gamers
    join gaming_flags
        on gaming_flags.user_id = gamers.user_id
        and gaming_flags.score_date between gamers.gaming_start and gamers.gaming_start + 1
),

recall as (
    select
        case when gamers.role = 'operator' then 'operator_recall' else 'recall' end as measure,
        gamers.scenario as subject,
        count(caught_early.user_id) as hits,
        count(*) as total
    from gamers
    left join caught_early using (user_id)
    group by all
),

established as (
    select
        user_id,
        scenario,
        list_contains(getvariable('gaming_scenarios'), scenario)
            and role in ('customer', 'member') as is_gamer
    from truth
    where kind in ('honest', 'lurker', 'viral')
),

flagged_established as (
    select distinct
        gaming_flags.user_id, gaming_flags.rule, established.scenario, established.is_gamer
    from gaming_flags
    join established using (user_id)
),

precision_by_rule as (
    select
        'precision' as measure,
        rule as subject,
        count(distinct user_id) filter (where is_gamer) as hits,
        count(distinct user_id) as total
    from flagged_established
    group by rule
    union all
    select
        'precision',
        'all rules',
        count(distinct user_id) filter (where is_gamer),
        count(distinct user_id)
    from flagged_established
),

viral as (
    select
        'viral_flagged' as measure,
        'viral honest users' as subject,
        count(distinct gaming_flags.user_id) as hits,
        count(distinct truth.user_id) as total
    from truth
    left join gaming_flags
        on gaming_flags.user_id = truth.user_id
        and gaming_flags.score_date between truth.viral_day and truth.viral_day + 1
    where truth.scenario = 'viral' and truth.viral_day in (select day from published_days)
),

news_day as (
    select date as day
    from truth_days
    where news_day and date in (select day from published_days)
),

news_day_flagged as (
    select
        'news_day_flagged' as measure,
        strftime(news_day.day, '%Y-%m-%d') as subject,
        count(distinct gaming_flags.user_id) as hits,
        count(distinct user_features.user_id) as total
    from news_day
    join user_features
        on user_features.feature_date = news_day.day and user_features.last_active = news_day.day
    join established
        on established.user_id = user_features.user_id and established.scenario in ('none', 'viral')
    left join gaming_flags
        on gaming_flags.user_id = user_features.user_id and gaming_flags.score_date = news_day.day
    group by news_day.day
),

measures as (
    select * from recall
    union all
    select * from precision_by_rule
    union all
    select * from viral
    union all
    select * from news_day_flagged
),

final as (
    select measure, subject, hits, total, hits / nullif(total, 0) as share
    from measures
)

select * from final
order by measure, subject
