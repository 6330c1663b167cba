-- How much each kind of content item draws reactions on each network, relative to an
-- original post, measured on the day itself: reactions (likes, shares, replies) that
-- name an item made the same day, per item of that kind. Amplification divides a user's
-- reactions by the items that could draw them, each reply and re-share counting as the
-- share of a post that replies and re-shares draw on that network (at most a whole one):
-- where only original posts draw reactions, talking and curating cost nothing; where
-- every item draws them equally, every item counts. It comes from the whole day (every
-- shard's events), so it is the population's rate, not a user's own.
-- Input view: day_events (the day's accepted events, every shard's).
with

day_events as (
    select * from day_events
),

items as (
    select post_id, network, action as item_kind
    from day_events
    where action in ('post', 'reply', 'share') and post_id is not null
),

item_counts as (
    select network, item_kind, count(*) as items
    from items
    group by network, item_kind
),

-- Self-reactions draw nothing from anyone else.
reactions_to_items as (
    select items.network, items.item_kind, count(*) as reactions
    from day_events
    join items on items.post_id = day_events.target_post_id
    where day_events.action in ('like', 'share', 'reply')
        and day_events.target_user_id is not null
        and day_events.target_user_id <> day_events.actor_id
    group by items.network, items.item_kind
),

rates as (
    select
        item_counts.network,
        item_counts.item_kind,
        coalesce(reactions_to_items.reactions, 0) / item_counts.items as reactions_per_item
    from item_counts
    left join reactions_to_items using (network, item_kind)
),

by_network as (
    select
        network,
        max(reactions_per_item) filter (where item_kind = 'post') as post_rate,
        max(reactions_per_item) filter (where item_kind = 'reply') as reply_rate,
        max(reactions_per_item) filter (where item_kind = 'share') as share_rate
    from rates
    group by network
),

-- Where no original post drew anything today (a dump whose reactions name posts it does
-- not hold, such as a replay of reactions alone), a kind counts whole if its items drew
-- reactions and not at all if they drew none: an item nobody can react to is not one that
-- could draw reactions.
final as (
    select
        network,
        -- Rounded, so that the window's sums of eligible items stay exact and a rerun
        -- gives identical rows.
        round(case
            when post_rate > 0 then least(coalesce(reply_rate, 0) / post_rate, 1.0)
            when reply_rate > 0 then 1.0
            else 0.0
        end, 4) as reply_weight,
        round(case
            when post_rate > 0 then least(coalesce(share_rate, 0) / post_rate, 1.0)
            when share_rate > 0 then 1.0
            else 0.0
        end, 4) as share_weight
    from by_network
)

select * from final
order by network
