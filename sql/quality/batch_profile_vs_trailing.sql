-- Today's batch profile against the trailing days' profiles, for the batch_profile suite:
-- one row per (network, action) seen today or on a trailing day.
-- events_today, distinct_actors_today: 0 when the pair has no event today.
-- trailing_median_*: the median over the trailing days that have a profile, a day without
-- the pair counting as 0 (null on the first day, when no trailing profile exists).
-- events_ratio, actors_ratio: today over the trailing median (null when that median is 0
-- or missing).
-- tagged_share: the share of today's events carrying topics, for content actions only;
-- tagged_share_ratio: it over its trailing median.
-- missing_today: the pair was present on every trailing day and is absent today.
-- Input views: today_profile (the day's batch_profile), trailing_profiles (the profiles of
-- the days before it, up to 7, with their profile_date; empty on the first day).
with

today_profile as (
    select * from today_profile
),

trailing_profiles as (
    select * from trailing_profiles
),

trailing_days as (
    select distinct profile_date from trailing_profiles
),

pairs as (
    select network, action from today_profile
    union
    select network, action from trailing_profiles
),

trailing_filled as (
    select
        pairs.network,
        pairs.action,
        trailing_days.profile_date,
        trailing_profiles.events is not null as present,
        coalesce(trailing_profiles.events, 0) as events,
        coalesce(trailing_profiles.distinct_actors, 0) as distinct_actors,
        trailing_profiles.tagged_events / nullif(trailing_profiles.events, 0) as tagged_share
    from pairs
    cross join trailing_days
    left join trailing_profiles
        on trailing_profiles.network = pairs.network
        and trailing_profiles.action = pairs.action
        and trailing_profiles.profile_date = trailing_days.profile_date
),

trailing_stats as (
    select
        network,
        action,
        count(*) filter (where present) as days_present,
        median(events) as median_events,
        median(distinct_actors) as median_actors,
        median(tagged_share) as median_tagged_share
    from trailing_filled
    group by network, action
),

compared as (
    select
        pairs.network,
        pairs.action,
        pairs.action in ('post', 'reply', 'share') as is_content,
        (select count(*) from trailing_days) as trailing_days,
        coalesce(trailing_stats.days_present, 0) as trailing_days_present,
        today_profile.events is not null as present_today,
        coalesce(today_profile.events, 0) as events_today,
        coalesce(today_profile.distinct_actors, 0) as distinct_actors_today,
        today_profile.tagged_events / nullif(today_profile.events, 0) as tagged_share_today,
        trailing_stats.median_events,
        trailing_stats.median_actors,
        trailing_stats.median_tagged_share
    from pairs
    left join today_profile
        on today_profile.network = pairs.network
        and today_profile.action = pairs.action
    left join trailing_stats
        on trailing_stats.network = pairs.network
        and trailing_stats.action = pairs.action
),

final as (
    select
        network,
        action,
        trailing_days,
        trailing_days_present,
        events_today,
        cast(median_events as double) as trailing_median_events,
        events_today / nullif(median_events, 0) as events_ratio,
        distinct_actors_today,
        cast(median_actors as double) as trailing_median_actors,
        distinct_actors_today / nullif(median_actors, 0) as actors_ratio,
        case when is_content then tagged_share_today end as tagged_share,
        case when is_content then median_tagged_share end as trailing_median_tagged_share,
        case when is_content then tagged_share_today / nullif(median_tagged_share, 0)
            end as tagged_share_ratio,
        not present_today
            and trailing_days > 0
            and trailing_days_present = trailing_days as missing_today
    from compared
)

select * from final
order by network, action
