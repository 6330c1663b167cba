-- The day's ids, as actor or as target, that are on the erasure register (clout forget):
-- each distinct id is hashed once with the data root's salt, so the check costs a pass
-- over two columns and one hash per person seen, only on days after someone was forgotten.
-- Input views: parsed_rows (the day's rows as read), erased_register (erasure.py).
-- Variable: erasure_salt.
with

parsed_rows as (
    select actor_id, target_user_id from parsed_rows
),

erased_register as (
    select user_hash from erased_register
),

seen_today as (
    select distinct trim(actor_id) as id from parsed_rows
    union
    select distinct trim(target_user_id) as id from parsed_rows
),

final as (
    select id
    from seen_today
    where id is not null
        and sha256(getvariable('erasure_salt') || id) in (select user_hash from erased_register)
)

select * from final
