-- Every (actor, beneficiary) pair of each of the day's gaming groups, not only the edges the
-- rule saw: a group's accounts serve all of its beneficiaries, slowly or on days the
-- evidence missed too, so everything any of them gave any of the others leaves the score
-- (held_out_pairs.sql). In a pod every member is both. Groups are small (a farm's bots
-- times its customers), so the product is too.
-- Input view: numbered (group_edges_numbered.sql).
with

numbered as (
    select * from numbered
),

actors as (
    select distinct group_id, rule, actor_id from numbered
),

beneficiaries as (
    select distinct group_id, target_user_id from numbered
),

final as (
    select actors.actor_id, beneficiaries.target_user_id, actors.rule, actors.group_id
    from actors
    join beneficiaries using (group_id)
    where actors.actor_id <> beneficiaries.target_user_id
)

select * from final
