"""Step 3, rolling state: each user's 90-day memory, updated incrementally.

state(D) = state(D-1) + features(D) - features(D-90). Reading three bounded inputs keeps
a night's cost proportional to the day's users, whatever the length of the history.
The 90-day reach (distinct people) is kept the same way: yesterday's count, plus the
pairs seen today for the first time in the window, minus the pairs of the day leaving it
that were not seen since (``_update_reach``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import duckdb

from transforms import engine, shards
from transforms.groups import HELD_OUT_SCHEMA
from transforms.layout import WINDOW_DAYS, Layout
from transforms.shards import ALL_USERS, Shard

log = logging.getLogger(__name__)

# Days of daily values kept for the gaming rules: 14 days of changes plus today.
HISTORY_DAYS = 15
NETWORK_FEATURES_SCHEMA = (
    "user_id varchar, network varchar, content_items bigint, eligible_items double, "
    "reactions_received bigint, "
    "distinct_engagers bigint, weighted_reactions double, impact double, "
    "follows_received bigint, unfollows_received bigint, active_days bigint, "
    "present_days bigint"
)
PAIRS_SCHEMA = (
    "user_id varchar, network varchar, engager_id varchar, pair_key uhugeint, "
    "reactions bigint, weighted_reactions double, impact double"
)
REACH_SCHEMA = (
    "user_id varchar, reach bigint, reach_with_held_out bigint, held_out_reactions bigint, "
    "held_out_weighted_reactions double, held_out_impact double"
)
NETWORK_REACH_SCHEMA = "user_id varchar, network varchar, reach bigint"
BREADTH_SCHEMA = "actor_id varchar, targets bigint"


class StateOutOfOrder(RuntimeError):
    """Day D was asked for before day D-1 has state."""


def update_state(data_root: Path, day: date, shard: Shard = ALL_USERS) -> Path:
    """Write the user, topic, network and engager state of ``shard``'s users for ``day``
    from yesterday's state, and the 90-day reach it gives; return the user state path."""
    layout = Layout(data_root)
    yesterday = day - timedelta(days=1)
    expiring_day = day - timedelta(days=WINDOW_DAYS)
    earlier = [d for d in layout.existing_days("state") if d < day]
    has_yesterday = layout.state_meta(yesterday).exists()
    if earlier and not has_yesterday:
        raise StateOutOfOrder(
            f"no state for {yesterday}, but state exists for {earlier[-1]}: days must run in "
            f"date order. Run {earlier[-1] + timedelta(days=1)} through {yesterday} first "
            f"(clout run --start {earlier[-1] + timedelta(days=1)} --end {day})."
        )
    window_days = 1
    prev_window_days = 0
    prev_network_window_days = 0
    if has_yesterday:
        prev_meta = engine.read_json(layout.state_meta(yesterday))
        prev_window_days = prev_meta["window_days"]
        window_days = min(prev_window_days + 1, WINDOW_DAYS)
        # State written before per-network memory existed has none: it starts here.
        if shards.written(layout.network_state(yesterday)):
            prev_network_window_days = prev_meta.get("network_window_days", prev_window_days)
        else:
            log.warning(
                "state %s: yesterday's state has no per-network memory; per-network sums "
                "and 90-day reach start from today (rerun the window to fill them)",
                day,
            )
    network_window_days = min(prev_network_window_days + 1, WINDOW_DAYS)

    started = time.monotonic()
    with engine.connect(layout.duckdb_temp) as con:

        def own(name: str, path: Path, empty_schema: str | None = None) -> None:
            shards.view_own(con, name, path, shard, empty_schema)

        own("today", layout.daily_features(day))
        own("today_topics", layout.daily_topics(day))
        if has_yesterday:
            own("prev_state", layout.state(yesterday))
            own("prev_topics", layout.topic_state(yesterday))
        else:
            con.execute(
                """
                create temp table prev_state as
                select *, null::date as first_seen, null::date as last_active,
                       []::bigint[] as engagers_history, []::double[] as reactions_history,
                       []::bigint[] as followers_history
                from today limit 0
                """
            )
            con.execute("create temp table prev_topics as select * from today_topics limit 0")
        # Yesterday's state holds the expiring day only once its window is full: features
        # from before the state's first day were never added, so they are not subtracted.
        if prev_window_days >= WINDOW_DAYS and shards.written(layout.daily_features(expiring_day)):
            own("expiring", layout.daily_features(expiring_day))
            own("expiring_topics", layout.daily_topics(expiring_day))
        else:
            con.execute("create temp table expiring as select * from today limit 0")
            con.execute("create temp table expiring_topics as select * from today_topics limit 0")
        for name in ("prev_state", "expiring"):
            _with_eligible_items(con, name)
        engine.set_variables(con, state_date=day, history_days=HISTORY_DAYS)
        users = engine.write_parquet(
            con, engine.sql("state/user_state"), shard.part(layout.state(day))
        )
        engine.write_parquet(
            con, engine.sql("state/user_topic_state"), shard.part(layout.topic_state(day))
        )

        own("today_networks", layout.daily_network_features(day))
        own("prev_network_state", layout.network_state(yesterday), NETWORK_FEATURES_SCHEMA)
        # As above: a day that was never added to the per-network sums is not subtracted.
        if prev_network_window_days >= WINDOW_DAYS:
            own(
                "expiring_networks",
                layout.daily_network_features(expiring_day),
                NETWORK_FEATURES_SCHEMA,
            )
        else:
            con.execute(f"create temp table expiring_networks ({NETWORK_FEATURES_SCHEMA})")
        for name in ("prev_network_state", "expiring_networks"):
            _with_eligible_items(con, name)
        engine.write_parquet(
            con, engine.sql("state/network_state"), shard.part(layout.network_state(day))
        )

        pairs = _update_reach(con, layout, day, shard, window_days, prev_window_days)
        shards.record(con, layout.state(day).parent, shard)
    engine.write_json(
        layout.state_meta(day),
        {"state_date": day, "window_days": window_days, "network_window_days": network_window_days},
    )
    log.info(
        "state %s: %d users, %d engager pairs looked up in the %d-day window (%d of %d days "
        "filled) in %.1f s",
        shards.describe(day, shard),
        users,
        pairs,
        WINDOW_DAYS,
        window_days,
        WINDOW_DAYS,
        time.monotonic() - started,
    )
    return shard.part(layout.state(day))


