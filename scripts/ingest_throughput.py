"""Measure ingest throughput on one large day, from .jsonl.gz and from .parquet.

Generates a small network, takes one day's accepted events, and copies them (with fresh
event ids) into a day of at least --events events, written once as .jsonl.gz and once as
.parquet. Then times ``ingest_day`` on each and prints events per second.
Usage: python scripts/ingest_throughput.py [--events 5000000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from transforms import engine
from transforms.generate import generate
from transforms.ingest import ingest_day
from transforms.layout import Layout

DAY = date(2026, 1, 2)


def build_day(seed_root: Path, events: int, target: Path, fmt: str) -> int:
    """Write dump DAY under ``target`` in one file of format ``fmt``; return its rows."""
    source = engine.parquet_source(Layout(seed_root).events(DAY))
    folder = Layout(target).landing(DAY)
    folder.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        base = con.execute(f"select count(*) from {source}").fetchone()[0]
        copies = -(-events // base)
        query = f"""
            select event_id || '-' || copy as event_id,
                   strftime(ts, '%Y-%m-%dT%H:%M:%SZ') as ts,
                   network, actor_id, action, target_user_id, target_post_id,
                   case when post_id is not null then post_id || '-' || copy end as post_id,
                   topics
            from {source}, range({copies}) as copies(copy)
        """
        if fmt == "parquet":
            query = query.replace("strftime(ts, '%Y-%m-%dT%H:%M:%SZ') as ts", "ts")
            out = folder / "day.parquet"
            con.execute(f"copy ({query}) to {engine.quote_path(out)} (format parquet)")
        else:
            out = folder / "day.jsonl.gz"
            con.execute(
                f"copy ({query}) to {engine.quote_path(out)} (format json, compression gzip)"
            )
    (folder / "_SUCCESS").touch()
    return base * copies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--work", type=Path, default=None, help="scratch folder (default: temp)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="clout-ingest-bench-"))
    seed_root = work / "seed"
    generate(seed_root, users=20_000, days=2, start=date(2026, 1, 1), seed=7)
    ingest_day(seed_root, date(2026, 1, 1))
    ingest_day(seed_root, DAY)
    results = {}
    for fmt in ("jsonl.gz", "parquet"):
        root = work / fmt
        shutil.rmtree(root, ignore_errors=True)
        rows = build_day(seed_root, args.events, root, fmt)
        size = sum(p.stat().st_size for p in Layout(root).landing(DAY).iterdir())
        began = time.monotonic()
        counts = ingest_day(root, DAY)
        seconds = time.monotonic() - began
        results[fmt] = {
            "events": rows,
            "file_mb": round(size / 1e6, 1),
            "seconds": round(seconds, 2),
            "events_per_second": round(counts.events_read / seconds),
            "accepted": counts.events_accepted,
            "quarantined": counts.events_quarantined,
        }
        print(
            f"{fmt:>9}: {counts.events_read:,} events ({size / 1e6:,.0f} MB) ingested in "
            f"{seconds:.1f} s = {counts.events_read / seconds:,.0f} events/s "
            f"(accepted {counts.events_accepted:,}, quarantined {counts.events_quarantined:,})",
            flush=True,
        )
    print(json.dumps(results, indent=2))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
