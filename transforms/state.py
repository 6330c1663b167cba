"""Step 3, rolling state: each user's 90-day memory, updated incrementally.

state(D) = state(D-1) + features(D) - features(D-90). Reading three bounded inputs keeps
a night's cost proportional to the day's users, whatever the length of the history.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

from transforms import engine, shards
from transforms.groups import HELD_OUT_SCHEMA
from transforms.layout import WINDOW_DAYS, Layout
from transforms.shards import ALL_USERS, Shard

log = logging.getLogger(__name__)

# Days of daily values kept for the gaming rules: 14 days of changes plus today.
HISTORY_DAYS = 15
NETWORK_FEATURES_SCHEMA = (
    "user_id varchar, network varchar, content_items bigint, reactions_received bigint, "
    "distinct_engagers bigint, weighted_reactions double, impact double, "
    "follows_received bigint, unfollows_received bigint, active_days bigint, "
    "present_days bigint"
)
ENGAGERS_SCHEMA = "user_id varchar, network varchar, engager_id varchar, last_seen date"


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
        engine.write_parquet(
            con, engine.sql("state/network_state"), shard.part(layout.network_state(day))
        )

        own("today_engagers", layout.daily_engagers(day))
        own("prev_engagers", layout.engager_state(yesterday), ENGAGERS_SCHEMA)
        engine.set_variables(con, window_days_max=WINDOW_DAYS)
        pairs = engine.write_parquet(
            con, engine.sql("state/engager_state"), shard.part(layout.engager_state(day))
        )
        engine.view(con, "engager_state", shard.part(layout.engager_state(day)))
        engine.view(con, "held_out_today", layout.held_out_pairs(day), HELD_OUT_SCHEMA)
        con.execute(
            "create temp view held_out as select * from held_out_today "
            f"where {shard.owns('target_user_id')}"
        )
        engine.write_parquet(con, engine.sql("state/reach"), shard.part(layout.reach(day)))
        engine.write_parquet(
            con, engine.sql("state/network_reach"), shard.part(layout.network_reach(day))
        )
        shards.record(con, layout.state(day).parent, shard)
    engine.write_json(
        layout.state_meta(day),
        {"state_date": day, "window_days": window_days, "network_window_days": network_window_days},
    )
    log.info(
        "state %s: %d users, %d engager pairs in the %d-day window (%d of %d days filled) "
        "in %.1f s",
        shards.describe(day, shard),
        users,
        pairs,
        WINDOW_DAYS,
        window_days,
        WINDOW_DAYS,
        time.monotonic() - started,
    )
    return shard.part(layout.state(day))
