-- The day's gaming groups, one row each: who is in them, who they served, what they did.
-- Members are the accounts doing the gaming; beneficiaries are the accounts they served
-- (in a pod, every member is both).
-- Input view: numbered (group_edges_numbered.sql). Variable: detect_date.
with

numbered as (
    select * from numbered
),

final as (
    select
        group_id,
        getvariable('detect_date') as score_date,
        rule,
        list(distinct actor_id order by actor_id) as members,
        list(distinct target_user_id order by target_user_id) as beneficiaries,
        count(distinct actor_id) as size,
        sum(actions) as actions,
        any_value(group_evidence) || '; for example ' || array_to_string(
            list(distinct actor_id order by actor_id)[:3], ', '
        ) || ' acting for ' || array_to_string(
            list(distinct target_user_id order by target_user_id)[:3], ', '
        ) as evidence
    from numbered
    group by group_id, rule
)

select * from final
order by group_id
