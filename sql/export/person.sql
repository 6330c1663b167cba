-- Everything the warehouse holds about one person, for the person themself (clout
-- export): every published day's score, features, explanation, topics, networks, gaming
-- flags and jumps, and the gaming groups they were in or served. One row; each table a
-- list of its rows in date order. Reads the warehouse's history views. Variable:
-- export_user_id.
with

scores as (
    select * from scores where user_id = getvariable('export_user_id')
),

user_features as (
    select * from user_features where user_id = getvariable('export_user_id')
),

score_explanations as (
    select * from score_explanations where user_id = getvariable('export_user_id')
),

user_topics as (
    select * from user_topics where user_id = getvariable('export_user_id')
),

user_networks as (
    select * from user_networks where user_id = getvariable('export_user_id')
),

gaming_flags as (
    select * from gaming_flags where user_id = getvariable('export_user_id')
),

gaming_jumps as (
    select * from gaming_jumps where user_id = getvariable('export_user_id')
),

gaming_groups as (
    select * from gaming_groups
    where list_contains(members, getvariable('export_user_id'))
        or list_contains(beneficiaries, getvariable('export_user_id'))
),

final as (
    select
        getvariable('export_user_id') as user_id,
        (select list(scores order by score_date) from scores) as scores,
        (select list(user_features order by feature_date) from user_features) as features,
        (select list(score_explanations order by score_date) from score_explanations)
            as explanations,
        (select list(user_topics order by topic_date, topic_rank) from user_topics) as topics,
        (select list(user_networks order by feature_date, network) from user_networks)
            as networks,
        (select list(gaming_flags order by score_date, rule) from gaming_flags) as gaming_flags,
        (select list(gaming_jumps order by score_date, rule) from gaming_jumps) as gaming_jumps,
        (select list(gaming_groups order by score_date, group_id) from gaming_groups)
            as gaming_groups
)

select * from final
