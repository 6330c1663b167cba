-- The day's gaming flags, one row a user, rule and group:
--   jump_<signal>  a jump whose attribution says gaming (jump_attribution.sql); the
--                  evidence adds who caused it. Jumps judged virality are not flags; they
--                  stay in gaming_jumps.
--   follower_burst, lockstep, engagement_pod, sock_puppets
--                  every account of a gaming group (groups.py): role 'actor' for the
--                  accounts doing the gaming, 'beneficiary' for those they served,
--                  'member' in a pod, where everyone is both.
-- Input views: gaming_jumps (jump_attribution.sql), gaming_groups. Variable: flag_date.
with

gaming_jumps as (
    select * from gaming_jumps
),

gaming_groups as (
    select * from gaming_groups
),

jump_flags as (
    select
        user_id,
        rule,
        severity,
        evidence || '; ' || format(
            '{:.0f}% of the {:,} came from accounts that are new, narrow or in a gaming group '
            || '({:.0f}% first seen in the last week, {:.0f}% engaging 3 people or fewer in 90 '
            || 'days, {:.0f}% held out as a group''s, {:.0f}% engaged back by the user), {:.0f}% '
            || 'on {}',
            100 * suspicious_share, actions, 100 * fresh_share, 100 * narrow_share,
            100 * group_share, 100 * reciprocal_share, 100 * top_network_share, top_network
        ) || coalesce(format(', a median {:,.0f} seconds after the post', median_response_s), '')
            || coalesce('; for example ' || array_to_string(example_accounts, ', '), '')
            as evidence,
        'beneficiary' as role,
        group_id,
        signal,
        value_today,
        typical_value,
        own_z,
        population_z,
        suspicious_share
    from gaming_jumps
    where verdict = 'gaming'
),

group_accounts as (
    select group_id, rule, evidence, unnest(members) as user_id,
        case when rule = 'engagement_pod' then 'member' else 'actor' end as role
    from gaming_groups
    union all
    select group_id, rule, evidence, unnest(beneficiaries),
        'beneficiary'
    from gaming_groups
    where rule <> 'engagement_pod'
),

group_flags as (
    select
        user_id,
        rule,
        'high' as severity,
        case role
            when 'actor' then 'acting in ' || group_id || ': '
            when 'member' then 'member of ' || group_id || ': '
            else 'served by ' || group_id || ': '
        end || evidence as evidence,
        role,
        group_id
    from group_accounts
),

final as (
    select
        user_id,
        getvariable('flag_date') as score_date,
        rule,
        severity,
        evidence,
        signal,
        value_today,
        typical_value,
        own_z,
        population_z,
        role,
        group_id,
        suspicious_share
    from jump_flags
    union all by name
    select
        user_id,
        getvariable('flag_date') as score_date,
        rule,
        severity,
        evidence,
        null::varchar as signal,
        null::double as value_today,
        null::double as typical_value,
        null::double as own_z,
        null::double as population_z,
        role,
        group_id,
        null::double as suspicious_share
    from group_flags
)

select * from final
order by user_id, rule, group_id
