-- The engine ceiling for the benchmark: the per-user aggregates a night computes, as one
-- plain query over the day's Parquet file with no validation, state or scoring: what each
-- user gave by action, what they received by action, and how many distinct people acted on
-- them. The night is measured against this in the same run.
-- Input view: bench_events.
with

bench_events as (
    select * from bench_events
),

given as (
    select
        actor_id as user_id,
        count(*) filter (where action = 'post') as posts,
        count(*) filter (where action = 'reply') as replies,
        count(*) filter (where action = 'share') as shares,
        count(*) filter (where action = 'like') as likes,
        count(*) filter (where action = 'mention') as mentions,
        count(*) filter (where action = 'follow') as follows,
        count(*) as actions_given
    from bench_events
    group by actor_id
),

received as (
    select
        target_user_id as user_id,
        count(*) filter (where action = 'like') as likes_received,
        count(*) filter (where action = 'share') as shares_received,
        count(*) filter (where action = 'reply') as replies_received,
        count(*) filter (where action = 'follow') as follows_received,
        count(distinct actor_id) as distinct_engagers
    from bench_events
    where target_user_id is not null and target_user_id <> actor_id
    group by target_user_id
),

per_user as (
    select *
    from given
    full join received using (user_id)
),

-- A few numbers, so the whole table is computed but not shipped to Python.
final as (
    select count(*) as users, sum(actions_given) as actions, sum(distinct_engagers) as engagers
    from per_user
)

select * from final
