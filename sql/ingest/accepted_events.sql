-- The day's canonical events: valid rows, first occurrence of each event_id wins
-- (files in name order, then line order), timestamps normalised to UTC. An id already
-- accepted on one of the 89 days before is a duplicate, not a new event. Rows about a
-- forgotten person (is_erased) are left out.
-- Input views: validated_rows (validate_events.sql), earlier_event_ids.
-- Variable: dump_date. The rows' order in the file carries no meaning.
with

validated_rows as (
    select * from validated_rows
),

earlier_event_ids as (
    select * from earlier_event_ids
),

valid as (
    select * from validated_rows where reason is null and not is_erased
),

new_today as (
    select * from valid
    anti join earlier_event_ids using (event_id)
),

ranked as (
    select
        *,
        row_number() over (
            partition by event_id order by source_file, line_number
        ) as occurrence
    from new_today
),

final as (
    select
        event_id,
        ts,
        network,
        actor_id,
        action,
        nullif(trim(target_user_id), '') as target_user_id,
        nullif(trim(target_post_id), '') as target_post_id,
        nullif(trim(post_id), '') as post_id,
        topics,
        cast(ts at time zone 'UTC' as date) < cast(getvariable('dump_date') as date) as is_late,
        source_file
    from ranked
    where occurrence = 1
)

select * from final
