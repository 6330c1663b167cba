"""Step 2b, gaming groups: the day's edges searched for the four kinds of organised gaming.

Runs after ingest and before features, because what a group did is held out of the score:
its (actor, target) pairs go to a 90-day memory that features and the score read.

The rules (README, "Gaming"), each one SQL file in ``sql/gaming/``:

- ``follower_burst`` (CatchSync-style): a burst of follows from fresh single-purpose accounts.
- ``lockstep`` (CopyCatch-style): like farms, accounts reacting within minutes to the same
  people and to almost nothing else, grouped by the people they share.
- ``engagement_pod``: the dense truss of accounts reacting fast to each other, both ways.
- ``sock_puppets``: accounts nobody engages whose day is almost only about one ordinary
  account, however many of them.

Three rules judge the last EVIDENCE_DAYS days together (SynchroTrap-style), from a compact
file each night writes (``gaming_evidence``: fast answers between accounts, posts made,
follows from accounts with no audience), because pods, camouflaged farms and drip-fed
followers act a little every day, too little for one day to show:

- ``engagement_pod`` (week): accounts that answered most of each other's posts within the
  half hour over the window, both ways, on any network.
- ``lockstep`` (week): accounts with no audience of their own answering the same people's
  posts fast again and again, whatever else they do (camouflage).
- ``follower_lockstep``: accounts with no audience following the same few people.

An account has no audience when its 90-day window (yesterday's user_state) holds at most
NO_AUDIENCE_REACTIONS reactions received: nobody engages a bot or a puppet, however old.

Cost: every rule is a scan and a group-by of the day's edges, O(E log E) for E edges; the
grouping steps (connected components, the pod truss) run on the candidate edges only, which
are a small fraction of E, in O(C log C). Nothing reads an earlier day's events: only
yesterday's user_state (first-seen dates, audiences), yesterday's held-out pairs and the
last EVIDENCE_DAYS evidence files, each a few rows per active account.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from transforms import engine, shards
from transforms.layout import WINDOW_DAYS, Layout

log = logging.getLogger(__name__)

# A reaction within 15 minutes of its post is fast; most people react later (README).
FAST_RESPONSE_S = 900
# An account first seen less than a week ago is fresh.
FRESH_DAYS = 7
# Bought followers: at least 50 follows from fresh accounts that did nothing else, half or
# more of the day's follows, the middle 80% of them within 6 hours.
MIN_BURST_FOLLOWS = 50
MIN_BURST_SHARE = 0.5
MAX_BURST_SPAN_HOURS = 6.0
# Lockstep on one day: a fresh account whose reactions are half or more fast; a person who
# got 10 or more such accounts, making half or more of their reactions. Established
# accounts are judged by their co-action over the week, never by their own speed alone.
MIN_FRESH_FAST_SHARE = 0.5
MIN_LOCKSTEP_ACTORS = 10
MIN_GROUP_SHARE = 0.5
# ...and an account stays in its lockstep group when it hit half or more of its people.
MIN_TARGET_COVERAGE = 0.5
# Pods: among fast reciprocal pairs, those in 2 or more triangles (the 4-truss), in groups
# of 5 or more (a news day makes a few honest foursomes) with half or more of their
# possible pairs reciprocal.
POD_TRIANGLES = 2
MIN_POD_SIZE = 5
MIN_POD_DENSITY = 0.5
# ...and whose members answered half or more of each other's posts within minutes.
MIN_POD_COVERAGE = 0.5
# An account that did not post joins a pod when it reacted fast to MIN_POD_SIZE - 1 or more
# members and those reactions are half or more of its day.
MIN_POD_SHARE = 0.5
# Sock puppets: 2 or more actions, a reply or mention among them, 80% or more of the
# account's reactions, on one person, from an account nobody engages; 2 or more such
# accounts (no upper bound: a ring is as big as its owner makes it; fans are kept out by
# their own audiences and by each being a small share) making 30% or more of that person's
# reactions.
MIN_FOCUSED_ACTIONS = 2
MIN_FOCUS = 0.8
MIN_RING = 2
MIN_RING_SHARE = 0.3
# ...and the owner is ordinary: apart from the ring, it got no more reactions today than
# 99% of the accounts engaged today. Without an upper ring size, this is what keeps a crowd
# of unanswered newcomers around a celebrity or a viral post (loud, focused, but around an
# account that is not ordinary) out of the rule; a rank, so it scales with the day.
ORDINARY_QUANTILE = 0.99
# ...and half or more of each puppet's actions on the owner are reshares, replies or
# mentions: a person's alternate accounts are there to amplify where others see it, while
# a loyal fan mostly likes (on the young world, fans' groups were 79% likes, rings 21%).
MIN_AMPLIFYING_SHARE = 0.5

# No audience of its own: at most 2 reactions received in the 90-day window up to
# yesterday (a stray like or two), or never seen before. Nobody engages a farm's bot, a
# puppet or a bought follower however old it is; anyone who posts for people gets more.
NO_AUDIENCE_REACTIONS = 2
# The rules that accumulate evidence judge the last 7 days together: a weekly rhythm, and
# someone who posts a few times a week shows a pod's answers to most of their posts.
EVIDENCE_DAYS = 7
# A fast answer for them comes within the half hour of the post: pods answer their
# members' posts within about that, so the answers count while they still lift the post.
CO_ACTION_S = 1800
# Weekly pods: min_pod_size or more accounts (as above) whose reciprocal fast pairs (each
# in 2 or more triangles, as above) make 30% or more of the possible pairs: members
# who post once in the week and answer 70% of posts show both ways in about half the
# pairs (0.7 * 0.7); friends and busy accounts make pairs too, but they fail the coverage:
# the members answered MIN_POD_COVERAGE (half) or more of all (member, another member's
# post) pairs within CO_ACTION_S.
MIN_WEEK_POD_DENSITY = 0.3
# Weekly farms (CopyCatch): an account with no audience that answered 2 or more of a
# person's posts of the week within CO_ACTION_S (once is chance, twice is a habit) and a
# quarter or more of them (a farm spreads its bots over a customer's posts, each bot
# answering a part, but the same bots come back post after post); a person answered so by
# MIN_LOCKSTEP_ACTORS or more such accounts, whose reactions are 30% or more of all the
# reactions the person got in the week (bought likes are a large part of what a customer
# gets; a popular creator's quiet readers are a small part of theirs).
MIN_FARM_REPEATS = 2
MIN_FARM_POST_SHARE = 0.25
MIN_FARM_TARGET_SHARE = 0.3
# ...and the group's accounts come back to 2 or more of its people (CopyCatch's bipartite
# core: m pages liked by the same n users; with m = 1 it is any fan base): quiet readers who
# answer every post of the one creator they follow are fans, however many, while a farm
# sells the same bots to several customers. (Naming also whoever the core answered once,
# by the share of reactions owed to it, flagged 100 honest creators a night on a young
# world of 20,000, where quiet fans make most of everyone's reactions: not done.)
MIN_FARM_TARGETS = 2
# ...and an account stays in a weekly farm when it answered at least half as many of the
# group's posts as the group's median account: a farm's bots come back post after post at
# about the same rate, while an ordinary reader who happens to like the same people answers
# a few (relative to the group, so it holds whatever share of posts a farm covers).
MIN_MEMBER_RATE = 0.5
# Drip-fed bought followers: two people followed in the week by MIN_LOCKSTEP_ACTORS or more
# of the same accounts without an audience, with a Jaccard similarity of 0.1 or more
# between their sets of such followers (SynchroTrap's measure: a pool serving a few
# customers makes their follower sets overlap; a pool's camouflage follows of a popular
# account are a sliver of that account's followers, and readers who follow widely share
# few followers between two people). A member followed 2 or more of the group's people and
# gave them a quarter or more of its week's follows (a pool's account may make up to
# three camouflage follows for each paid one); a customer owes half or more of its week's
# followers without an audience to the members. Only accounts that followed 2 to 20 people
# in the week make pairs: a pool's account serves a few customers, and one that follows
# hundreds is not concentrating on any.
MIN_COFOLLOW_JACCARD = 0.1
MIN_FOLLOW_FOCUS = 0.25
MIN_CUSTOMER_SHARE = 0.5
MAX_FEW_TARGETS = 20

GROUP_EDGES_SCHEMA = (
    "rule varchar, group_key varchar, actor_id varchar, target_user_id varchar, "
    "actions bigint, group_evidence varchar"
)
HELD_OUT_SCHEMA = (
    "actor_id varchar, target_user_id varchar, rule varchar, group_id varchar, last_caught date"
)
KNOWN_ACCOUNTS_SCHEMA = "user_id varchar, first_seen date"
EVIDENCE_SCHEMA = (
    "kind varchar, actor_id varchar, target_user_id varchar, actions bigint, reactions bigint"
)


def detect_gaming_groups(data_root: Path, day: date) -> Path:
    """Write the day's gaming groups and the held-out pairs; return the groups' path."""
    layout = Layout(data_root)
    started = time.monotonic()
    yesterday = day - timedelta(days=1)
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "day_events", layout.events(day))
        shards.view_all(con, "known_state", layout.state(yesterday), KNOWN_ACCOUNTS_SCHEMA)
        _known_accounts(con)
        engine.set_variables(
            con,
            detect_date=day,
            fresh_days=FRESH_DAYS,
            fast_response_s=FAST_RESPONSE_S,
            min_burst_follows=MIN_BURST_FOLLOWS,
            min_burst_share=MIN_BURST_SHARE,
            max_burst_span_hours=MAX_BURST_SPAN_HOURS,
            min_fresh_fast_share=MIN_FRESH_FAST_SHARE,
            min_lockstep_actors=MIN_LOCKSTEP_ACTORS,
            min_group_share=MIN_GROUP_SHARE,
            min_target_coverage=MIN_TARGET_COVERAGE,
            min_pod_size=MIN_POD_SIZE,
            min_pod_density=MIN_POD_DENSITY,
            min_pod_share=MIN_POD_SHARE,
            min_pod_coverage=MIN_POD_COVERAGE,
            min_focused_actions=MIN_FOCUSED_ACTIONS,
            min_focus=MIN_FOCUS,
            min_ring=MIN_RING,
            min_ring_share=MIN_RING_SHARE,
            min_amplifying_share=MIN_AMPLIFYING_SHARE,
            ordinary_quantile=ORDINARY_QUANTILE,
            window_days_max=WINDOW_DAYS,
            no_audience_reactions=NO_AUDIENCE_REACTIONS,
            evidence_days=EVIDENCE_DAYS,
            co_action_s=CO_ACTION_S,
            min_week_pod_density=MIN_WEEK_POD_DENSITY,
            min_farm_repeats=MIN_FARM_REPEATS,
            min_farm_post_share=MIN_FARM_POST_SHARE,
            min_farm_target_share=MIN_FARM_TARGET_SHARE,
            min_farm_targets=MIN_FARM_TARGETS,
            min_member_rate=MIN_MEMBER_RATE,
            min_cofollow_jaccard=MIN_COFOLLOW_JACCARD,
            min_customer_share=MIN_CUSTOMER_SHARE,
            min_follow_focus=MIN_FOLLOW_FOCUS,
            max_few_targets=MAX_FEW_TARGETS,
        )
        with engine.progress(con, f"gaming groups {day}: the day's edges"):
            con.execute(f"create temp table edges as {engine.sql('gaming/day_edges')}")
        with engine.progress(con, f"gaming groups {day}: the day's actors"):
            con.execute(f"create temp table actors as {engine.sql('gaming/day_actors')}")
        con.execute(f"create temp table group_edges ({GROUP_EDGES_SCHEMA})")
        for rule in ("follower_burst", "sock_puppets"):
            con.execute(f"insert into group_edges {engine.sql(f'gaming/{rule}')}")
        # Pods first: their members react fast too, and a pod is the better name for them.
        _pods(con)
        _lockstep(con)
        engine.write_parquet(con, engine.sql("gaming/day_evidence"), layout.gaming_evidence(day))
        _week(con, layout, day)
        con.execute(f"create temp table numbered as {engine.sql('gaming/group_edges_numbered')}")
        groups = engine.write_parquet(
            con, engine.sql("gaming/gaming_groups"), layout.gaming_groups(day)
        )
        engine.view(con, "prev_held_out", layout.held_out_pairs(yesterday), HELD_OUT_SCHEMA)
        con.execute(f"create temp view today_pairs as {engine.sql('gaming/group_pairs')}")
        held_out = engine.write_parquet(
            con, engine.sql("gaming/held_out_pairs"), layout.held_out_pairs(day)
        )
        by_rule = con.execute(
            "select rule, count(distinct group_id), count(distinct actor_id) "
            "from numbered group by rule order by rule"
        ).fetchall()
    log.info(
        "gaming groups %s: %d groups (%s); %d pairs held out of the score in %.1f s",
        day,
        groups,
        ", ".join(f"{rule} {n} with {accounts} accounts" for rule, n, accounts in by_rule)
        or "none",
        held_out,
        time.monotonic() - started,
    )
    return layout.gaming_groups(day)


def _known_accounts(con: duckdb.DuckDBPyConnection) -> None:
    """View ``known_accounts`` (user_id, first_seen, reactions_received) and table
    ``has_audience`` (user_id) from yesterday's state. A state without the window's
    reactions (written before they were kept, or by a test) leaves audiences unknown:
    nobody is then taken for an account without one, except accounts never seen."""
    columns = {d[0] for d in con.execute("select * from known_state limit 0").description}
    audience = "reactions_received" if "reactions_received" in columns else "null::bigint"
    con.execute(
        "create or replace temp view known_accounts as select user_id, first_seen, "
        f"{audience} as reactions_received from known_state"
    )
    con.execute(
        "create or replace temp table has_audience as select distinct user_id "
        "from known_accounts where not coalesce(reactions_received <= $n, false)",
        {"n": NO_AUDIENCE_REACTIONS},
    )


def _week(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> None:
    """The rules that judge the last EVIDENCE_DAYS days' evidence files together."""
    files = [
        path
        for back in range(EVIDENCE_DAYS)
        if (path := layout.gaming_evidence(day - timedelta(days=back))).exists()
    ]
    con.execute(
        "create or replace temp table week as "
        "select kind, actor_id, target_user_id, sum(actions)::bigint as actions, "
        "sum(reactions)::bigint as reactions, count(*)::bigint as days "
        f"from {engine.parquet_source(files)} group by kind, actor_id, target_user_id"
    )
    con.execute(
        "create or replace temp table week_posts as "
        "select actor_id as user_id, actions as posts from week where kind = 'posts'"
    )

    # A group found in today's edges keeps its name; the week's rules look at the others.
    def already(*rules: str) -> None:
        con.execute(
            "create or replace temp table already_grouped as "
            "select actor_id as user_id from group_edges where rule in "
            f"({', '.join(repr(rule) for rule in rules)}) "
            "union select target_user_id from group_edges where rule = 'engagement_pod'"
        )

    already("engagement_pod")
    con.execute(f"create or replace temp table pod_core as {engine.sql('gaming/pod_week_pairs')}")
    _truss(con)
    label_components(con, "pod_core", "user_a", "user_b")
    con.execute(f"insert into group_edges {engine.sql('gaming/pod_week_groups')}")

    # Farms whose bots come back to the same person first; then, among the accounts left,
    # farms whose customers post too rarely for that, their bots' habit spread over them.
    for farm_pass, across_people in (("week", False), ("week-spread", True)):
        already("engagement_pod", "lockstep", "sock_puppets")
        engine.set_variables(con, farm_pass=farm_pass, repeats_across_people=across_people)
        con.execute(
            "create or replace temp table lockstep_candidates as "
            f"{engine.sql('gaming/lockstep_week_edges')}"
        )
        label_components(con, "lockstep_candidates", "actor_id", "target_user_id")
        con.execute(f"insert into group_edges {engine.sql('gaming/lockstep_week_groups')}")

    already("follower_burst")
    con.execute(f"create or replace temp table follow_pairs as {engine.sql('gaming/follow_pairs')}")
    label_components(con, "follow_pairs", "target_a", "target_b")
    con.execute(f"insert into group_edges {engine.sql('gaming/follow_lockstep')}")


