"""What operators rely on when a night fails or must be redone, without Airflow running:
the run-from-scratch clean-up, the run_log failure line, a night killed at any point and run
again, and the refusal to leave later nights stale."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import generate_network
from transforms.layout import Layout
from transforms.pipeline import NIGHT_OUTPUTS, clear_day, run_day, run_range
from transforms.publish import publish, record_failure, stale_dates
from transforms.readiness import RerunRefused
from transforms.summary import render_summary

REPO = Path(__file__).resolve().parent.parent
# What analysts read, compared between a night killed and rerun and a clean one.
DAY_COLUMNS = {
    "scores": "score_date",
    "user_features": "feature_date",
    "user_networks": "feature_date",
    "user_topics": "topic_date",
    "gaming_flags": "score_date",
}
# Kill points, as fractions of a clean night: early and late in turn, so a kill also lands on
# what the kill before it left half done.
KILL_FRACTIONS = (0.1, 0.9, 0.3, 0.7, 0.5, 0.97, 0.2, 0.8)
# Runs night D in a fresh interpreter, as an Airflow worker would; "ready" once imported.
CHILD = """
import sys, time
from datetime import date
from pathlib import Path
from transforms.pipeline import run_day
root, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
print("ready", flush=True)
started = time.monotonic()
run_day(root, day)
print(time.monotonic() - started, flush=True)
"""

FIRST, SECOND = date(2026, 1, 1), date(2026, 1, 2)


def warehouse_rows(root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def two_nights(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    generate_network(root, users=300, days=2, seed=3)
    run_range(root, FIRST, SECOND)
    return root


@pytest.mark.slow
def test_clearing_a_night_removes_its_outputs_and_a_rerun_gives_the_same_rows(two_nights):
    scores = "select * exclude (score_date) from scores where score_date = '2026-01-02' order by 1"
    before = warehouse_rows(two_nights, scores)
    removed = clear_day(two_nights, SECOND)
    assert {p.parent.name for p in removed} == set(NIGHT_OUTPUTS)
    assert all(not p.exists() for p in removed)
    layout = Layout(two_nights)
    assert layout.success_marker(SECOND).exists()  # the dump stays
    assert layout.scores(FIRST).exists()  # the night before stays
    assert warehouse_rows(two_nights, scores) == before  # what is published stays
    run_day(two_nights, SECOND)
    assert warehouse_rows(two_nights, scores) == before


@pytest.mark.slow
def test_a_failed_night_adds_a_run_log_line_and_keeps_the_published_tables(two_nights):
    published = warehouse_rows(two_nights, "select score_date, count(*) from scores group by 1")
    record_failure(two_nights, date(2026, 1, 3), "safety_brake", "12% of the rows were bad")
    assert warehouse_rows(two_nights, "select score_date, count(*) from scores group by 1") == (
        published
    )
    (line,) = warehouse_rows(
        two_nights,
        "select run_date, status, failed_task, error from run_log where status = 'failed'",
    )
    assert line == (date(2026, 1, 3), "failed", "safety_brake", "12% of the rows were bad")
    statuses = warehouse_rows(two_nights, "select status, count(*) from run_log group by 1")
    assert sorted(statuses) == [("failed", 1), ("published", 2)]


def start_night(root: Path, day: date) -> subprocess.Popen[str]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), str(day)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


def published(root: Path, through: date = SECOND) -> dict[str, list[tuple]]:
    return {
        table: warehouse_rows(
            root, f"select * from {table} where {column} <= '{through}' order by all"
        )
        for table, column in DAY_COLUMNS.items()
    }


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_a_night_killed_at_any_point_shows_the_night_before_and_a_rerun_converges(
    tmp_path: Path,
):
    reference = tmp_path / "reference"
    generate_network(reference, users=300, days=2, seed=3)
    run_day(reference, FIRST)
    clean = start_night(reference, SECOND)
    assert clean.stdout is not None
    seconds = float(clean.stdout.readline())
    assert clean.wait() == 0
    expected = published(reference)
    assert published(reference, FIRST) != expected

    root = tmp_path / "killed"
    shutil.copytree(reference / "landing", root / "landing")
    run_day(root, FIRST)
    before = published(root)
    assert before == published(reference, FIRST)
    for fraction in KILL_FRACTIONS:
        night = start_night(root, SECOND)
        time.sleep(seconds * fraction)
        os.kill(night.pid, signal.SIGKILL)
        night.wait()
        # The warehouse shows the night before, or the whole new night: nothing in between.
        seen = published(root)
        assert seen in (before, expected), f"killed at {fraction:.0%} of the night"
    run_day(root, SECOND)
    assert published(root) == expected
    assert stale_dates(root) == []
    leftovers = [p for p in (root / "published").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []


@pytest.mark.slow
def test_rerunning_an_earlier_night_alone_is_refused_and_the_whole_range_is_not(two_nights):
    scores = "select * from scores order by all"
    before = warehouse_rows(two_nights, scores)
    manifest = Layout(two_nights).manifest.read_text()
    with pytest.raises(RerunRefused, match="night 2026-01-02 is published and built on"):
        run_range(two_nights, FIRST, FIRST)
    assert Layout(two_nights).manifest.read_text() == manifest  # nothing was touched
    cli = subprocess.run(
        [sys.executable, "-m", "transforms.cli", "run", "--data-root", str(two_nights),
         "--date", str(FIRST)],
        cwd=REPO, capture_output=True, text=True,
    )  # fmt: skip
    assert cli.returncode == 1
    assert "clout run --start 2026-01-01 --end 2026-01-02" in cli.stderr
    run_range(two_nights, FIRST, SECOND)
    assert warehouse_rows(two_nights, scores) == before
    assert stale_dates(two_nights) == []


@pytest.mark.slow
def test_a_night_republished_alone_makes_the_later_ones_stale_until_they_rerun(two_nights):
    # What a backfill that stopped after its first night leaves behind.
    publish(two_nights, FIRST)
    assert stale_dates(two_nights) == [SECOND]
    assert "stale nights: 2026-01-02: an earlier night was published again" in (
        render_summary(two_nights)
    )
    run_range(two_nights, SECOND, SECOND)
    assert stale_dates(two_nights) == []
    assert "stale nights" not in render_summary(two_nights)
