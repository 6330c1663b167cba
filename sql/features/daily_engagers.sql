-- Who acted on whose content that day, once per (user, network, engager): the input of the
-- 90-day reach, which counts distinct people, not engager-days.
-- pair_key names the (user, engager) pair whatever the network (the macro pair_key_of,
-- engine.py: a 128-bit md5), so the state step looks a day's pairs up in the window's
-- files by one number instead of two strings, five times faster (two different pairs
-- share a key with odds of 2^-128).
-- Unsorted: nothing reads the pairs in order, and a day at 100M events has tens of
-- millions of them.
-- Input view: reaction_pairs (reaction_pairs.sql).
with

reaction_pairs as (
    select * from reaction_pairs
),

final as (
    select
        user_id,
        network,
        actor_id as engager_id,
        pair_key_of(user_id, actor_id) as pair_key
    from reaction_pairs
)

select * from final
