-- Which of tonight's pairs (probe_keys.sql) were also seen on the days the window keeps
-- from yesterday (the window without today and without the day leaving it), and on which
-- networks. A read of those days' pair keys only, joined to a small set: the one part of
-- the night that reads the window, and the cheapest way to read it.
-- Input views: between_pairs (daily_engagers.sql rows of those days), probe_keys.
with

between_pairs as (
    select pair_key, network from between_pairs
),

probe_keys as (
    select pair_key from probe_keys
),

final as (
    select distinct between_pairs.pair_key, between_pairs.network
    from between_pairs
    semi join probe_keys on probe_keys.pair_key = between_pairs.pair_key
)

select * from final
