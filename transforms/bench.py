"""``clout bench``: one full night on a day of N events for M users, against the engine ceiling.

The day is synthesised by DuckDB from integers (``sql/bench/synthetic_day.sql``), in Parquet
and in ``.jsonl.gz``, and cached by size and seed, so a second run starts at once. A fresh
data root gets the day, hard-linked into its landing folder, after ``history_days`` earlier
days of the same size that run as full nights first (the state, yesterday's scores and the
event ids a night reads). Then the night runs step by step, ingest through publish, each
step in a fresh process of its own, as Airflow runs a task: it reports its seconds (the
work, not the interpreter's start), its rows in and out, and the peak RSS of its process
(``ru_maxrss``: DuckDB and Polars allocate in-process, so this counts them, and nothing an
earlier step left behind). In the same run, on the same file, one plain DuckDB query, in a
process of its own too, computes the per-user aggregates (``sql/bench/ceiling.sql``): the
ceiling the night is held against.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from transforms import engine
from transforms.layout import Layout
from transforms.pipeline import STEPS, run_day, run_step
from transforms.publish import publish

log = logging.getLogger(__name__)
T = TypeVar("T")

BENCH_DAY = date(2026, 6, 1)
FORMATS = {"parquet": "events.parquet", "jsonl.gz": "events.jsonl.gz"}
# Part of the cache folder's name: a change to sql/bench/synthetic_day.sql bumps it.
GENERATOR_VERSION = 2


@dataclass
class StepFigures:
    step: str
    seconds: float
    rows_in: int
    rows_out: int
    peak_rss_mb: float


@dataclass
class BenchResult:
    format: str
    events: int
    users: int
    history_days: int
    shards: int
    cores: int
    duckdb_memory_limit: str
    duckdb_threads: int
    steps: list[StepFigures] = field(default_factory=list)
    night_seconds: float = 0.0
    night_peak_rss_mb: float = 0.0
    events_per_second: float = 0.0
    ceiling_seconds: float = 0.0
    ceiling_peak_rss_mb: float = 0.0
    night_over_ceiling: float = 0.0
    priming_seconds: float = 0.0


def in_own_process(function: Callable[..., T], *args: object) -> tuple[T, float]:
    """Call ``function(*args)`` in a fresh interpreter; return its result and the peak RSS
    of that process in MB. ``function`` must be importable (module level)."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn, max_tasks_per_child=1) as pool:
        return pool.submit(_measured, function, *args).result()


def _measured(function: Callable[..., T], *args: object) -> tuple[T, float]:
    from transforms.cli import setup_logging  # the child logs as `clout` does

    setup_logging()
    result = function(*args)
    # Linux reports ru_maxrss in kB.
    return result, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cached_day(cache: Path, day: date, events: int, users: int, seed: int, fmt: str) -> Path:
    """The synthetic dump of ``day`` in ``fmt``, generated once into ``cache``."""
    folder = cache / f"v{GENERATOR_VERSION}-events-{events}-users-{users}-seed-{seed}" / f"dt={day}"
    target = folder / FORMATS[fmt]
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    with engine.connect(cache / "tmp") as con:
        engine.set_variables(con, bench_day=day, events=events, users=users, seed=seed)
        query = engine.sql("bench/synthetic_day")
        tmp = engine.temporary_sibling(target)
        with engine.progress(con, f"generating {day} in {target.name}", events):
            if fmt == "parquet":
                con.execute(
                    f"copy ({query}) to {engine.quote_path(tmp)} "
                    "(format parquet, compression zstd, row_group_size 1000000)"
                )
            else:
                # JSON wants the timestamp as RFC 3339 text with its offset.
                con.execute(
                    f"copy (select * replace (strftime(ts, '%Y-%m-%dT%H:%M:%S.%gZ') as ts) "
                    f"from ({query})) to {engine.quote_path(tmp)} (format json, compression gzip)"
                )
        os.replace(tmp, target)
    log.info(
        "bench: generated %s events of %s in %s in %.1f s",
        f"{events:,}",
        day,
        target.name,
        time.monotonic() - began,
    )
    return target


