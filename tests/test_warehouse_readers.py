"""Analysts hold the warehouse open while the night runs; a failed night publishes nothing."""

from __future__ import annotations

import gzip
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_START, generate_network
from transforms.brake import SafetyBrakeEngaged
from transforms.layout import Layout, partition
from transforms.pipeline import run_day
from transforms.publish import published_dates
from transforms.quality import QualityCheckFailed

pytestmark = pytest.mark.slow

DAY1, DAY2, DAY3 = (SAMPLE_START + timedelta(days=i) for i in range(3))


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_network(tmp_path_factory.mktemp("readers"), users=400, days=3, seed=5)


def fresh_root(source: Path, target: Path) -> Path:
    shutil.copytree(source / "landing", target / "landing")
    return target


def test_an_open_reader_neither_blocks_the_night_nor_sees_it_half_done(
    three_days: Path, tmp_path: Path
) -> None:
    root = fresh_root(three_days, tmp_path / "root")
    run_day(root, DAY1)
    run_day(root, DAY2)
    analyst = duckdb.connect(str(Layout(root).warehouse), read_only=True)
    try:
        scores_before = analyst.execute("select * from scores order by all").fetchall()
        run_day(root, DAY3)  # must not block on, or break, the analyst's open file
        assert analyst.execute("select * from scores order by all").fetchall() == scores_before
        assert analyst.execute("select max(score_date) from scores").fetchone()[0] == DAY2
    finally:
        analyst.close()
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as newcomer:
        assert newcomer.execute("select max(score_date) from scores").fetchone()[0] == DAY3


def test_a_rerun_keeps_the_open_readers_snapshot_intact(three_days: Path, tmp_path: Path) -> None:
    root = fresh_root(three_days, tmp_path / "root")
    run_day(root, DAY1)
    analyst = duckdb.connect(str(Layout(root).warehouse), read_only=True)
    try:
        before = analyst.execute("select * from scores order by all").fetchall()
        run_day(root, DAY1)  # rewrites the step outputs of DAY1 in place
        assert analyst.execute("select * from scores order by all").fetchall() == before
    finally:
        analyst.close()


@pytest.mark.parametrize(
    ("max_quarantine_share", "stop", "cause"),
    [
        # Every row quarantined: the safety brake stops the night right after ingest.
        ("0.05", SafetyBrakeEngaged, "100.0% of the 50 rows read were quarantined"),
        # With the brake opened wide, the critical GX check on accepted events stops it.
        ("1.0", QualityCheckFailed, "events_accepted"),
    ],
)
def test_a_stopped_night_leaves_yesterdays_warehouse(
    three_days: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    max_quarantine_share: str,
    stop: type[Exception],
    cause: str,
) -> None:
    monkeypatch.setenv("CLOUT_MAX_QUARANTINE_SHARE", max_quarantine_share)
    root = fresh_root(three_days, tmp_path / "root")
    run_day(root, DAY1)
    run_day(root, DAY2)
    warehouse_before = Layout(root).warehouse.read_bytes()
    # A partner sends a day of garbage: every line is quarantined, none accepted.
    landing = root / "landing" / partition(DAY3)
    for file in landing.iterdir():
        if file.name != "_SUCCESS":
            file.unlink()
    with gzip.open(landing / "twitter.jsonl.gz", "wt") as broken:
        broken.write("this is not json\n" * 50)
    with pytest.raises(stop, match=cause):
        run_day(root, DAY3)
    assert Layout(root).warehouse.read_bytes() == warehouse_before
    assert published_dates(root) == [DAY1, DAY2]
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        assert con.execute("select max(score_date) from scores").fetchone()[0] == DAY2
        assert con.execute("select count(*) from run_log").fetchone()[0] == 2
