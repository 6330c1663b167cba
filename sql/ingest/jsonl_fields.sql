-- The contract's fields of every line of one JSONL file, as text, with the first
-- structural problem of the line. Validation rules come after (validate_events.sql).
-- Input view: raw_lines(source_file, line_number, raw); raw is null for a blank line.
with

raw_lines as (
    select * from raw_lines
),

parsed as (
    select
        source_file,
        line_number,
        raw,
        raw is null or trim(raw, ' ' || chr(9)) = '' as is_blank,
        coalesce(json_valid(raw), false) as is_json
    from raw_lines
),

objects as (
    select
        *,
        case when is_json then json_type(raw) = 'OBJECT' else false end as is_object
    from parsed
),

extracted as (
    select
        *,
        case when is_object then json_type(raw, [
            '$.event_id', '$.ts', '$.network', '$.actor_id', '$.action',
            '$.target_user_id', '$.target_post_id', '$.post_id', '$.topics'
        ]) end as field_types,
        case when is_object then json_extract_string(raw, [
            '$.event_id', '$.ts', '$.network', '$.actor_id', '$.action',
            '$.target_user_id', '$.target_post_id', '$.post_id'
        ]) end as field_texts,
        case when is_object and json_type(raw, '$.topics') = 'ARRAY'
            then json_type(raw, '$.topics[*]') end as topic_types
    from objects
),

typed as (
    select
        *,
        case
            when field_types[1] not in ('VARCHAR', 'NULL') then 'event_id'
            when field_types[2] not in ('VARCHAR', 'NULL') then 'ts'
            when field_types[3] not in ('VARCHAR', 'NULL') then 'network'
            when field_types[4] not in ('VARCHAR', 'NULL') then 'actor_id'
            when field_types[5] not in ('VARCHAR', 'NULL') then 'action'
            when field_types[6] not in ('VARCHAR', 'NULL') then 'target_user_id'
            when field_types[7] not in ('VARCHAR', 'NULL') then 'target_post_id'
            when field_types[8] not in ('VARCHAR', 'NULL') then 'post_id'
            when field_types[9] not in ('ARRAY', 'NULL') then 'topics'
            when list_count(list_filter(topic_types, lambda t: t <> 'VARCHAR')) > 0 then 'topics'
        end as wrong_type_field
    from extracted
),

final as (
    select
        source_file,
        line_number,
        raw,
        case
            when is_blank then 'empty_line'
            when not is_json then 'malformed_json'
            when not is_object then 'not_a_json_object'
            when wrong_type_field is not null then 'wrong_type'
        end as problem,
        case
            when is_blank then 'the line is empty'
            when not is_json then 'the line is not valid JSON'
            when not is_object then 'the line is JSON but not an object'
            when wrong_type_field = 'topics' then 'topics must be a list of strings'
            when wrong_type_field is not null then wrong_type_field || ' must be a string'
        end as problem_detail,
        field_texts[1] as event_id,
        field_texts[2] as ts_text,
        null::timestamptz as ts_value,
        field_texts[3] as network,
        field_texts[4] as actor_id,
        field_texts[5] as action,
        field_texts[6] as target_user_id,
        field_texts[7] as target_post_id,
        field_texts[8] as post_id,
        case when field_types[9] = 'ARRAY' and wrong_type_field is null
            then from_json(json_extract(raw, '$.topics'), '["VARCHAR"]') end as topics
    from typed
)

select * from final
