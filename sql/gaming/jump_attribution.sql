-- Every jump (jumps.sql) with who caused it: of the engagement the user received today on
-- the jumping signal (follows for new_followers, reactions otherwise), the share from
--   fresh accounts      first seen in the last fresh_days days,
--   narrow accounts     that engaged at most narrow_targets people in the 90-day window,
--   gaming groups       pairs held out of the score (groups.py),
--   reciprocal accounts that the user engaged too today (a closed group trades),
-- the network carrying most of it, and the median seconds from a same-day post to its
-- reaction. suspicious_share counts an account once if it is fresh, narrow or in a group.
-- verdict: 'gaming' when suspicious_share reaches min_suspicious_share, else 'virality':
-- a jump made of many established, unrelated accounts is a post taking off.
-- Input views: jumps, edges (today's, near the jumps: jump_edges_today.sql), known_accounts
-- (yesterday's user_state), giver_breadth (today's, every shard's), held_out (today's pairs).
-- Variables: flag_date, fresh_days, narrow_targets, min_suspicious_share.
with

jumps as (
    select * from jumps
),

edges as (
    select * from edges
),

known_accounts as (
    select * from known_accounts
),

giver_breadth as (
    select * from giver_breadth
),

held_out as (
    select * from held_out
),

jump_edges as (
    select
        jumps.user_id,
        jumps.signal,
        edges.actor_id,
        edges.network,
        edges.response_s
    from jumps
    join edges
        on edges.target_user_id = jumps.user_id
        and (edges.action = 'follow') = (jumps.signal = 'new_followers')
),

involved as (
    select distinct actor_id from jump_edges
),

-- How many people each involved account engaged: those it acted on in the 90-day window,
-- today included (giver_breadth.sql, summed over the shards, which each count their own
-- users), plus those it followed today.
window_breadth as (
    select giver_breadth.actor_id, sum(giver_breadth.targets) as targets
    from giver_breadth
    semi join involved on involved.actor_id = giver_breadth.actor_id
    group by giver_breadth.actor_id
),

followed_today as (
    select actor_id, count(distinct target_user_id) as targets
    from edges
    semi join involved using (actor_id)
    where action = 'follow'
    group by actor_id
),

breadth as (
    select
        involved.actor_id,
        coalesce(window_breadth.targets, 0) + coalesce(followed_today.targets, 0) as targets
    from involved
    left join window_breadth using (actor_id)
    left join followed_today using (actor_id)
),

gave_back as (
    select distinct actor_id as user_id, target_user_id as partner_id
    from edges
    where action <> 'follow'
),

labelled as (
    select
        jump_edges.*,
        known_accounts.first_seen is null
            or known_accounts.first_seen
                > getvariable('flag_date') - getvariable('fresh_days')::integer as is_fresh,
        coalesce(breadth.targets, 0) <= getvariable('narrow_targets') as is_narrow,
        held_out.actor_id is not null as in_group,
        gave_back.user_id is not null as is_reciprocal,
        held_out.group_id
    from jump_edges
    left join known_accounts on known_accounts.user_id = jump_edges.actor_id
    left join breadth using (actor_id)
    left join held_out
        on held_out.actor_id = jump_edges.actor_id and held_out.target_user_id = jump_edges.user_id
    left join gave_back
        on gave_back.user_id = jump_edges.user_id and gave_back.partner_id = jump_edges.actor_id
),

by_network as (
    select user_id, signal, network, count(*) as actions
    from labelled
    group by all
),

top_network as (
    select user_id, signal, arg_max(network, actions) as top_network,
        max(actions) / sum(actions) as top_network_share
    from by_network
    group by user_id, signal
),

shares as (
    select
        user_id,
        signal,
        count(*) as actions,
        avg(is_fresh::int) as fresh_share,
        avg(is_narrow::int) as narrow_share,
        avg(in_group::int) as group_share,
        avg(is_reciprocal::int) as reciprocal_share,
        avg((is_fresh or is_narrow or in_group)::int) as suspicious_share,
        median(response_s) filter (where response_s >= 0) as median_response_s,
        mode(group_id) filter (where group_id is not null) as group_id,
        list(distinct actor_id order by actor_id)
            filter (where is_fresh or is_narrow or in_group)[:3] as example_accounts
    from labelled
    group by user_id, signal
),

final as (
    select
        jumps.*,
        shares.actions,
        round(shares.fresh_share, 4) as fresh_share,
        round(shares.narrow_share, 4) as narrow_share,
        round(shares.group_share, 4) as group_share,
        round(shares.reciprocal_share, 4) as reciprocal_share,
        round(shares.suspicious_share, 4) as suspicious_share,
        top_network.top_network,
        round(top_network.top_network_share, 4) as top_network_share,
        shares.median_response_s,
        shares.group_id,
        shares.example_accounts,
        case when coalesce(shares.suspicious_share, 0) >= getvariable('min_suspicious_share')
            then 'gaming' else 'virality' end as verdict
    from jumps
    left join shares using (user_id, signal)
    left join top_network using (user_id, signal)
)

select * from final
order by user_id, rule
