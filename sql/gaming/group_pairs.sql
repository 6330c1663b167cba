-- Whose engagement with whom leaves the score today: every (actor, beneficiary) pair of
-- each of the day's gaming groups, not only the edges the rule saw (a group's accounts
-- serve all of its beneficiaries, slowly or on days the evidence missed too); and, for a
-- beneficiary caught buying engagement (a farm, a ring, bought followers), every account
-- with no audience of its own that acted on them today: a farm's bots that slipped under
-- the rules look exactly like that, and a caught customer should not keep what they paid
-- for. In a pod every member is both actor and beneficiary, and its members are real
-- accounts, so a pod holds out its own pairs only. Groups are small, so the product is too.
-- Input views: numbered (group_edges_numbered.sql), edges (day_edges.sql), actors
-- (day_actors.sql).
with

numbered as (
    select * from numbered
),

edges as (
    select * from edges
),

actors as (
    select * from actors
),

group_actors as (
    select distinct group_id, rule, actor_id from numbered
),

beneficiaries as (
    select distinct group_id, rule, target_user_id from numbered
),

within_groups as (
    select group_actors.actor_id, beneficiaries.target_user_id, group_actors.rule,
        group_actors.group_id
    from group_actors
    join beneficiaries using (group_id)
    where group_actors.actor_id <> beneficiaries.target_user_id
),

bought_from_nobody as (
    select distinct edges.actor_id, beneficiaries.target_user_id, beneficiaries.rule,
        beneficiaries.group_id
    from edges
    join actors on actors.actor_id = edges.actor_id and actors.no_audience
    join beneficiaries on beneficiaries.target_user_id = edges.target_user_id
    where beneficiaries.rule <> 'engagement_pod'
),

final as (
    select * from within_groups
    union
    select * from bought_from_nobody
)

select * from final
