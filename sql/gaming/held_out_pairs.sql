-- Whose engagement with whom is held out of the score: every (actor, target) pair of a
-- gaming group, remembered for the 90-day window from the last day it was caught, so
-- a farm that is caught once stops counting even on a day it slips under the rules.
-- Input views: prev_held_out (yesterday's pairs), today_pairs (numbered group edges). Variables: detect_date, window_days_max.
with

prev_held_out as (
    select * from prev_held_out
    where last_caught > getvariable('detect_date') - getvariable('window_days_max')::integer
),

today_pairs as (
    select
        actor_id,
        target_user_id,
        rule,
        group_id,
        getvariable('detect_date')::date as last_caught
    from today_pairs
),

all_pairs as (
    select * from prev_held_out
    union all by name
    select * from today_pairs
),

-- A pair caught again (or by two groups) keeps its latest catch, the first group id on ties.
final as (
    select actor_id, target_user_id, rule, group_id, last_caught
    from all_pairs
    qualify row_number() over (
        partition by actor_id, target_user_id order by last_caught desc, group_id
    ) = 1
)

select * from final
order by actor_id, target_user_id
