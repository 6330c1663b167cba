"""Replay the real Higgs Twitter activity (1-7 July 2012) through `clout run`.

The file is real activity that no one on this project wrote (see
``../shared/data/higgs-twitter/README.md``); it is read in place and never copied into the
repo. The test checks that every event is accepted, that the counts reconcile with what the
importer wrote, and that the top scores land on the accounts that were actually retweeted.
It prints the per-day counts and the flags of the announcement day for the README.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from transforms import engine
from transforms.higgs import HiggsImport, import_higgs
from transforms.layout import Layout
from transforms.pipeline import run_range

pytestmark = pytest.mark.slow

FIRST, LAST = date(2012, 7, 1), date(2012, 7, 7)
ANNOUNCEMENT = date(2012, 7, 4)
DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "higgs-twitter" / "higgs-activity_time.txt.gz"


def higgs_file() -> Path:
    configured = os.environ.get("CLOUT_HIGGS_FILE")
    path = Path(configured) if configured else DEFAULT_SOURCE
    if not path.is_file():
        pytest.skip(
            f"Higgs activity file not found at {path}: set CLOUT_HIGGS_FILE to the SNAP file "
            "higgs-activity_time.txt.gz (https://snap.stanford.edu/data/higgs-twitter.html), "
            f"or put it at {DEFAULT_SOURCE}. Never copy it into the repo."
        )
    return path


@pytest.fixture(scope="module")
def replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, HiggsImport]:
    source = higgs_file()
    root = tmp_path_factory.mktemp("higgs")
    summary = import_higgs(source, root)
    run_range(root, FIRST, LAST)
    return source, root, summary


def warehouse(root: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(Layout(root).warehouse), read_only=True)


def latest_run_log(con: duckdb.DuckDBPyConnection) -> dict[date, tuple[int, int, int, int]]:
    """(read, accepted, quarantined, duplicate) of each date's last run."""
    rows = con.execute(
        """
        select run_date, events_read, events_accepted, events_quarantined, events_duplicate
        from run_log
        qualify row_number() over (partition by run_date order by finished_at desc) = 1
        order by run_date
        """
    ).fetchall()
    return {row[0]: tuple(row[1:]) for row in rows}


def test_seven_days_are_published(replay: tuple[Path, Path, HiggsImport]) -> None:
    _, root, summary = replay
    assert list(summary.events_by_day) == DAYS
    with warehouse(root) as con:
        scored = [
            r[0]
            for r in con.execute("select distinct score_date from scores order by 1").fetchall()
        ]
        assert scored == DAYS
        assert list(latest_run_log(con)) == DAYS
        # the table is there even when nothing was flagged
        con.execute("select count(*) from gaming_flags").fetchone()


def test_run_log_reconciles_with_the_import(
    replay: tuple[Path, Path, HiggsImport], capsys: pytest.CaptureFixture[str]
) -> None:
    _, root, summary = replay
    with warehouse(root) as con:
        counts = latest_run_log(con)
    with capsys.disabled():  # figures the README quotes: shown even without -s
        print("\nHiggs replay, run_log per day: read = accepted + quarantined + duplicate")
        for day, (read, accepted, quarantined, duplicate) in counts.items():
            print(f"  {day}: {read:>8,} = {accepted:>8,} + {quarantined} + {duplicate}")
    for day, (read, accepted, quarantined, duplicate) in counts.items():
        assert read == accepted + quarantined + duplicate, day
        assert read == summary.events_by_day[day], day
        assert accepted == read, day
        assert quarantined == 0, day
    # the announcement day is the largest by far
    others = [read for day, (read, *_) in counts.items() if day != ANNOUNCEMENT]
    assert counts[ANNOUNCEMENT][0] > 3 * max(others)


def test_top_scores_land_on_the_most_retweeted(replay: tuple[Path, Path, HiggsImport]) -> None:
    source, root, _ = replay
    with duckdb.connect() as con:
        most_retweeted = {
            str(r[0])
            for r in con.execute(
                f"""
                select target, count(*) as retweets
                from read_csv({engine.quote_path(source)}, delim = ' ', header = false,
                    columns = {{'actor': 'BIGINT', 'target': 'BIGINT', 'ts': 'BIGINT',
                                'type': 'VARCHAR'}})
                where type = 'RT'
                group by target order by retweets desc, target limit 50
                """
            ).fetchall()
        }
    with warehouse(root) as con:
        top = [
            r[0]
            for r in con.execute(
                "select user_id from scores where score_date = ? "
                "order by score desc, raw_score desc, user_id limit 10",
                [LAST],
            ).fetchall()
        ]
    hits = [user for user in top if user in most_retweeted]
    assert len(hits) >= 5, f"top 10 by score on {LAST}: {top}; among the top 50 retweeted: {hits}"


def test_the_announcement_day_flags(
    replay: tuple[Path, Path, HiggsImport], capsys: pytest.CaptureFixture[str]
) -> None:
    _, root, _ = replay
    with warehouse(root) as con:
        flagged = con.execute(
            "select count(distinct user_id) from gaming_flags where score_date = ?",
            [ANNOUNCEMENT],
        ).fetchone()[0]
    # Active users: everyone in the day's events, acting or acted upon.
    events = engine.parquet_source(Layout(root).events(ANNOUNCEMENT))
    with duckdb.connect() as con:
        active = con.execute(
            f"""
            select count(*) from (
                select actor_id from {events} union select target_user_id from {events}
            )
            """
        ).fetchone()[0]
    with capsys.disabled():
        print(
            f"\nHiggs replay, {ANNOUNCEMENT}: {flagged:,} users flagged of {active:,} active "
            f"({flagged / active:.3%})"
        )
    assert active > 0
