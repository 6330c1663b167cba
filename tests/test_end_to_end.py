"""`clout run` over 12 generated days: the warehouse contract, reconciliation, idempotence."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from tests.conftest import SAMPLE_START
from transforms.layout import Layout, partition
from transforms.pipeline import run_day, run_range
from transforms.scoring import ARCHETYPES

pytestmark = pytest.mark.slow

LAST_DAY = SAMPLE_START + timedelta(days=11)

CONTRACT = {
    "scores": {
        "user_id": "VARCHAR",
        "score_date": "DATE",
        "score": "DOUBLE",
        "percentile": "DOUBLE",
        "archetype": "VARCHAR",
        "delta_1d": "DOUBLE",
        "delta_5d": "DOUBLE",
        "model_version": "VARCHAR",
    },
    "user_features": {"user_id": "VARCHAR", "feature_date": "DATE"},
    "user_topics": {
        "user_id": "VARCHAR",
        "topic_date": "DATE",
        "topic": "VARCHAR",
        "topic_rank": "BIGINT",
        "authority": "DOUBLE",
    },
    "gaming_flags": {
        "user_id": "VARCHAR",
        "score_date": "DATE",
        "rule": "VARCHAR",
        "severity": "VARCHAR",
        "evidence": "VARCHAR",
    },
    "run_log": {
        "run_date": "DATE",
        "events_read": "BIGINT",
        "events_accepted": "BIGINT",
        "events_quarantined": "BIGINT",
        "events_duplicate": "BIGINT",
        "users_scored": "BIGINT",
        "started_at": "TIMESTAMP WITH TIME ZONE",
        "finished_at": "TIMESTAMP WITH TIME ZONE",
        "code_version": "VARCHAR",
    },
}


@pytest.fixture(scope="module")
def night_root(network_12_days: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e")
    shutil.copytree(network_12_days / "landing", root / "landing")
    shutil.copytree(network_12_days / "truth", root / "truth")
    run_range(root, SAMPLE_START, LAST_DAY)
    return root


def warehouse(root: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Layout(root).warehouse), read_only=True)


def test_warehouse_has_the_contract_tables_and_columns(night_root: Path) -> None:
    with warehouse(night_root) as con:
        for table, columns in CONTRACT.items():
            found = dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_name = ?",
                    [table],
                ).fetchall()
            )
            for column, data_type in columns.items():
                assert found.get(column) == data_type, (table, column, found.get(column))


def test_scores_cover_every_day_with_valid_values(night_root: Path) -> None:
    with warehouse(night_root) as con:
        days = con.execute("select count(distinct score_date) from scores").fetchone()[0]
        assert days == 12
        bad = con.execute(
            """
            select count(*) from scores
            where score not between 1 and 100 or percentile not between 0 and 100
               or archetype is null or model_version is null
            """
        ).fetchone()[0]
        assert bad == 0
        archetypes = {r[0] for r in con.execute("select distinct archetype from scores").fetchall()}
        assert archetypes <= set(ARCHETYPES)
        assert len(archetypes) >= 8, archetypes
        duplicates = con.execute(
            "select count(*) from (select user_id, score_date from scores group by all "
            "having count(*) > 1)"
        ).fetchone()[0]
        assert duplicates == 0


def test_curve_matches_klout_shape(night_root: Path) -> None:
    with warehouse(night_root) as con:
        median, p95 = con.execute(
            "select median(score), quantile_cont(score, 0.95) from scores "
            "where score_date = ? and raw_score > 0",
            [LAST_DAY],
        ).fetchone()
    assert 15 <= median <= 25
    assert 60 <= p95 <= 66


def test_delta_1d_is_todays_score_minus_yesterdays(night_root: Path) -> None:
    with warehouse(night_root) as con:
        mismatches = con.execute(
            """
            select count(*) from scores today
            join scores yesterday
              on yesterday.user_id = today.user_id
             and yesterday.score_date = today.score_date - 1
            where abs(today.delta_1d - (today.score - yesterday.score)) > 0.011
            """
        ).fetchone()[0]
        first_day_deltas = con.execute(
            "select count(*) from scores where score_date = ? and delta_1d is not null",
            [SAMPLE_START],
        ).fetchone()[0]
    assert mismatches == 0
    assert first_day_deltas == 0


def test_delta_5d_is_todays_score_minus_the_score_five_days_before(night_root: Path) -> None:
    with warehouse(night_root) as con:
        checked, mismatches = con.execute(
            """
            select count(*), count(*) filter (
                where abs(today.delta_5d - (today.score - before.score)) > 0.011
            )
            from scores today
            join scores before
              on before.user_id = today.user_id
             and before.score_date = today.score_date - 5
            """
        ).fetchone()
        early = con.execute(
            "select count(*) from scores where score_date < ? and delta_5d is not null",
            [SAMPLE_START + timedelta(days=5)],
        ).fetchone()[0]
    assert checked > 1000
    assert mismatches == 0
    assert early == 0


def test_counts_reconcile_and_match_the_injected_faults(night_root: Path) -> None:
    truth = pl.read_parquet(night_root / "truth" / "days.parquet")
    with warehouse(night_root) as con:
        rows = con.execute(
            "select run_date, events_read, events_accepted, events_quarantined, "
            "events_duplicate from run_log order by run_date"
        ).fetchall()
        quarantine_rows = con.execute("select count(*) from quarantine").fetchone()[0]
    assert len(rows) == 12
    for _, read, accepted, quarantined, duplicate in rows:
        assert read == accepted + quarantined + duplicate
    assert sum(r[3] for r in rows) == truth["bad_rows_injected"].sum() == quarantine_rows
    assert sum(r[4] for r in rows) == truth["duplicate_rows_injected"].sum()
    assert sum(r[2] for r in rows) == truth["events_written"].sum()


def test_a_user_who_only_receives_is_scored(network_12_days: Path, tmp_path: Path) -> None:
    root = tmp_path / "receiver"
    for offset in range(2):
        day = partition(SAMPLE_START + timedelta(days=offset))
        shutil.copytree(network_12_days / "landing" / day, root / "landing" / day)
    actors = (
        pl.read_parquet(network_12_days / "truth" / "users.parquet")
        .filter(pl.col("kind") == "honest")["user_id"]
        .head(5)
        .to_list()
    )
    second_day = SAMPLE_START + timedelta(days=1)
    lines = [
        json.dumps(
            {
                "event_id": f"extra-{i}",
                "ts": f"{second_day}T12:0{i}:00Z",
                "network": "twitter",
                "actor_id": actor,
                "action": "mention",
                "target_user_id": "only-receives",
            }
        )
        for i, actor in enumerate(actors)
    ]
    (root / "landing" / partition(second_day) / "extra.jsonl").write_text("\n".join(lines) + "\n")
    run_range(root, SAMPLE_START, second_day)
    with warehouse(root) as con:
        row = con.execute(
            "select score, percentile, archetype from scores "
            "where user_id = 'only-receives' and score_date = ?",
            [second_day],
        ).fetchone()
        reach = con.execute(
            "select reach from user_features where user_id = 'only-receives'"
        ).fetchone()[0]
    assert row is not None
    assert row[0] > 1, "five people mentioned them: above the floor"
    assert reach == 5


def test_rerunning_days_gives_identical_rows(night_root: Path) -> None:
    query = (
        "select * exclude (delta_1d), delta_1d from scores where score_date >= ? "
        "order by user_id, score_date"
    )
    flags_query = "select * from gaming_flags where score_date >= ? order by all"
    rerun_from = LAST_DAY - timedelta(days=1)
    with warehouse(night_root) as con:
        before = con.execute(query, [rerun_from]).fetchall()
        flags_before = con.execute(flags_query, [rerun_from]).fetchall()
    run_range(night_root, rerun_from, LAST_DAY)
    with warehouse(night_root) as con:
        after = con.execute(query, [rerun_from]).fetchall()
        flags_after = con.execute(flags_query, [rerun_from]).fetchall()
        runs = con.execute(
            "select count(*) from run_log where run_date = ?", [LAST_DAY]
        ).fetchone()[0]
    assert before and before == after
    assert flags_before == flags_after
    assert runs == 2, "each run of a date adds its own run_log row"


def test_the_first_day_cannot_be_skipped_over(night_root: Path, tmp_path: Path) -> None:
    from transforms.state import StateOutOfOrder

    root = tmp_path / "gap"
    shutil.copytree(night_root / "landing", root / "landing")
    run_day(root, SAMPLE_START)
    with pytest.raises(StateOutOfOrder, match="date order"):
        run_day(root, SAMPLE_START + timedelta(days=2))


def test_the_distribution_plot_draws_every_bin_and_the_curve(night_root: Path) -> None:
    import importlib.util

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location(
        "plot_score_distribution", REPO / "scripts" / "plot_score_distribution.py"
    )
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    day, graded, floor, bins = plot.histogram(night_root)
    assert day == LAST_DAY.isoformat()
    assert sum(bins) == graded > 0
    drawing = plot.svg(day, graded, floor, bins)
    assert drawing.startswith("<svg") and drawing.rstrip().endswith("</svg>")
    assert drawing.count("<title>") == 20
    assert "<polyline" in drawing


def test_summary_reports_the_night(night_root: Path) -> None:
    from transforms.summary import render_summary

    text = render_summary(night_root)
    assert "days published: 12" in text
    assert "quarantined" in text and "top users" in text
    assert "clout query --data-root" in text
    assert date.isoformat(LAST_DAY) in text
