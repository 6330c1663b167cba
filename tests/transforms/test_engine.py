"""Engine helpers the published views and the crash sweep rely on."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import duckdb

from transforms import engine


def test_views_line_up_files_written_before_a_column_was_added(tmp_path: Path) -> None:
    old, new = tmp_path / "old.parquet", tmp_path / "new.parquet"
    with duckdb.connect() as con:
        con.execute(f"copy (select 'a' as user_id, 1.0 as score) to '{old}'")
        con.execute(f"copy (select 'b' as user_id, 2.0 as score, 0.5 as delta_5d) to '{new}'")
        rows = con.execute(
            "select * from "
            + engine.parquet_source([old, new], union_by_name=True)
            + " order by user_id"
        ).fetchall()
    assert rows == [("a", 1.0, None), ("b", 2.0, 0.5)]


def test_only_this_targets_temporaries_are_stale(tmp_path: Path) -> None:
    target = tmp_path / "scores.parquet"
    mine = engine.temporary_sibling(target)
    mine.touch()
    other = engine.temporary_sibling(tmp_path / "flags.parquet")
    other.touch()
    (tmp_path / ".scores.parquet.notours.tmp").touch()
    assert engine.stale_temporaries(target) == [mine]


def test_a_long_write_logs_its_progress_with_rate_and_time_left(
    tmp_path: Path, monkeypatch, caplog
) -> None:
    monkeypatch.setenv("CLOUT_PROGRESS_SECONDS", "0.2")
    rows = 60_000_000
    query = f"select i % 1000003 as k, count(*) as n from range({rows}) t(i) group by k"
    with (
        caplog.at_level(logging.INFO, logger="transforms.engine"),
        engine.connect(tmp_path / "tmp") as con,
    ):
        written = engine.write_parquet(con, query, tmp_path / "t" / "dt=x" / "out.parquet", rows)
    assert written == 1000003
    lines = [r.getMessage() for r in caplog.records if "writing t/out.parquet" in r.getMessage()]
    assert lines, "a statement of over a second should report at least once"
    assert re.search(r"\d+% after \d+ s, ~[\d,]+ of 60,000,000 rows at [\d,]+ rows/s", lines[0])
    assert "s left" in lines[0]


def test_a_short_write_logs_no_progress(tmp_path: Path, caplog) -> None:
    with (
        caplog.at_level(logging.INFO, logger="transforms.engine"),
        engine.connect(tmp_path / "tmp") as con,
    ):
        engine.write_parquet(con, "select 1 as x", tmp_path / "t" / "one.parquet")
    assert not [r for r in caplog.records if "writing" in r.getMessage()]


def test_stable_sum_is_the_same_whatever_order_the_rows_come_in(tmp_path: Path) -> None:
    # A parallel sum meets its rows in any order. These three, added in the two orders,
    # give doubles on either side of a 9th-decimal boundary: a plain sum rounded to 9
    # decimals differs (1.000000001 against 1.000000002), stable_sum does not.
    weights = [1.0, 1.5e-9, 1e-16]
    with engine.connect(tmp_path) as con:
        con.execute("set threads = 1")

        def summed(expression: str, order: list[float]) -> float:
            return con.execute(
                f"select {expression} from (select unnest($order) as x)", {"order": order}
            ).fetchall()[0][0]

        plain = [summed("round(sum(x), 9)", o) for o in (weights, weights[::-1])]
        stable = [summed("stable_sum(x)", o) for o in (weights, weights[::-1])]
        held_out = summed("stable_sum(case when x > 1 then x end)", weights)
    assert plain[0] != plain[1]
    assert stable == [1.000000001, 1.000000001]
    assert held_out is None  # like sum(): nothing to add is null, not 0
