"""Step 6, gaming flags v1: robust-z jumps in the main signals."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from transforms import engine
from transforms.layout import Layout

log = logging.getLogger(__name__)

# Iglewicz & Hoaglin's cut-off for a robust z.
Z_THRESHOLD = 3.5
# On log1p counts, a MAD below 0.25 (a ~28% change) is noise from zero-heavy days.
MAD_FLOOR = 0.25
# A jump needs at least a week of earlier changes and a count worth acting on.
MIN_HISTORY_DAYS = 7
MIN_COUNT = 20


def flag_gaming(data_root: Path, day: date) -> Path:
    """Write the day's gaming flags (possibly none); return their path."""
    layout = Layout(data_root)
    started = time.monotonic()
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "state", layout.state(day))
        engine.set_variables(
            con,
            flag_date=day,
            min_history_days=MIN_HISTORY_DAYS,
            min_count=MIN_COUNT,
            mad_floor=MAD_FLOOR,
            z_threshold=Z_THRESHOLD,
        )
        flags = engine.write_parquet(
            con, engine.sql("gaming/gaming_flags"), layout.gaming_flags(day)
        )
    log.info("gaming %s: %d flags in %.1f s", day, flags, time.monotonic() - started)
    return layout.gaming_flags(day)
