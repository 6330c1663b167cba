"""Step 6, gaming flags: jumps with who caused them, and the accounts of gaming groups.

A jump is a robust-z rise of a main signal against the user's own history and against the
population (sql/gaming/jumps.sql). Every jump is attributed (jump_attribution.sql) and
kept in ``gaming_jumps``; only those carried by new, narrow or grouped accounts become
flags. The groups found before the score (groups.py) flag their members and the accounts
they served.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

from transforms import engine, shards
from transforms.groups import FRESH_DAYS, HELD_OUT_SCHEMA, KNOWN_ACCOUNTS_SCHEMA
from transforms.layout import Layout
from transforms.state import BREADTH_SCHEMA

log = logging.getLogger(__name__)

# Iglewicz & Hoaglin's cut-off for a robust z.
Z_THRESHOLD = 3.5
# On log1p counts, a MAD below 0.25 (a ~28% change) is noise from zero-heavy days.
MAD_FLOOR = 0.25
# A jump needs at least a week of earlier changes and a count worth acting on.
MIN_HISTORY_DAYS = 7
MIN_COUNT = 20
# An account that engaged 3 people or fewer in 90 days is narrow.
NARROW_TARGETS = 3
# A jump is gaming when half of it or more came from new, narrow or grouped accounts.
MIN_SUSPICIOUS_SHARE = 0.5
# gaming_groups as this step reads it: absent when the groups step has not run (tests).
GROUPS_SCHEMA = (
    "group_id varchar, score_date date, rule varchar, members varchar[], "
    "beneficiaries varchar[], size bigint, actions bigint, evidence varchar"
)


def flag_gaming(data_root: Path, day: date) -> Path:
    """Write the day's jumps and gaming flags (possibly none); return the flags' path."""
    layout = Layout(data_root)
    started = time.monotonic()
    yesterday = day - timedelta(days=1)
    with engine.connect(layout.duckdb_temp) as con:
        shards.view_all(con, "state", layout.state(day))
        engine.view(con, "day_events", layout.events(day))
        shards.view_all(con, "known_accounts", layout.state(yesterday), KNOWN_ACCOUNTS_SCHEMA)
        shards.view_all(con, "giver_breadth", layout.giver_breadth(day), BREADTH_SCHEMA)
        engine.view(con, "held_out", layout.held_out_pairs(day), HELD_OUT_SCHEMA)
        engine.view(con, "gaming_groups", layout.gaming_groups(day), GROUPS_SCHEMA)
        engine.set_variables(
            con,
            flag_date=day,
            min_history_days=MIN_HISTORY_DAYS,
            min_count=MIN_COUNT,
            mad_floor=MAD_FLOOR,
            z_threshold=Z_THRESHOLD,
            fresh_days=FRESH_DAYS,
            narrow_targets=NARROW_TARGETS,
            min_suspicious_share=MIN_SUSPICIOUS_SHARE,
        )
        con.execute(f"create temp table jumps as {engine.sql('gaming/jumps')}")
        con.execute(f"create temp table edges as {engine.sql('gaming/jump_edges_today')}")
        jumps = engine.write_parquet(
            con, engine.sql("gaming/jump_attribution"), layout.gaming_jumps(day)
        )
        engine.view(con, "gaming_jumps", layout.gaming_jumps(day))
        flags = engine.write_parquet(
            con, engine.sql("gaming/gaming_flags"), layout.gaming_flags(day)
        )
        by_rule = con.execute(
            "select rule, count(*) from read_parquet(?) group by rule order by rule",
            [str(layout.gaming_flags(day))],
        ).fetchall()
        viral = con.execute(
            "select count(*) from read_parquet(?) where verdict = 'virality'",
            [str(layout.gaming_jumps(day))],
        ).fetchone()
    log.info(
        "gaming %s: %d flags (%s); %d jumps, %d of them virality in %.1f s",
        day,
        flags,
        ", ".join(f"{rule} {n}" for rule, n in by_rule) or "none",
        jumps,
        viral[0] if viral else 0,
        time.monotonic() - started,
    )
    return layout.gaming_flags(day)