def _lockstep(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create temp table lockstep_candidates as {engine.sql('gaming/lockstep_edges')}")
    con.execute(
        "delete from lockstep_candidates where actor_id in "
        "(select actor_id from group_edges where rule = 'engagement_pod')"
    )
    label_components(con, "lockstep_candidates", "actor_id", "target_user_id")
    con.execute(f"insert into group_edges {engine.sql('gaming/lockstep_groups')}")


def _pods(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create temp table pod_core as {engine.sql('gaming/pod_pairs')}")
    _truss(con)
    label_components(con, "pod_core", "user_a", "user_b")
    con.execute(f"insert into group_edges {engine.sql('gaming/pod_groups')}")


def _truss(con: duckdb.DuckDBPyConnection) -> None:
    # The truss: drop pairs that fewer than POD_TRIANGLES other partners share (a triangle
    # is a third account reciprocal with both) until none is left. A pod's pairs sit in
    # many triangles; friends, and the busy accounts of a news day, in few, so they neither
    # form pods nor glue a pod to the crowd.
    while True:
        dropped = con.execute(
            """
            with both_ways as (
                select user_a as account, user_b as partner from pod_core
                union all
                select user_b, user_a from pod_core
            ),
            support as (
                select pair.user_a, pair.user_b, count(*) as triangles
                from pod_core as pair
                join both_ways as of_a on of_a.account = pair.user_a
                join both_ways as of_b
                    on of_b.account = pair.user_b and of_b.partner = of_a.partner
                group by pair.user_a, pair.user_b
            )
            delete from pod_core
            where not exists (
                select 1 from support
                where support.user_a = pod_core.user_a
                    and support.user_b = pod_core.user_b
                    and support.triangles >= $triangles
            )
            """,
            {"triangles": POD_TRIANGLES},
        ).fetchone()
        if not dropped or dropped[0] == 0:
            break


def label_components(
    con: duckdb.DuckDBPyConnection, edges_table: str, left: str, right: str
) -> int:
    """Write temp table ``components`` (node, component): the connected components of the
    undirected graph of ``edges_table``'s (left, right) pairs, each named after its smallest
    node, so a rerun names them the same. Returns the number of components."""
    pairs = con.execute(f"select {left}, {right} from {edges_table}").fetchnumpy()
    ends = np.concatenate([pairs[left].astype(str), pairs[right].astype(str)])
    nodes, index = np.unique(ends, return_inverse=True)
    n_edges = len(pairs[left])
    graph = coo_matrix(
        (np.ones(n_edges, dtype=np.int8), (index[:n_edges], index[n_edges:])),
        shape=(len(nodes), len(nodes)),
    )
    count, labels = connected_components(graph, directed=False)
    # nodes are sorted, so each component's smallest node is its first position
    first = np.full(count, len(nodes), dtype=np.int64)
    np.minimum.at(first, labels, np.arange(len(nodes)))
    table = pa.table(
        {
            "node": pa.array(nodes.tolist(), pa.string()),
            "component": pa.array(nodes[first[labels]].tolist(), pa.string()),
        }
    )
    con.register("components_arrow", table)
    con.execute("create or replace temp table components as select * from components_arrow")
    con.unregister("components_arrow")
    return int(count)