def _with_eligible_items(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Give the relation ``name`` an ``eligible_items`` column when it was written before
    model v4 counted them: every item counted whole then (content_items), and those days
    keep that count until they leave the window, so the window's sums stay consistent."""
    columns = {row[0] for row in con.execute(f"describe {name}").fetchall()}
    if "eligible_items" in columns:
        return
    kind = con.execute(
        "select table_type from information_schema.tables where table_name = $name",
        {"name": name},
    ).fetchall()
    if kind and kind[0][0] != "VIEW":
        con.execute(f"alter table {name} add column eligible_items double")
        con.execute(f"update {name} set eligible_items = content_items")
        return
    con.execute(f"alter view {name} rename to {name}_before_v4")
    con.execute(
        f"create temp view {name} as "
        f"select *, content_items::double as eligible_items from {name}_before_v4"
    )


class MissingWindowDay(RuntimeError):
    """A day inside the 90-day window has no engager pairs to look tonight's up in."""


def _update_reach(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    day: date,
    shard: Shard,
    window_days: int,
    prev_window_days: int,
) -> int:
    """Write today's reach, per-network reach and giver breadth from yesterday's and
    tonight's changes (sql/state/user_pair_changes.sql); return the pairs looked up.

    The window's pairs are never rewritten: each day's pairs stay in its daily_engagers
    file, and a night reads only the keys of the days still in the window, joined to
    today's pairs and the expiring day's. Yesterday's counts missing (the first night, or
    state from before they were kept) means counting the window's pairs once, whole.
    """
    yesterday = day - timedelta(days=1)
    previous = (layout.reach(yesterday), layout.network_reach(yesterday))
    # Breadth is kept per shard of the people engaged, so it cannot be split again: a
    # night whose shards differ from yesterday's counts the window whole, once.
    incremental = (
        prev_window_days > 0
        and all(shards.written(path) for path in (*previous, layout.giver_breadth(yesterday)))
        and not shards.own_parts(con, layout.giver_breadth(yesterday), shard)[1]
    )
    if incremental:
        first_kept = day - timedelta(days=min(prev_window_days, WINDOW_DAYS - 1))
        _view_pairs(con, "today_pairs", layout, [day], shard)
        expiring = [day - timedelta(days=WINDOW_DAYS)] if prev_window_days >= WINDOW_DAYS else []
        _view_pairs(con, "expiring_pairs", layout, expiring, shard)
        _view_pairs(con, "between_pairs", layout, _days(first_kept, yesterday), shard)
        shards.view_own(con, "prev_reach", layout.reach(yesterday), shard)
        shards.view_own(con, "prev_network_reach", layout.network_reach(yesterday), shard)
        shards.view_own(con, "prev_breadth", layout.giver_breadth(yesterday), shard)
    else:
        # Every pair of the window counts as new once: the counts come out whole.
        window = _days(day - timedelta(days=window_days - 1), day)
        _view_pairs(con, "today_pairs", layout, window, shard, skip_missing=window[:-1])
        _view_pairs(con, "expiring_pairs", layout, [], shard)
        _view_pairs(con, "between_pairs", layout, [], shard)
        con.execute(f"create or replace temp table prev_reach ({REACH_SCHEMA})")
        con.execute(f"create or replace temp table prev_network_reach ({NETWORK_REACH_SCHEMA})")
        con.execute(f"create or replace temp table prev_breadth ({BREADTH_SCHEMA})")
    engine.view(con, "held_out_today", layout.held_out_pairs(day), HELD_OUT_SCHEMA)
    con.execute(
        "create or replace temp view held_out_keys as "
        "select target_user_id as user_id, "
        "pair_key_of(target_user_id, actor_id) as pair_key "
        f"from held_out_today where {shard.owns('target_user_id')}"
    )
    con.execute(f"create or replace temp table probe_keys as {engine.sql('state/probe_keys')}")
    with engine.progress(con, f"state {day}: looking tonight's pairs up in the window"):
        con.execute(
            f"create or replace temp table seen_between as {engine.sql('state/seen_between')}"
        )
    con.execute(
        "create or replace temp table user_pair_changes as " + engine.sql("state/user_pair_changes")
    )
    # The lookup reads the window's pairs a second time (seen_between read their keys);
    # a night with nothing held out, the common one, skips it.
    if con.execute("select count(*) from held_out_keys").fetchall()[0][0]:
        with engine.progress(con, f"state {day}: held-out pairs' engagement in the window"):
            con.execute(
                "create or replace temp table held_out_window as "
                + engine.sql("state/held_out_window")
            )
    else:
        con.execute(
            "create or replace temp table held_out_window (user_id varchar, "
            "held_out_reactions bigint, held_out_weighted_reactions double, "
            "held_out_impact double)"
        )
    engine.write_parquet(con, engine.sql("state/reach"), shard.part(layout.reach(day)))
    engine.write_parquet(
        con, engine.sql("state/network_reach"), shard.part(layout.network_reach(day))
    )
    engine.write_parquet(
        con, engine.sql("state/giver_breadth"), shard.part(layout.giver_breadth(day))
    )
    return con.execute("select count(*) from probe_keys").fetchall()[0][0]


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _view_pairs(
    con: duckdb.DuckDBPyConnection,
    name: str,
    layout: Layout,
    days: list[date],
    shard: Shard,
    skip_missing: Sequence[date] = (),
) -> None:
    """The view ``name``: the daily_engagers rows of ``days`` for ``shard``'s users.

    Files from before pair_key existed get it computed as they are read. A missing day
    is an error unless it is in ``skip_missing`` (days counted whole, where a day from
    before daily_engagers existed is left out with a warning)."""
    groups: dict[tuple[bool, bool, bool], list[Path]] = {}
    for when in days:
        path = layout.daily_engagers(when)
        files, filtered = shards.own_parts(con, path, shard)
        if not all(f.exists() for f in files):
            if when in skip_missing:
                log.warning("state: no engager pairs for %s; reach leaves that day out", when)
                continue
            raise MissingWindowDay(
                f"{path.parent} has no engager pairs for every shard, and {when} is inside "
                f"the 90-day window of {max(days) + timedelta(days=1)}: rerun the nights from "
                f"{when} on (clout run --start {when} --end ...), whose features write them."
            )
        for file in files:
            columns = engine.parquet_columns(con, file)
            keyed = "pair_key" in columns
            weighted = "weighted_reactions" in columns
            groups.setdefault((keyed, weighted, filtered), []).append(file)
    selects = []
    for (keyed, weighted, filtered), files in groups.items():
        key = "pair_key" if keyed else "pair_key_of(user_id, engager_id)"
        # Pairs written before model v4 kept no weights: a held-out pair of those days
        # leaves the signals only from the day it was held out (the state's own sums).
        weights = (
            "reactions, weighted_reactions, impact"
            if weighted
            else "0::bigint as reactions, 0.0::double as weighted_reactions, 0.0::double as impact"
        )
        where = f" where {shard.owns('user_id')}" if filtered else ""
        selects.append(
            f"select user_id, network, engager_id, {key} as pair_key, {weights} "
            f"from {engine.parquet_source(files)}{where}"
        )
    if selects:
        con.execute(f"create or replace temp view {name} as " + " union all ".join(selects))
    else:
        con.execute(f"create or replace temp table {name} ({PAIRS_SCHEMA})")
