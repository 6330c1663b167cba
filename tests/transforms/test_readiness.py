"""A night starts only when its dump is complete and the night before it is published."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from transforms.engine import write_json
from transforms.layout import Layout
from transforms.readiness import WAIT_LIMIT, night_can_start

DAY = date(2026, 3, 10)


def land(root: Path, day: date, complete: bool = True) -> None:
    folder = Layout(root).landing(day)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events.jsonl").write_text("{}\n")
    if complete:
        (folder / "_SUCCESS").touch()


def publish_dates(root: Path, *days: str) -> None:
    write_json(Layout(root).manifest, {"tables": {}, "published_dates": list(days)})


def test_waits_for_the_success_marker(tmp_path: Path) -> None:
    land(tmp_path, DAY, complete=False)
    readiness = night_can_start(tmp_path, DAY)
    assert not readiness.ready
    assert "dt=2026-03-10/_SUCCESS" in readiness.waiting_for


def test_the_first_night_ever_needs_only_its_dump(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    assert night_can_start(tmp_path, DAY).ready


def test_a_night_waits_for_the_one_before_it(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    publish_dates(tmp_path, "2026-03-07", "2026-03-08")
    readiness = night_can_start(tmp_path, DAY)
    assert not readiness.ready
    assert "2026-03-09 to be published first" in readiness.waiting_for
    assert "2026-03-08" in readiness.waiting_for


def test_in_an_empty_lake_only_the_night_without_a_dump_before_it_goes_first(
    tmp_path: Path,
) -> None:
    # A backfill of three nights into a fresh data root starts all three at once.
    for offset in range(3):
        land(tmp_path, DAY + timedelta(days=offset))
    first, second, third = (night_can_start(tmp_path, DAY + timedelta(days=n)) for n in range(3))
    assert first.ready
    assert not second.ready and not third.ready
    assert "night 2026-03-10 to be published first: its dump" in second.waiting_for
    publish_dates(tmp_path, "2026-03-10")
    assert night_can_start(tmp_path, DAY + timedelta(days=1)).ready
    assert not night_can_start(tmp_path, DAY + timedelta(days=2)).ready


def test_a_night_runs_once_the_one_before_is_published(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    publish_dates(tmp_path, "2026-03-08", "2026-03-09")
    assert night_can_start(tmp_path, DAY).ready


def test_rerunning_the_first_published_night_is_allowed(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    publish_dates(tmp_path, "2026-03-10", "2026-03-11")
    assert night_can_start(tmp_path, DAY).ready


def test_after_the_wait_limit_the_night_gives_up_and_says_why(tmp_path: Path) -> None:
    land(tmp_path, DAY, complete=False)
    still_waiting = night_can_start(tmp_path, DAY, waited=WAIT_LIMIT - timedelta(minutes=1))
    assert not still_waiting.give_up
    assert "is waiting for" in still_waiting.message(DAY, timedelta(hours=11))
    given_up = night_can_start(tmp_path, DAY, waited=WAIT_LIMIT)
    assert given_up.give_up and not given_up.ready
    message = given_up.message(DAY, WAIT_LIMIT)
    assert "gave up after waiting 12:00:00" in message
    assert "dt=2026-03-10/_SUCCESS" in message
    assert "clear this task" in message


def test_a_ready_night_never_gives_up(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    late = night_can_start(tmp_path, DAY, waited=WAIT_LIMIT * 2)
    assert late.ready and not late.give_up
