-- Every edge of the day's gaming groups with its group_id: rule, day and the group's rank
-- among that rule's groups by its key, so a rerun gives the same ids.
-- Input view: group_edges (rule, group_key, actor_id, target_user_id, actions,
-- group_evidence). Variable: detect_date.
with

group_edges as (
    select * from group_edges
),

final as (
    select
        rule || '-' || strftime(getvariable('detect_date'), '%Y%m%d') || '-'
            || dense_rank() over (partition by rule order by group_key) as group_id,
        *
    from group_edges
)

select * from final
