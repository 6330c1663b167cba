-- The contract's fields of every row of one Parquet file, in the shape of jsonl_fields.sql.
-- Input view: parquet_rows, made by the ingest step with every contract column present
-- (a missing optional column is a typed null) and ts split into ts_text / ts_value.
with

parquet_rows as (
    select * from parquet_rows
),

final as (
    select
        source_file,
        line_number,
        raw,
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
