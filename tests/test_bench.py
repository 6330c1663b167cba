"""``clout bench`` end to end at a tiny size: the synthetic day follows the landing contract,
the night runs every step, and the figures add up."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from transforms import engine
from transforms.bench import BENCH_DAY, cached_day
from transforms.cli import app

EVENTS, USERS = 20_000, 2_000


def test_the_synthetic_day_is_the_same_for_the_same_seed_and_follows_the_contract(
    tmp_path: Path,
) -> None:
    first = cached_day(tmp_path / "a", BENCH_DAY, EVENTS, USERS, seed=3, fmt="parquet")
    again = cached_day(tmp_path / "b", BENCH_DAY, EVENTS, USERS, seed=3, fmt="parquet")
    other = cached_day(tmp_path / "c", BENCH_DAY, EVENTS, USERS, seed=4, fmt="parquet")
    with duckdb.connect() as con:
        rows = {
            name: con.execute(
                f"select * from {engine.parquet_source(path)} order by all"
            ).fetchall()
            for name, path in (("first", first), ("again", again), ("other", other))
        }
        shape = con.execute(
            f"""
            select count(*), count(distinct event_id), count(distinct actor_id),
                   min(ts)::date, max(ts)::date,
                   count(*) filter (where action <> 'post' and target_user_id is null),
                   count(*) filter (where action in ('reply', 'share', 'like')
                                    and target_post_id is null),
                   count(*) filter (where action in ('post', 'reply', 'share') and post_id is null),
                   max(cast(substr(actor_id, 2) as bigint))
            from {engine.parquet_source(first)}
            """
        ).fetchone()
    assert rows["first"] == rows["again"] != rows["other"]
    assert shape[:2] == (EVENTS, EVENTS)
    assert shape[3] == shape[4] == BENCH_DAY
    assert shape[5:8] == (0, 0, 0)
    assert shape[8] < USERS
    # Heavy-tailed activity: far fewer distinct actors than events.
    assert shape[2] < EVENTS / 3


@pytest.mark.slow
def test_clout_bench_runs_a_night_and_prints_and_writes_its_figures(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "--events", str(EVENTS), "--users", str(USERS), "--format", "both",
         "--cache", str(tmp_path / "cache"), "--work", str(tmp_path / "work")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "night / ceiling:" in result.output
    for fmt in ("parquet", "jsonl.gz"):
        figures = json.loads((tmp_path / "work" / f"bench-{fmt}.json").read_text())
        steps = {s["step"]: s for s in figures["steps"]}
        assert list(steps) == [
            "ingest", "safety_brake", "gaming_groups", "features", "state", "score",
            "archetypes", "gaming", "checks", "publish",
        ]  # fmt: skip
        assert steps["ingest"]["rows_in"] == EVENTS
        assert steps["ingest"]["rows_out"] == EVENTS  # accepted; nothing to quarantine
        assert steps["archetypes"]["rows_out"] == steps["score"]["rows_out"] > 0
        assert figures["night_seconds"] >= sum(s["seconds"] for s in figures["steps"]) * 0.99
        assert figures["ceiling_seconds"] > 0
        assert figures["night_over_ceiling"] == pytest.approx(
            figures["night_seconds"] / figures["ceiling_seconds"]
        )
        assert all(s["peak_rss_mb"] > 0 for s in figures["steps"])
    # The second format reused nothing of the first's data root, but the cache holds both.
    cached = sorted(p.name for p in (tmp_path / "cache").rglob("events.*"))
    assert cached == ["events.jsonl.gz", "events.jsonl.gz", "events.parquet", "events.parquet"]


def test_clout_bench_runs_the_per_user_steps_in_shards(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["bench", "--events", str(EVENTS), "--users", str(USERS), "--shards", "3",
         "--cache", str(tmp_path / "cache"), "--work", str(tmp_path / "work")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1 day(s) of history, 3 shard(s)" in result.output
    figures = json.loads((tmp_path / "work" / "bench-parquet.json").read_text())
    assert figures["shards"] == 3
    state = tmp_path / "work" / "data-parquet" / "state" / "dt=2026-06-01"
    assert sorted(p.name for p in state.glob("user_state*.parquet")) == [
        f"user_state.shard-{index}-of-3.parquet" for index in range(3)
    ]
