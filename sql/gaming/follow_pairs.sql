-- Bought followers drip-fed over days (co-follow lockstep): a pool of accounts with no
-- audience of their own serves several customers, so the same accounts follow the same
-- few people. Here, the pairs of people that such accounts followed together in the
-- window: min_lockstep_actors or more co-followers, and a Jaccard similarity of
-- min_cofollow_jaccard or more between their sets of followers without an audience
-- (SynchroTrap's measure). Honest accounts without an audience (people who read and never
-- post) follow widely; two people share few of them, and a pool's camouflage follows of a
-- popular account are a sliver of its followers. Only accounts that followed 2 to max_few_targets people count: a pool's account
-- follows a few customers, and the pairs of an account that follows hundreds would cost
-- much and say little. groups.py joins the pairs into groups of customers.
-- Input views: week (the summed evidence rows), has_audience (user_id), already_grouped.
-- Variables: min_lockstep_actors, min_cofollow_jaccard, max_few_targets.
with

week as (
    select * from week
),

follows as (
    select actor_id, target_user_id
    from week
    where kind = 'follow'
        and actor_id not in (select user_id from has_audience)
        and actor_id not in (select user_id from already_grouped)
),

few as (
    select actor_id
    from follows
    group by actor_id
    having count(*) between 2 and getvariable('max_few_targets')
),

followers as (
    select target_user_id, count(*) as followers
    from follows
    group by target_user_id
),

together as (
    select one.target_user_id as target_a, other.target_user_id as target_b, count(*) as cofollowers
    from follows as one
    semi join few using (actor_id)
    join follows as other
        on other.actor_id = one.actor_id and other.target_user_id > one.target_user_id
    group by one.target_user_id, other.target_user_id
    having count(*) >= getvariable('min_lockstep_actors')
),

final as (
    select together.*
    from together
    join followers as a on a.target_user_id = together.target_a
    join followers as b on b.target_user_id = together.target_b
    where together.cofollowers
        >= getvariable('min_cofollow_jaccard') * (a.followers + b.followers - together.cofollowers)
)

select * from final
order by target_a, target_b
