-- Every read row with the reason it breaks the landing contract (null when it is valid).
-- The first broken rule wins, so each quarantined row carries exactly one reason.
-- is_erased: the row is about a person clout has forgotten (clout forget), as actor or as
-- target; ingest neither accepts nor quarantines it, only counts it.
-- Input views: parsed_rows (see jsonl_fields.sql; Parquet rows come in the same shape),
-- erased_ids (today's ids that are on the erasure register; erasure.py). Variable:
-- any_erased (false when the register is empty, so the check costs nothing then).
-- Variables: dump_date, oldest_ts (start of the 90-day window), newest_ts (end of the day after the dump).
with

parsed_rows as (
    select * from parsed_rows
),

erased_ids as (
    select id from erased_ids
),

timed as (
    select
        *,
        -- RFC 3339 demands an explicit offset; a naive timestamp is ambiguous.
        case
            when ts_text is null then ts_value
            when regexp_full_match(
                ts_text,
                '\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})'
            ) then try_cast(upper(ts_text) as timestamptz)
        end as ts
    from parsed_rows
),

checked as (
    select
        *,
        case
            when problem is not null then problem
            when greatest(
                length(event_id), length(ts_text), length(network), length(actor_id),
                length(action), length(target_user_id), length(target_post_id), length(post_id),
                length(array_to_string(topics, ','))
            ) > 4096 then 'oversized_field'
            when nullif(trim(event_id), '') is null then 'missing_field'
            when ts_text is null and ts_value is null then 'missing_field'
            when nullif(trim(network), '') is null then 'missing_field'
            when nullif(trim(actor_id), '') is null then 'missing_field'
            when nullif(trim(action), '') is null then 'missing_field'
            when action not in ('post', 'reply', 'share', 'like', 'mention', 'follow', 'unfollow')
                then 'unknown_action'
            when ts is null then 'unparsable_ts'
            when ts < getvariable('oldest_ts') or ts >= getvariable('newest_ts') then 'ts_out_of_window'
            when action <> 'post' and nullif(trim(target_user_id), '') is null
                then 'missing_target_user_id'
            when action in ('reply', 'share', 'like') and nullif(trim(target_post_id), '') is null
                then 'missing_target_post_id'
            when action in ('post', 'reply', 'share') and nullif(trim(post_id), '') is null
                then 'missing_post_id'
        end as reason
    from timed
),

final as (
    select
        *,
        case
            when reason is null then null
            when problem is not null then problem_detail
            when reason = 'oversized_field' then 'a field is longer than 4096 characters'
            when reason = 'missing_field' then 'missing or empty required field: ' || case
                when nullif(trim(event_id), '') is null then 'event_id'
                when ts_text is null and ts_value is null then 'ts'
                when nullif(trim(network), '') is null then 'network'
                when nullif(trim(actor_id), '') is null then 'actor_id'
                else 'action'
            end
            when reason = 'unknown_action' then 'action ''' || left(action, 40) || ''' is not in the contract'
            when reason = 'unparsable_ts'
                then 'ts ''' || left(ts_text, 40) || ''' is not an RFC 3339 timestamp with an offset'
            when reason = 'ts_out_of_window'
                then 'ts ' || strftime(ts, '%Y-%m-%dT%H:%M:%SZ')
                    || ' is outside the accepted window for dump ' || getvariable('dump_date')
            else replace(reason, 'missing_', '') || ' is required for action ''' || action || ''''
        end as reason_detail,
        coalesce(
            getvariable('any_erased') and (
                trim(actor_id) in (select id from erased_ids)
                or trim(target_user_id) in (select id from erased_ids)
            ),
            false
        ) as is_erased
    from checked
)

select * from final
