"""Step 3, rolling state: each user's 90-day memory, updated incrementally.

state(D) = state(D-1) + features(D) - features(D-90). Reading three bounded inputs keeps
a night's cost proportional to the day's users, whatever the length of the history.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

from transforms import engine
from transforms.layout import WINDOW_DAYS, Layout

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


def update_state(data_root: Path, day: date) -> Path:
    """Write the user and topic state for ``day`` from yesterday's state; return its path."""
    layout = Layout(data_root)
    yesterday = day - timedelta(days=1)
    expiring_day = day - timedelta(days=WINDOW_DAYS)
    earlier = [d for d in layout.existing_days("state") if d < day]
    has_yesterday = layout.state(yesterday).exists()
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
        if layout.network_state(yesterday).exists():
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
        engine.view(con, "today", layout.daily_features(day))
        engine.view(con, "today_topics", layout.daily_topics(day))
        if has_yesterday:
            engine.view(con, "prev_state", layout.state(yesterday))
            engine.view(con, "prev_topics", layout.topic_state(yesterday))
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
        if prev_window_days >= WINDOW_DAYS and layout.daily_features(expiring_day).exists():
            engine.view(con, "expiring", layout.daily_features(expiring_day))
            engine.view(con, "expiring_topics", layout.daily_topics(expiring_day))
        else:
            con.execute("create temp table expiring as select * from today limit 0")
            con.execute("create temp table expiring_topics as select * from today_topics limit 0")
        engine.set_variables(con, state_date=day, history_days=HISTORY_DAYS)
        users = engine.write_parquet(con, engine.sql("state/user_state"), layout.state(day))
        engine.write_parquet(con, engine.sql("state/user_topic_state"), layout.topic_state(day))

        engine.view(con, "today_networks", layout.daily_network_features(day))
        engine.view(
            con, "prev_network_state", layout.network_state(yesterday), NETWORK_FEATURES_SCHEMA
        )
        # As above: a day that was never added to the per-network sums is not subtracted.
        if prev_network_window_days >= WINDOW_DAYS:
            engine.view(
                con,
                "expiring_networks",
                layout.daily_network_features(expiring_day),
                NETWORK_FEATURES_SCHEMA,
            )
        else:
            con.execute(f"create temp table expiring_networks ({NETWORK_FEATURES_SCHEMA})")
        engine.write_parquet(con, engine.sql("state/network_state"), layout.network_state(day))

        engine.view(con, "today_engagers", layout.daily_engagers(day))
        engine.view(con, "prev_engagers", layout.engager_state(yesterday), ENGAGERS_SCHEMA)
        engine.set_variables(con, window_days_max=WINDOW_DAYS)
        pairs = engine.write_parquet(
            con, engine.sql("state/engager_state"), layout.engager_state(day)
        )
    engine.write_json(
        layout.state_meta(day),
        {"state_date": day, "window_days": window_days, "network_window_days": network_window_days},
    )
    log.info(
        "state %s: %d users, %d engager pairs in the %d-day window (%d of %d days filled) "
        "in %.1f s",
        day,
        users,
        pairs,
        WINDOW_DAYS,
        window_days,
        WINDOW_DAYS,
        time.monotonic() - started,
    )
    return layout.state(day)
