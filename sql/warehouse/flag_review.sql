-- Every gaming flag of the latest day, for review: the rule and its evidence, the group it
-- came from, and what it did to the score. The score leaves out the engagement of gaming
-- groups; score_with_held_out is what it would have been with it counted, so
-- points_held_out is how much the flag's group was kept from adding (0 for a jump no group
-- carried, and for the accounts doing the gaming).
with

flags as (
    select * from latest.gaming_flags
),

scores as (
    select user_id, score, percentile, archetype, score_with_held_out from latest.scores
),

groups as (
    select group_id, size as group_size, actions as group_actions from latest.gaming_groups
),

final as (
    select
        flags.score_date,
        flags.user_id,
        flags.rule,
        flags.severity,
        flags.role,
        flags.evidence,
        flags.group_id,
        groups.group_size,
        groups.group_actions,
        scores.score,
        scores.score_with_held_out,
        scores.score_with_held_out - scores.score as points_held_out,
        scores.percentile,
        scores.archetype
    from flags
    left join scores on scores.user_id = flags.user_id
    left join groups on groups.group_id = flags.group_id
)

select * from final
