"""What operators rely on when a night fails or must be redone, without Airflow running:
the run-from-scratch clean-up and the run_log failure line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.conftest import generate_network
from transforms.layout import Layout
from transforms.pipeline import NIGHT_OUTPUTS, clear_day, run_day, run_range
from transforms.publish import record_failure

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
