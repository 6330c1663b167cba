"""Step 2, daily features: what each user gave and received, per network too, and their topics."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

from transforms import engine
from transforms.groups import HELD_OUT_SCHEMA
from transforms.layout import Layout
from transforms.scoring import PREV_SCORES_SCHEMA

log = logging.getLogger(__name__)

# A giver with no score yet counts as much as a user at the curve's floor (1/100)...
# times ten: new accounts are common and mostly genuine.
UNSCORED_STANDING = 0.1


def build_daily_features(data_root: Path, day: date) -> Path:
    """Write the day's per-user features and topic counts; return the features path."""
    layout = Layout(data_root)
    started = time.monotonic()
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "day_events", layout.events(day))
        engine.view(con, "prev_scores", layout.scores(day - timedelta(days=1)), PREV_SCORES_SCHEMA)
        engine.view(con, "held_out", layout.held_out_pairs(day), HELD_OUT_SCHEMA)
        engine.set_variables(con, unscored_standing=UNSCORED_STANDING)
        users = engine.write_parquet(
            con, engine.sql("features/daily_user"), layout.daily_features(day)
        )
        topic_rows = engine.write_parquet(
            con, engine.sql("features/daily_topics"), layout.daily_topics(day)
        )
        network_rows = engine.write_parquet(
            con, engine.sql("features/daily_network"), layout.daily_network_features(day)
        )
        engager_rows = engine.write_parquet(
            con, engine.sql("features/daily_engagers"), layout.daily_engagers(day)
        )
    log.info(
        "features %s: %d users, %d user-topic, %d user-network, %d engager rows in %.1f s",
        day,
        users,
        topic_rows,
        network_rows,
        engager_rows,
        time.monotonic() - started,
    )
    return layout.daily_features(day)
