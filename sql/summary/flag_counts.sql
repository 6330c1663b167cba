-- Gaming flags by rule: over all days and on the latest day.
with

gaming_flags as (
    select * from gaming_flags
),

latest_day as (
    select max(score_date) as score_date from scores
),

final as (
    select
        rule,
        count(*) as flags_all_days,
        count(*) filter (where score_date = (select score_date from latest_day)) as flags_latest_day,
        count(distinct user_id) as users_flagged
    from gaming_flags
    group by rule
    order by rule
)

select * from final
