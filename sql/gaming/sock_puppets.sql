-- Sock puppets: a few accounts (min_ring to max_ring) whose day is almost only about one
-- person, that talk to or about them (a reply or a mention, not just likes and reshares),
-- that nobody reacts to in turn, and that together make a large share of that person's
-- reactions. A fan base has many fans each a small share, and a crowd around a viral post
-- likes and reshares it; a puppet ring is a few accounts carrying one ordinary account.
-- Output: one row a (puppet, owner) edge of each ring, with the group's evidence.
-- Input view: edges. Variables: min_focused_actions, min_focus, min_ring, max_ring,
-- min_ring_share.
with

edges as (
    select * from edges
),

-- One row a moment an account acted on another: a reply that also mentions (one tweet, two
-- events in some dumps) is one act, not two.
reactions as (
    select
        actor_id,
        target_user_id,
        ts,
        bool_or(action in ('reply', 'mention')) as is_talking
    from edges
    where action <> 'follow'
    group by actor_id, target_user_id, ts
),

per_pair as (
    select
        actor_id,
        target_user_id,
        count(*) as actions,
        count(*) filter (where is_talking) as talking
    from reactions
    group by actor_id, target_user_id
),

given as (
    select actor_id, count(*) as reactions_given
    from reactions
    group by actor_id
),

received as (
    select target_user_id, count(*) as reactions_received
    from reactions
    group by target_user_id
),

focused as (
    select per_pair.*
    from per_pair
    join given using (actor_id)
    left join received on received.target_user_id = per_pair.actor_id
    where per_pair.actions >= getvariable('min_focused_actions')
        and per_pair.actions >= getvariable('min_focus') * given.reactions_given
        and per_pair.talking > 0
        and coalesce(received.reactions_received, 0) <= 1
),

rings as (
    select
        focused.target_user_id,
        count(*) as puppets,
        sum(focused.actions) as ring_actions,
        any_value(received.reactions_received) as reactions_received
    from focused
    join received using (target_user_id)
    group by focused.target_user_id
    having count(*) between getvariable('min_ring') and getvariable('max_ring')
        and sum(focused.actions) >= getvariable('min_ring_share') * any_value(received.reactions_received)
),

final as (
    select
        'sock_puppets' as rule,
        rings.target_user_id as group_key,
        focused.actor_id,
        focused.target_user_id,
        focused.actions,
        format(
            '{} accounts spent at least {:.0f}% of their day on this one account ({:,} reshares, '
            || 'replies, mentions and likes, {:.0f}% of the {:,} reactions it received) while '
            || 'nobody reacted to them',
            rings.puppets, 100 * getvariable('min_focus'), rings.ring_actions,
            100.0 * rings.ring_actions / rings.reactions_received, rings.reactions_received
        ) as group_evidence
    from rings
    join focused using (target_user_id)
)

select * from final
order by group_key, actor_id
