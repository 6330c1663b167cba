-- One synthetic day of the landing contract for the benchmark, built from integers alone so
-- any size comes out the same for the same seed: heavy-tailed activity (a few users act a
-- lot) and popularity (a few users receive most reactions), the action mix of a real feed,
-- three networks, a timestamp anywhere in the day, topics on a third of the posts. Each day
-- draws anew, so pairs of users repeat across days only as often as popularity makes them.
-- Variables: bench_day (date), events, users (user ids run from u0 to u<users-1>), seed.
with

numbered as (
    select
        range as i,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'actor') % 1000000007 / 1000000007.0 as u_actor,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'target') % 1000000007 / 1000000007.0 as u_target,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'action') % 1000 as u_action,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'network') % 10 as u_network,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'ts') % 86400000 as ms_of_day,
        hash(range, getvariable('seed'), getvariable('bench_day'), 'misc') as misc
    from range(getvariable('events'))
),

drawn as (
    select
        i,
        misc,
        ms_of_day,
        -- Inverse-power draws: user 0 is the most active and the most popular.
        cast(floor(getvariable('users') * pow(u_actor, 1.6)) as bigint) as actor,
        cast(floor(getvariable('users') * pow(u_target, 2.2)) as bigint) as target,
        case
            when u_action < 120 then 'post'
            when u_action < 200 then 'reply'
            when u_action < 280 then 'share'
            when u_action < 830 then 'like'
            when u_action < 880 then 'mention'
            when u_action < 980 then 'follow'
            else 'unfollow'
        end as action,
        case when u_network < 5 then 'twitter' when u_network < 8 then 'instagram'
            else 'facebook' end as network
    from numbered
),

final as (
    select
        'e' || strftime(getvariable('bench_day'), '%Y%m%d') || '-' || i as event_id,
        cast(getvariable('bench_day') as timestamp) + to_milliseconds(ms_of_day) as ts,
        network,
        'u' || actor as actor_id,
        action,
        case when action <> 'post' then 'u' || target end as target_user_id,
        case when action in ('reply', 'share', 'like')
            then 'p' || target || '-' || (misc % 8) end as target_post_id,
        case when action in ('post', 'reply', 'share')
            then 'p' || actor || '-' || (misc % 8) end as post_id,
        case when action = 'post' and misc % 3 = 0
            then ['topic' || (misc % 50)] end as topics
    from drawn
)

select * from final
