-- One row for one run of a date, written when the run publishes.
-- Variables: the run's counts and times (see transforms/publish.py).
with

final as (
    select
        cast(getvariable('run_date') as date) as run_date,
        'published' as status,
        cast(getvariable('events_read') as bigint) as events_read,
        cast(getvariable('events_accepted') as bigint) as events_accepted,
        cast(getvariable('events_quarantined') as bigint) as events_quarantined,
        cast(getvariable('events_duplicate') as bigint) as events_duplicate,
        cast(getvariable('events_late') as bigint) as events_late,
        cast(getvariable('events_erased') as bigint) as events_erased,
        cast(getvariable('files_quarantined') as bigint) as files_quarantined,
        cast(getvariable('users_scored') as bigint) as users_scored,
        cast(getvariable('gaming_flags') as bigint) as gaming_flags,
        cast(getvariable('started_at') as timestamptz) as started_at,
        current_timestamp as finished_at,
        cast(getvariable('code_version') as varchar) as code_version,
        cast(getvariable('model_version') as varchar) as model_version
)

select * from final
