-- Like farms over the last days (CopyCatch-style lockstep, camouflage or not): accounts with
-- no audience of their own that answered the same people's posts within co_action_s,
-- again and again. What a farm's bots do besides (likes on popular posts to look human) is
-- not asked: only their co-action on the people they serve. Here, the candidate edges:
-- an account with no audience answered min_farm_post_share or more of a person's posts of
-- the window (a farm spreads its bots over the posts), and min_farm_repeats or more of
-- them (twice is a habit), or with repeats_across_people, min_farm_repeats or more posts
-- in all of such people (one post each of two customers who post once or twice a week:
-- groups.py asks this second, of the accounts left); a person who got min_lockstep_actors or
-- more such accounts, one of them at least back for a second post (once is chance), whose
-- reactions make min_farm_target_share or more of all the reactions the person received in
-- the window. groups.py joins the edges into groups.
-- Input views: week (the summed evidence rows), has_audience (user_id), already_grouped.
-- Variables: min_farm_repeats, min_farm_post_share, min_lockstep_actors,
-- min_farm_target_share, repeats_across_people.
with

week as (
    select * from week
),

posts as (
    select actor_id as target_user_id, actions as posts, reactions as reactions_received
    from week
    where kind = 'posts'
),

answered as (
    select week.actor_id, week.target_user_id, week.reactions as actions, week.actions as answered
    from week
    join posts using (target_user_id)
    where week.kind = 'fast'
        and week.actions >= getvariable('min_farm_post_share') * posts.posts
        and (getvariable('repeats_across_people') or week.actions >= getvariable('min_farm_repeats'))
        and week.actor_id not in (select user_id from has_audience)
        and week.actor_id not in (select user_id from already_grouped)
),

-- twice is a habit: two posts answered, of one person or of several
habitual as (
    select actor_id
    from answered
    group by actor_id
    having sum(answered) >= getvariable('min_farm_repeats')
),

repeated as (
    select answered.*
    from answered
    semi join habitual using (actor_id)
),

crowded_targets as (
    select repeated.target_user_id
    from repeated
    join posts using (target_user_id)
    group by repeated.target_user_id
    having count(*) >= getvariable('min_lockstep_actors')
        and max(repeated.answered) >= getvariable('min_farm_repeats')
        and sum(repeated.actions)
            >= getvariable('min_farm_target_share') * any_value(posts.reactions_received)
),

final as (
    select repeated.*
    from repeated
    semi join crowded_targets using (target_user_id)
)

select * from final
order by actor_id, target_user_id
