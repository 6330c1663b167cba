-- Honest look-alikes of gaming, flagged: per look-alike kind and role, the accounts the
-- generator labelled so and how many of them any rule flagged on at least one published
-- day up to eval_date. Every kind and role gets a row, with 0 accounts where the world
-- wrote none, so every world reports the same rows.
--   kinds  viral (one post takes off), friend_clique (friends who answer each other fast),
--          superfan_club (a few fans spending their days on one account),
--          celebrity_newcomer (a famous account, new, followed by a crowd on day one),
--          volume_poster (posts a lot, moves few)
--   roles  subject (the account the look-alike is about), crowd (the honest accounts
--          around it: the clique's friends, the fans, the newcomer's followers)
-- An account labelled both a look-alike and a gamer is left out: flagging it is right.
-- Input views: gaming_flags (the warehouse's), truth (evaluate/truth.sql).
-- Variables: eval_date, gaming_scenarios.
with

gaming_flags as (
    select * from gaming_flags
    where score_date <= getvariable('eval_date')
),

truth as (
    select * from truth
),

kinds (lookalike, kind_position) as (
    values ('viral', 1), ('friend_clique', 2), ('superfan_club', 3),
        ('celebrity_newcomer', 4), ('volume_poster', 5)
),

roles (lookalike_role, role_position) as (
    values ('subject', 1), ('crowd', 2)
),

look_alikes as (
    select user_id, lookalike, lookalike_role
    from truth
    where lookalike <> 'none'
        and not (
            list_contains(getvariable('gaming_scenarios'), scenario)
            and role in ('customer', 'member', 'operator')
        )
),

flagged as (
    select distinct user_id
    from gaming_flags
),

counted as (
    select
        look_alikes.lookalike,
        look_alikes.lookalike_role,
        count(*) as total,
        count(flagged.user_id) as hits
    from look_alikes
    left join flagged using (user_id)
    group by all
),

final as (
    select
        kinds.lookalike,
        roles.lookalike_role,
        coalesce(counted.hits, 0) as hits,
        coalesce(counted.total, 0) as total,
        counted.hits / nullif(counted.total, 0) as share
    from kinds
    cross join roles
    left join counted using (lookalike, lookalike_role)
    order by kinds.kind_position, roles.role_position
)

select * from final
