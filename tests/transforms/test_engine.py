"""Engine helpers the published views and the crash sweep rely on."""

from __future__ import annotations

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
