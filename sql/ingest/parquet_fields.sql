-- The contract's fields of every row of the day's Parquet files, in the shape of
-- jsonl_fields.sql. Rows are read in place, never copied; raw is filled in only for the
-- rows that end up quarantined.
-- Input view: parquet_rows, made by the ingest step from each file with every contract
-- column present (a missing optional column is a typed null), ts split into ts_text /
-- ts_value, and line_number the row's position in its file.
with

parquet_rows as (
    select * from parquet_rows
),

final as (
    select
        source_file,
        line_number,
        cast(null as varchar) as raw,
        cast(null as varchar) as problem,
        cast(null as varchar) as problem_detail,
        event_id,
        ts_text,
        ts_value,
        network,
        actor_id,
        action,
        target_user_id,
        target_post_id,
        post_id,
        topics
    from parquet_rows
)

select * from final
