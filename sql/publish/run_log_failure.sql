-- One row for a run of a date that failed: which task, and the error it raised. The day's
-- tables keep the last night that published; this row says why the night did not.
-- Variables: run_date, failed_task, error, started_at, code_version, model_version.
with

final as (
    select
        cast(getvariable('run_date') as date) as run_date,
        'failed' as status,
        cast(getvariable('started_at') as timestamptz) as started_at,
        current_timestamp as finished_at,
        cast(getvariable('code_version') as varchar) as code_version,
        cast(getvariable('model_version') as varchar) as model_version,
        cast(getvariable('failed_task') as varchar) as failed_task,
        cast(getvariable('error') as varchar) as error
)

select * from final
