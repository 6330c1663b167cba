-- Events over all published days, counting only each day's latest run.
with

run_log as (
    select * from run_log
),

latest_runs as (
    select * from run_log
    qualify row_number() over (partition by run_date order by finished_at desc) = 1
),

final as (
    select
        count(*) as days,
        min(run_date) as first_day,
        max(run_date) as last_day,
        sum(events_read) as events_read,
        sum(events_accepted) as events_accepted,
        sum(events_quarantined) as events_quarantined,
        sum(events_duplicate) as events_duplicate,
        sum(events_late) as events_late
    from latest_runs
)

select * from final
