"""Step 2, daily features: what each user gave and received, per network too, and their topics."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

from transforms import engine, shards
from transforms.groups import HELD_OUT_SCHEMA
from transforms.layout import Layout
from transforms.scoring import PREV_SCORES_SCHEMA
from transforms.shards import ALL_USERS, Shard

log = logging.getLogger(__name__)

# A giver with no score yet counts as much as a user at the curve's floor (1/100)...
# times ten: new accounts are common and mostly genuine.
UNSCORED_STANDING = 0.1


def build_daily_features(data_root: Path, day: date, shard: Shard = ALL_USERS) -> Path:
    """Write the day's per-user features and topic counts for ``shard``'s users; return
    the features path (the shard's file)."""
    layout = Layout(data_root)
    started = time.monotonic()
    # Nothing reads the day's features in row order; not keeping it saves memory at 100M.
    with engine.connect(layout.duckdb_temp, keep_order=False) as con:
        engine.view(con, "every_event", layout.events(day))
        events = engine.parquet_rows(con, layout.events(day))
        engine.view(con, "prev_scores", layout.scores(day - timedelta(days=1)), PREV_SCORES_SCHEMA)
        engine.view(con, "held_out", layout.held_out_pairs(day), HELD_OUT_SCHEMA)
        con.execute("create temp view day_events as select * from every_event")
        con.execute(f"create temp table giver_volume as {engine.sql('features/giver_volume')}")
        con.execute(
            f"create temp table item_reactivity as {engine.sql('features/item_reactivity')}"
        )
        # A shard sees what its users gave and what they received; each of its outputs
        # keeps its own users.
        con.execute(
            "create or replace temp view day_events as select * from every_event "
            f"where {shard.owns('actor_id')} or {shard.owns('target_user_id')}"
        )
        with engine.progress(
            con, f"features {shards.describe(day, shard)}: reaction pairs", events
        ):
            con.execute(
                f"create temp table reaction_pairs as {engine.sql('features/reaction_pairs')}"
            )
        engine.set_variables(con, unscored_standing=UNSCORED_STANDING)
        counts = {}
        for name, path in (
            ("daily_user", layout.daily_features(day)),
            ("daily_topics", layout.daily_topics(day)),
            ("daily_network", layout.daily_network_features(day)),
            ("daily_engagers", layout.daily_engagers(day)),
        ):
            query = engine.sql(f"features/{name}")
            if not shard.whole:
                query = f"select * from ({query}) where {shard.owns('user_id')}"
            counts[name] = engine.write_parquet(con, query, shard.part(path), events)
        shards.record(con, layout.daily_features(day).parent, shard)
    log.info(
        "features %s: %d users, %d user-topic, %d user-network, %d engager rows in %.1f s",
        shards.describe(day, shard),
        counts["daily_user"],
        counts["daily_topics"],
        counts["daily_network"],
        counts["daily_engagers"],
        time.monotonic() - started,
    )
    return shard.part(layout.daily_features(day))
