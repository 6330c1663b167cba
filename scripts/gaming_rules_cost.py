"""Measure the gaming-group rules on one large day, built from a real run's day.

Takes day --day of a data root that `clout run` processed (its accepted events and the
day before's user_state), and writes --copies disjoint copies of it (user, post and event
ids suffixed per copy, so each copy is an independent network with its own farms, pods and
puppets) into a fresh data root. Then times ``detect_gaming_groups`` on that day and prints
the events, the seconds, the groups found and the peak memory of this process.
Usage: python scripts/gaming_rules_cost.py --source DIR --day 2026-01-15 [--copies 33]
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from transforms import engine
from transforms.groups import detect_gaming_groups
from transforms.layout import Layout


def replicate(source: Path, target: Path, day: date, copies: int) -> int:
    """Write ``copies`` disjoint copies of the day's events and yesterday's first-seen
    dates under ``target``; return the events written."""
    src, dst = Layout(source), Layout(target)
    yesterday = day - timedelta(days=1)
    for path in (dst.events(day), dst.state(yesterday)):
        path.parent.mkdir(parents=True, exist_ok=True)
    suffix = "'~' || copy"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        con.execute(
            f"""
            copy (
                select * replace (
                    event_id || {suffix} as event_id,
                    actor_id || {suffix} as actor_id,
                    target_user_id || {suffix} as target_user_id,
                    target_post_id || {suffix} as target_post_id,
                    post_id || {suffix} as post_id
                )
                from {engine.parquet_source(src.events(day))}, range({copies}) as copies(copy)
            ) to {engine.quote_path(dst.events(day))} (format parquet)
            """
        )
        con.execute(
            f"""
            copy (
                select user_id || {suffix} as user_id, first_seen
                from {engine.parquet_source(src.state(yesterday))}, range({copies}) as c(copy)
            ) to {engine.quote_path(dst.state(yesterday))} (format parquet)
            """
        )
        return con.execute(
            f"select count(*) from {engine.parquet_source(dst.events(day))}"
        ).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--day", type=date.fromisoformat, required=True)
    parser.add_argument("--copies", type=int, default=33)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    root = (args.work or Path(tempfile.mkdtemp(prefix="clout-gaming-cost-"))) / "data"
    events = replicate(args.source, root, args.day, args.copies)
    started = time.monotonic()
    detect_gaming_groups(root, args.day)
    seconds = time.monotonic() - started
    with duckdb.connect() as con:
        groups = con.execute(
            "select rule, count(*), sum(size) from read_parquet(?) group by rule order by rule",
            [str(Layout(root).gaming_groups(args.day))],
        ).fetchall()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"\ngaming-group rules on {args.day} x {args.copies}: {events:,} events in {seconds:.1f} s"
    )
    print(f"  {events / seconds:,.0f} events a second; peak memory {peak_mib:,.0f} MiB")
    for rule, count, size in groups:
        print(f"  {rule:<16} {count:>5} groups, {size:>9,} accounts")
    print(f"  data root: {root}")


if __name__ == "__main__":
    main()
