-- Sock puppets: accounts (min_ring or more, however many) whose day is almost only about one
-- person, that talk to or about them (a reply or a mention, not just likes and reshares;
-- and half or more of their actions on the person reshares, replies or mentions: a loyal
-- fan mostly likes), that nobody engages (no audience of their own in the 90-day window, and at most one
-- reaction today), and that together make a large share of that person's reactions. A fan
-- base has many fans each a small share, each with an audience of their own; a crowd around
-- a viral post likes and reshares it; a puppet ring is accounts nobody listens to carrying
-- one ordinary account: apart from the ring, the owner gets no more reactions than the
-- ordinary_quantile of the accounts engaged today (a crowd of unanswered newcomers around a
-- celebrity or a viral post is loud because its account is not ordinary). A ring has no
-- upper size: an owner can make 20 accounts as easily as 3.
-- Output: one row a (puppet, owner) edge of each ring, with the group's evidence.
-- Input views: edges, actors (day_actors.sql). Variables: min_focused_actions, min_focus,
-- min_amplifying_share,
-- min_ring, min_ring_share.
with

edges as (
    select * from edges
),

actors as (
    select * from actors
),

-- One row a moment an account acted on another: a reply that also mentions (one tweet, two
-- events in some dumps) is one act, not two.
reactions as (
    select
        actor_id,
        target_user_id,
        ts,
        bool_or(action in ('reply', 'mention')) as is_talking,
        bool_or(action in ('share', 'reply', 'mention')) as is_amplifying
    from edges
    where action <> 'follow'
    group by actor_id, target_user_id, ts
),

per_pair as (
    select
        actor_id,
        target_user_id,
        count(*) as actions,
        count(*) filter (where is_talking) as talking,
        count(*) filter (where is_amplifying) as amplifying
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
    join actors using (actor_id)
    left join received on received.target_user_id = per_pair.actor_id
    where per_pair.actions >= getvariable('min_focused_actions')
        and per_pair.actions >= getvariable('min_focus') * given.reactions_given
        and per_pair.talking > 0
        -- A puppet exists to amplify where others see it: it reshares, replies and
        -- mentions; a loyal fan mostly likes.
        and per_pair.amplifying >= getvariable('min_amplifying_share') * per_pair.actions
        and coalesce(received.reactions_received, 0) <= 1
        and actors.no_audience
),

ordinary as (
    select quantile_cont(reactions_received, getvariable('ordinary_quantile')) as most
    from received
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
    having count(*) >= getvariable('min_ring')
        and sum(focused.actions) >= getvariable('min_ring_share') * any_value(received.reactions_received)
        and any_value(received.reactions_received) - sum(focused.actions)
            <= (select most from ordinary)
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
