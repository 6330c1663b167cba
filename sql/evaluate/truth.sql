-- The generator's users (truth/users.parquet) with every column the evaluation reads, one
-- row an account. Truth files written before the look-alike columns existed lack
-- `lookalike`, `lookalike_role` and `created`: a union by name with an empty row of them
-- adds the columns as nulls, so one query reads old and new files alike, and a missing
-- label reads as 'none' (the old generators wrote no honest look-alikes).
-- Input view: truth_file (users.parquet as written).
with

truth_file as (
    select * from truth_file
),

look_alike_columns as (
    select
        null::varchar as lookalike,
        null::varchar as lookalike_role,
        null::date as created
    where false
),

widened as (
    select * from truth_file
    union all by name
    select * from look_alike_columns
),

final as (
    select
        * replace (
            coalesce(lookalike, 'none') as lookalike,
            coalesce(lookalike_role, 'none') as lookalike_role
        )
    from widened
)

select * from final
