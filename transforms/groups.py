"""Step 2b, gaming groups: the day's edges searched for the four kinds of organised gaming.

Runs after ingest and before features, because what a group did is held out of the score:
its (actor, target) pairs go to a 90-day memory that features and the score read.

The rules (README, "Gaming"), each one SQL file in ``sql/gaming/``:

- ``follower_burst`` (CatchSync-style): a burst of follows from fresh single-purpose accounts.
- ``lockstep`` (CopyCatch-style): like farms, accounts reacting within minutes to the same
  people and to almost nothing else, grouped by the people they share.
- ``engagement_pod``: the dense truss of accounts reacting fast to each other, both ways.
- ``sock_puppets``: a few accounts whose day is almost only about one ordinary account.

Cost: every rule is a scan and a group-by of the day's edges, O(E log E) for E edges; the
grouping steps (connected components, the pod truss) run on the candidate edges only, which
are a small fraction of E, in O(C log C). Nothing reads an earlier day except yesterday's
user_state (first-seen dates) and yesterday's held-out pairs.
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
# Lockstep: an account that reacted fast to 2 or more people, fast reactions making 70% or
# more of its reactions, or a fresh account whose reactions are half or more fast; a person
# who got 10 or more such accounts, making half or more of their reactions.
MIN_FAST_TARGETS = 2
MIN_FAST_SHARE = 0.7
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
# account's reactions, on one person; 2 to 10 such accounts making 30% or more of that
# person's reactions.
MIN_FOCUSED_ACTIONS = 2
MIN_FOCUS = 0.8
MIN_RING = 2
MAX_RING = 10
MIN_RING_SHARE = 0.3

GROUP_EDGES_SCHEMA = (
    "rule varchar, group_key varchar, actor_id varchar, target_user_id varchar, "
    "actions bigint, group_evidence varchar"
)
HELD_OUT_SCHEMA = (
    "actor_id varchar, target_user_id varchar, rule varchar, group_id varchar, last_caught date"
)
KNOWN_ACCOUNTS_SCHEMA = "user_id varchar, first_seen date"


def detect_gaming_groups(data_root: Path, day: date) -> Path:
    """Write the day's gaming groups and the held-out pairs; return the groups' path."""
    layout = Layout(data_root)
    started = time.monotonic()
    yesterday = day - timedelta(days=1)
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "day_events", layout.events(day))
        shards.view_all(con, "known_accounts", layout.state(yesterday), KNOWN_ACCOUNTS_SCHEMA)
        engine.set_variables(
            con,
            detect_date=day,
            fresh_days=FRESH_DAYS,
            fast_response_s=FAST_RESPONSE_S,
            min_burst_follows=MIN_BURST_FOLLOWS,
            min_burst_share=MIN_BURST_SHARE,
            max_burst_span_hours=MAX_BURST_SPAN_HOURS,
            min_fast_targets=MIN_FAST_TARGETS,
            min_fast_share=MIN_FAST_SHARE,
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
            max_ring=MAX_RING,
            min_ring_share=MIN_RING_SHARE,
            window_days_max=WINDOW_DAYS,
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
        con.execute(f"create temp table numbered as {engine.sql('gaming/group_edges_numbered')}")
        groups = engine.write_parquet(
            con, engine.sql("gaming/gaming_groups"), layout.gaming_groups(day)
        )
        engine.view(con, "prev_held_out", layout.held_out_pairs(yesterday), HELD_OUT_SCHEMA)
        con.execute("create temp view today_pairs as select * from numbered")
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
    label_components(con, "pod_core", "user_a", "user_b")
    con.execute(f"insert into group_edges {engine.sql('gaming/pod_groups')}")


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
