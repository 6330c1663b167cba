"""Step 8, publish: make the day visible to analysts in one atomic switch.

The step outputs under ``<data_root>/<table>/dt=D/`` are the source of truth, and a rerun
overwrites them. Readers must never see a day half-rewritten, so publishing hard-links
each output into ``published/<table>/dt=D/`` under a new, never-reused name (no copy),
records the names in ``published/manifest.json``, and writes a new warehouse file from
exactly those files (transforms/warehouse.py). The new file replaces
``warehouse/clout.duckdb`` with an atomic rename: an analyst holding the old file open
keeps a consistent old snapshot, the next one to open it sees the new day, and nobody
blocks the night.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from importlib import metadata
from pathlib import Path

from transforms import engine
from transforms.ingest import read_counts
from transforms.layout import Layout, partition
from transforms.report import write_report
from transforms.scoring import MODEL_VERSION
from transforms.warehouse import DAILY_TABLES, build_warehouse

log = logging.getLogger(__name__)


@cache
def code_version() -> str:
    version = metadata.version("clout")
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version}+g{sha}" if sha else version


def publish(data_root: Path, day: date, started_at: datetime | None = None) -> Path:
    """Publish the day's outputs and its run_log row; return the warehouse path."""
    layout = Layout(data_root)
    began = time.monotonic()
    started_at = started_at or datetime.now(UTC)
    token = _publish_token()
    # One publish at a time: the manifest is read, extended and written back, and two
    # nights doing that at once would each drop the other's day.
    with publish_lock(layout):
        return _publish_locked(layout, day, started_at, token, began)


