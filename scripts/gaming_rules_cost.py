"""Measure the gaming-group rules on one large generated day.

Generates a network of --users users for two days (each gaming scenario of the generator
starts on the second), runs the first night in full to give the second its state, then
ingests the second day and times ``detect_gaming_groups`` on it, printing the day's events,
the seconds, the groups found and the peak memory of this process.
Usage: python scripts/gaming_rules_cost.py [--users 600000] [--work DIR]
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from transforms import engine
from transforms.generate import generate
from transforms.groups import detect_gaming_groups
from transforms.ingest import ingest_day
from transforms.layout import Layout
from transforms.pipeline import run_day

FIRST = date(2026, 1, 1)
SECOND = date(2026, 1, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=600_000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    work = args.work or Path(tempfile.mkdtemp(prefix="clout-gaming-cost-"))
    root = work / "data"
    if not Layout(root).success_marker(SECOND).exists():
        generate(root, users=args.users, days=2, start=FIRST, seed=7)
    run_day(root, FIRST)
    ingest_day(root, SECOND)
    layout = Layout(root)
    with duckdb.connect() as con:
        events = con.execute(
            f"select count(*) from {engine.parquet_source(layout.events(SECOND))}"
        ).fetchone()[0]
    started = time.monotonic()
    detect_gaming_groups(root, SECOND)
    seconds = time.monotonic() - started
    with duckdb.connect() as con:
        groups = con.execute(
            "select rule, count(*), sum(size) from read_parquet(?) group by rule order by rule",
            [str(layout.gaming_groups(SECOND))],
        ).fetchall()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\ngaming-group rules on {SECOND}: {events:,} events in {seconds:.1f} s")
    print(
        f"  {events / seconds:,.0f} events a second; "
        f"peak memory of this process {peak_mib:,.0f} MiB"
    )
    for rule, count, size in groups:
        print(f"  {rule:<16} {count:>4} groups, {size:>7,} accounts")
    print(f"  data root: {root}")


if __name__ == "__main__":
    main()