def land(data_root: Path, day: date, source: Path) -> None:
    """Put a cached dump into the data root's landing folder (a hard link: no copy)."""
    folder = Layout(data_root).landing(day)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    target.unlink(missing_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
    (folder / "_SUCCESS").touch()


def run_bench(
    work: Path,
    cache: Path,
    events: int,
    users: int,
    fmt: str = "parquet",
    history_days: int = 1,
    seed: int = 7,
    shards: int = 1,
    progress: Callable[[str], None] = print,
) -> BenchResult:
    """Prime ``history_days`` nights, then measure one night and the ceiling."""
    data_root = work / f"data-{fmt}"
    if data_root.exists():
        shutil.rmtree(data_root)
    result = BenchResult(
        format=fmt,
        events=events,
        users=users,
        history_days=history_days,
        shards=shards,
        cores=os.cpu_count() or 1,
        duckdb_memory_limit=engine.memory_limit(),
        duckdb_threads=engine.threads(),
    )
    primed = time.monotonic()
    for back in range(history_days, 0, -1):
        earlier = BENCH_DAY - timedelta(days=back)
        land(data_root, earlier, cached_day(cache, earlier, events, users, seed, fmt))
        progress(f"priming night {earlier} ({history_days - back + 1} of {history_days})")
        in_own_process(run_day, data_root, earlier, shards)
    result.priming_seconds = time.monotonic() - primed

    day_file = cached_day(cache, BENCH_DAY, events, users, seed, fmt)
    land(data_root, BENCH_DAY, day_file)
    progress(f"night {BENCH_DAY}: {events:,} events, {users:,} users, from {fmt}")
    result.steps = _run_night(data_root, BENCH_DAY, shards, progress)
    result.night_seconds = sum(s.seconds for s in result.steps)
    result.night_peak_rss_mb = max(s.peak_rss_mb for s in result.steps)
    result.events_per_second = events / result.night_seconds
    parquet_file = cached_day(cache, BENCH_DAY, events, users, seed, "parquet")
    progress("engine ceiling: per-user aggregates in one DuckDB query on the Parquet file")
    result.ceiling_seconds, result.ceiling_peak_rss_mb = in_own_process(
        _ceiling, parquet_file, work / "tmp"
    )
    result.night_over_ceiling = result.night_seconds / result.ceiling_seconds
    return result


def _ceiling(parquet_file: Path, temp_directory: Path) -> float:
    with engine.connect(temp_directory) as con:
        began = time.monotonic()
        engine.view(con, "bench_events", parquet_file)
        con.execute(engine.sql("bench/ceiling")).fetchall()
        return time.monotonic() - began


def _run_night(
    data_root: Path,
    day: date,
    shard_count: int,
    progress: Callable[[str], None] = lambda _: None,
) -> list[StepFigures]:
    started_at = datetime.now(UTC)
    figures = []
    for name in [*(name for name, _ in STEPS), "publish"]:
        rows_in = _rows(data_root, day, STEP_INPUTS.get(name, ()))
        seconds, peak_rss_mb = in_own_process(
            _timed_step, name, data_root, day, shard_count, started_at
        )
        rows_out = _rows(data_root, day, STEP_OUTPUTS.get(name, ()))
        if name == "ingest":
            rows_in = _landing_rows(Layout(data_root), day)  # known once ingest has counted
        figures.append(StepFigures(name, seconds, rows_in, rows_out, peak_rss_mb))
        progress(
            f"  {name:<14} {seconds:8.1f} s  rows in {rows_in:>13,}  out {rows_out:>13,}"
            f"  peak RSS {peak_rss_mb:8,.0f} MB"
        )
    return figures


def _timed_step(
    name: str, data_root: Path, day: date, shard_count: int, started_at: datetime
) -> float:
    began = time.monotonic()
    if name == "publish":
        publish(data_root, day, started_at)
    else:
        run_step(name, dict(STEPS)[name], data_root, day, shard_count)
    return time.monotonic() - began


# What each step reads and writes, by Layout table name, for the rows columns.
STEP_INPUTS: dict[str, tuple[str, ...]] = {
    "ingest": (),
    "safety_brake": ("events",),
    "gaming_groups": ("events",),
    "features": ("events",),
    "state": ("daily_features", "previous_state"),
    "score": ("state",),
    "archetypes": ("graded",),
    "gaming": ("scores",),
    "checks": ("scores", "user_features"),
    "publish": ("scores", "user_features", "user_networks", "gaming_flags"),
}
STEP_OUTPUTS: dict[str, tuple[str, ...]] = {
    "ingest": ("events", "quarantine"),
    "safety_brake": (),
    "gaming_groups": ("gaming_groups",),
    "features": ("daily_features",),
    "state": ("state",),
    "score": ("graded",),
    "archetypes": ("scores",),
    "gaming": ("gaming_flags", "gaming_jumps"),
    "checks": (),
    "publish": ("scores", "user_features", "user_networks", "gaming_flags"),
}


def _rows(data_root: Path, day: date, tables: tuple[str, ...]) -> int:
    layout = Layout(data_root)
    files: list[Path] = []
    for table in tables:
        if table == "previous_state":
            table, when = "state", day - timedelta(days=1)
        else:
            when = day
        files += sorted((layout.root / table / f"dt={when}").glob("*.parquet"))
    if not files:
        return 0
    with engine.connect(layout.duckdb_temp) as con:
        return sum(engine.parquet_rows(con, path) for path in files)


def _landing_rows(layout: Layout, day: date) -> int:
    from transforms.ingest import read_counts

    try:
        return read_counts(layout.root, day).events_read
    except FileNotFoundError:
        return 0


def render_table(result: BenchResult) -> str:
    lines = [
        f"clout bench: {result.events:,} events, {result.users:,} users, from {result.format}, "
        f"{result.history_days} day(s) of history, {result.shards} shard(s); "
        f"{result.cores} cores, DuckDB memory_limit "
        f"{result.duckdb_memory_limit}, {result.duckdb_threads} threads",
        f"{'step':<14} {'seconds':>9} {'rows in':>14} {'rows out':>14} {'peak RSS MB':>12}",
    ]
    for s in result.steps:
        lines.append(
            f"{s.step:<14} {s.seconds:9.1f} {s.rows_in:14,} {s.rows_out:14,} {s.peak_rss_mb:12,.0f}"
        )
    lines += [
        f"{'night':<14} {result.night_seconds:9.1f} {'':>14} {'':>14} "
        f"{result.night_peak_rss_mb:12,.0f}",
        f"{'ceiling':<14} {result.ceiling_seconds:9.1f} {'':>14} {'':>14} "
        f"{result.ceiling_peak_rss_mb:12,.0f}",
        f"events per second: {result.events_per_second:,.0f}; night / ceiling: "
        f"{result.night_over_ceiling:.2f}; priming {result.priming_seconds:.1f} s",
    ]
    return "\n".join(lines)


def write_json(result: BenchResult, path: Path) -> None:
    engine.write_json(path, asdict(result))