def _publish_token() -> str:
    """A fresh, sortable name part for the files one publish (or failure line) writes."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def _add_run_log(layout: Layout, manifest: dict, day: date, run_log_file: Path) -> None:
    """run_log keeps every run of a day, so its manifest entry is a list."""
    runs = manifest["tables"].setdefault("run_log", {}).setdefault(day.isoformat(), [])
    runs.append(str(run_log_file.relative_to(layout.root)))


@contextmanager
def publish_lock(layout: Layout) -> Iterator[None]:
    layout.published.mkdir(parents=True, exist_ok=True)
    with open(layout.published / ".publish.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _publish_locked(
    layout: Layout, day: date, started_at: datetime, token: str, began: float
) -> Path:
    _sweep_dead_publishes(layout, day)
    manifest = read_manifest(layout)
    for table in DAILY_TABLES:
        source = getattr(layout, table)(day)  # Layout names each output after its table
        target = layout.published / table / partition(day) / f"{table}-{token}.parquet"
        _link(source, target)
        days = manifest["tables"].setdefault(table, {})
        previous = days.get(day.isoformat())
        days[day.isoformat()] = str(target.relative_to(layout.root))
        _forget_older_versions(layout, target, previous)

    run_log_file = _write_run_log(layout, day, started_at, token)
    _add_run_log(layout, manifest, day, run_log_file)
    manifest["published_dates"] = sorted({*manifest.get("published_dates", []), day.isoformat()})
    # The order nights were last published in: a night published before an earlier night
    # was republished was built on state that has since changed (see stale_dates).
    order = manifest.setdefault("publish_sequence", {})
    order[day.isoformat()] = max(order.values(), default=0) + 1
    build_warehouse(layout, manifest)
    engine.write_json(layout.manifest, manifest)
    _write_report(layout, day)
    log.info(
        "publish %s: %s now shows %d days in %.1f s",
        day,
        layout.warehouse,
        len(manifest["published_dates"]),
        time.monotonic() - began,
    )
    return layout.warehouse


def _write_report(layout: Layout, day: date) -> None:
    """The night is published whatever happens to its report: a page that cannot be
    rendered is logged, with the command that writes it again."""
    try:
        write_report(layout.root, day)
    except Exception:
        log.exception(
            "report %s could not be written; the night is published. Retry with: "
            "clout report --data-root %s --date %s",
            day,
            layout.root,
            day,
        )


def _sweep_dead_publishes(layout: Layout, day: date) -> None:
    """Remove what a publish killed part way left: its hidden temporaries. Only publish (and
    record_failure) write these folders, both under the publish lock, so any temporary
    seen while holding it belongs to a dead process."""
    folders = [layout.published / table / partition(day) for table in DAILY_TABLES]
    for folder in (*folders, layout.run_log_dir(day), layout.warehouse.parent):
        if folder.exists():
            for leftover in folder.glob(".*.tmp*"):
                leftover.unlink(missing_ok=True)


def read_manifest(layout: Layout) -> dict:
    if layout.manifest.exists():
        return json.loads(layout.manifest.read_text())
    return {"tables": {}, "published_dates": []}


def published_dates(data_root: Path) -> list[date]:
    return [
        date.fromisoformat(d) for d in read_manifest(Layout(data_root)).get("published_dates", [])
    ]


def stale_dates(data_root: Path) -> list[date]:
    """Published nights built on state that changed since: an earlier night was published
    again after them (a rerun of an earlier range that stopped before reaching them).
    They stay readable but must be rerun, in date order; the next night waits for that."""
    manifest = read_manifest(Layout(data_root))
    # Manifests written before the sequence existed count as published in date order.
    order = manifest.get("publish_sequence", {})
    stale, latest_before = [], 0
    for night in sorted(manifest.get("published_dates", [])):
        sequence = order.get(night, 0)
        if sequence < latest_before:
            stale.append(date.fromisoformat(night))
        latest_before = max(latest_before, sequence)
    return stale


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = engine.temporary_sibling(target)
    try:
        try:
            os.link(source, tmp)
        except OSError:
            # Another file system or no hard links: a copy is slower but as safe.
            shutil.copy2(source, tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def _forget_older_versions(layout: Layout, current: Path, previous: str | None) -> None:
    """Keep the current and the previous version of a day; a reader of the last warehouse
    may still be reading the previous one."""
    keep = {current.name}
    if previous:
        keep.add(Path(previous).name)
    for old in current.parent.glob("*.parquet"):
        if old.name not in keep:
            old.unlink(missing_ok=True)


def record_failure(
    data_root: Path, day: date, failed_task: str, error: str, started_at: datetime | None = None
) -> Path:
    """Add a ``failed`` run_log row for ``day`` (the task, the error); return its file.

    The published tables keep the last night that published; only run_log gains the line,
    so an analyst sees why the night is missing. The warehouse is rebuilt once something
    has been published (before that, the first publish picks the row up).
    """
    layout = Layout(data_root)
    target = layout.run_log_dir(day) / f"run-{_publish_token()}-failed.parquet"
    with publish_lock(layout):
        with engine.connect(layout.duckdb_temp) as con:
            engine.set_variables(
                con,
                run_date=day,
                failed_task=failed_task,
                error=error[:4000],
                started_at=started_at or datetime.now(UTC),
                code_version=code_version(),
                model_version=MODEL_VERSION,
            )
            engine.write_parquet(con, engine.sql("publish/run_log_failure"), target)
        manifest = read_manifest(layout)
        _add_run_log(layout, manifest, day, target)
        if manifest.get("published_dates"):
            build_warehouse(layout, manifest)
        engine.write_json(layout.manifest, manifest)
    log.warning("run_log %s: %s failed: %s", day, failed_task, error.splitlines()[0][:300])
    return target


def _write_run_log(layout: Layout, day: date, started_at: datetime, token: str) -> Path:
    counts = read_counts(layout.root, day)
    target = layout.run_log_dir(day) / f"run-{token}.parquet"
    with engine.connect(layout.duckdb_temp) as con:
        users_scored = engine.parquet_rows(con, layout.scores(day))
        flags = engine.parquet_rows(con, layout.gaming_flags(day))
        engine.set_variables(
            con,
            run_date=day,
            events_read=counts.events_read,
            events_accepted=counts.events_accepted,
            events_quarantined=counts.events_quarantined,
            events_duplicate=counts.events_duplicate,
            events_late=counts.events_late,
            events_erased=counts.events_erased,
            files_quarantined=counts.files_quarantined,
            users_scored=users_scored,
            gaming_flags=flags,
            started_at=started_at,
            code_version=code_version(),
            model_version=MODEL_VERSION,
        )
        engine.write_parquet(con, engine.sql("publish/run_log"), target)
    return target
