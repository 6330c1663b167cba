"""The safety brake: stop a night before it publishes when its dump is clearly broken.

Two causes, each named in the message: too large a share of the day's rows quarantined
(default 5%, ``CLOUT_MAX_QUARANTINE_SHARE``), or a network that sent data on each of the
seven days before and sent nothing today (a partner's dump is probably missing). Either
way the previous night's warehouse stays as it was.
"""

from __future__ import annotations

import logging
import os
from datetime import date, timedelta
from pathlib import Path

import duckdb

from transforms import engine
from transforms.ingest import read_counts
from transforms.layout import Layout

log = logging.getLogger(__name__)

DEFAULT_MAX_QUARANTINE_SHARE = 0.05
NETWORK_HISTORY_DAYS = 7


class SafetyBrakeEngaged(RuntimeError):
    """The day's input is too broken to publish; the message says why."""


def max_quarantine_share() -> float:
    raw = os.environ.get("CLOUT_MAX_QUARANTINE_SHARE", str(DEFAULT_MAX_QUARANTINE_SHARE))
    try:
        share = float(raw)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ValueError(
            f"CLOUT_MAX_QUARANTINE_SHARE={raw!r} must be a share between 0 and 1, e.g. 0.05"
        )
    return share


def apply_safety_brake(data_root: Path, day: date) -> None:
    """Raise ``SafetyBrakeEngaged`` if the day's dump must not be published."""
    layout = Layout(data_root)
    counts = read_counts(data_root, day)
    limit = max_quarantine_share()
    causes = []
    share = counts.events_quarantined / max(counts.events_read, 1)
    if share > limit:
        causes.append(
            f"{share:.1%} of the {counts.events_read:,} rows read were quarantined "
            f"(limit {limit:.0%}); most came from {_worst_quarantine(layout, day)}"
        )
    missing = missing_networks(layout, day)
    if missing:
        causes.append(
            f"network(s) {', '.join(missing)} sent events on each of the "
            f"{NETWORK_HISTORY_DAYS} days before and none today: a partner's dump is "
            "probably missing or empty"
        )
    if causes:
        raise SafetyBrakeEngaged(
            f"night {day} stopped before publishing: "
            + "; ".join(causes)
            + f". The warehouse keeps the previous night. Fix the dump in "
            f"{layout.landing(day)} and rerun the day (clout run --date {day}); if the "
            "quarantine share is expected, raise CLOUT_MAX_QUARANTINE_SHARE."
        )
    log.info(
        "safety brake %s: released (%.2f%% quarantined, limit %.0f%%; no network missing)",
        day,
        100 * share,
        100 * limit,
    )


def missing_networks(layout: Layout, day: date) -> list[str]:
    """Networks present on each of the last seven days' profiles and absent from today's."""
    trailing = [layout.batch_profile(day - timedelta(days=n)) for n in range(1, 8)]
    if not all(path.exists() for path in trailing):
        return []
    with duckdb.connect() as con:
        engine.view(con, "today_profile", layout.batch_profile(day))
        con.execute(
            "create temp view trailing_profiles as select * from "
            + engine.parquet_source(trailing, with_filename=True)
        )
        rows = con.execute(engine.sql("quality/missing_networks")).fetchall()
    return [row[0] for row in rows]


def _worst_quarantine(layout: Layout, day: date) -> str:
    with duckdb.connect() as con:
        engine.view(con, "quarantined", layout.quarantine(day))
        rows = con.execute(
            """
            select source_file, reason, count(*) as rows
            from quarantined
            group by all
            order by rows desc, source_file, reason
            limit 3
            """
        ).fetchall()
    return ", ".join(f"{file} ({reason}: {rows:,})" for file, reason, rows in rows)
