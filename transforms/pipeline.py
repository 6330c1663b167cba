"""One night, end to end, without Airflow: the same step functions the DAG runs."""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from transforms.brake import apply_safety_brake
from transforms.features import build_daily_features
from transforms.gaming import flag_gaming
from transforms.groups import detect_gaming_groups
from transforms.ingest import ingest_day
from transforms.layout import Layout, partition
from transforms.publish import publish
from transforms.quality import check_quality
from transforms.readiness import refuse_rerun_leaving_later_nights
from transforms.scoring import assign_archetypes, score_users
from transforms.shards import all_shards
from transforms.state import update_state

log = logging.getLogger(__name__)

# In the DAG's order. features and state run once per shard (SHARDED_STEPS: the DAG maps
# them over the night's shards); every other step runs once, over the whole population.
STEPS: tuple[tuple[str, Callable[..., object]], ...] = (
    ("ingest", ingest_day),
    ("safety_brake", apply_safety_brake),
    ("gaming_groups", detect_gaming_groups),
    ("features", build_daily_features),
    ("state", update_state),
    ("score", score_users),
    ("archetypes", assign_archetypes),
    ("gaming", flag_gaming),
    ("checks", check_quality),
)
SHARDED_STEPS = frozenset({"features", "state"})


def run_step(
    name: str, step: Callable[..., object], data_root: Path, day: date, shard_count: int = 1
) -> None:
    """Run one step of the night; a sharded step runs for each shard in turn."""
    if name in SHARDED_STEPS:
        for shard in all_shards(shard_count):
            step(data_root, day, shard)
    else:
        step(data_root, day)


# The folders a night writes under the data root, each partitioned by day: what
# clear_day removes. Not the dump (landing), nor what is published, nor run_log.
NIGHT_OUTPUTS = (
    "events",
    "event_index",
    "quarantine",
    "batch_profile",
    "gaming_groups",
    "daily_features",
    "state",
    "user_features",
    "user_networks",
    "user_topics",
    "graded",
    "scores",
    "score_explanations",
    "gaming_jumps",
    "gaming_flags",
    "checks",
)


def clear_day(data_root: Path, day: date) -> list[Path]:
    """Remove every output the night of ``day`` wrote (the run-from-scratch Param);
    return the folders removed. The dump and the published files stay."""
    layout = Layout(data_root)
    removed = []
    for table in NIGHT_OUTPUTS:
        folder = layout.root / table / partition(day)
        if folder.exists():
            shutil.rmtree(folder)
            removed.append(folder)
    log.info("cleared %d output folders of %s to rerun it from scratch", len(removed), day)
    return removed


def run_day(data_root: Path, day: date, shard_count: int = 1) -> Path:
    """Run every step for ``day`` in order and publish; return the warehouse path. With
    ``shard_count`` > 1 the per-user steps run shard by shard, as the DAG's mapped tasks
    would, and the warehouse comes out the same."""
    started_at = datetime.now(UTC)
    began = time.monotonic()
    for name, step in STEPS:
        run_step(name, step, data_root, day, shard_count)
    warehouse = publish(data_root, day, started_at)
    log.info("night %s done in %.1f s", day, time.monotonic() - began)
    return warehouse


def run_range(data_root: Path, start: date, end: date, shard_count: int = 1) -> Path | None:
    """Run every day from ``start`` to ``end`` inclusive, in date order. Refused
    (``RerunRefused``) when it would build on a stale night or leave later published
    nights stale."""
    if end < start:
        raise ValueError(f"--end {end} is before --start {start}")
    refuse_rerun_leaving_later_nights(data_root, start, end)
    warehouse = None
    day = start
    while day <= end:
        warehouse = run_day(data_root, day, shard_count)
        day += timedelta(days=1)
    return warehouse
