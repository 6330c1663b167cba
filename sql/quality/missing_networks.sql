-- Networks that sent events on every one of the trailing days and none today.
-- Input views: today_profile, trailing_profiles (one batch profile a day, with filename).
with

today_profile as (
    select * from today_profile
),

trailing_profiles as (
    select * from trailing_profiles
),

trailing_days as (
    select count(distinct filename) as days from trailing_profiles
),

steady as (
    select network
    from trailing_profiles
    where events > 0
    group by network
    having count(distinct filename) = (select days from trailing_days)
),

final as (
    select network
    from steady
    where network not in (select network from today_profile where events > 0)
)

select * from final
order by network
