"""A night starts only when its dump is complete and the night before it is published and
up to date; a rerun that would leave later published nights stale is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from transforms.engine import write_json
from transforms.layout import Layout
from transforms.publish import stale_dates
from transforms.readiness import (
    NIGHTS_PER_QUERY,
    WAIT_LIMIT,
    RerunRefused,
    night_can_start,
    refuse_rerun_leaving_later_nights,
)

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


def publish_in_order(root: Path, *days: str) -> None:
    """A manifest whose nights were (last) published in the order given."""
    write_json(
        Layout(root).manifest,
        {
            "tables": {},
            "published_dates": sorted(set(days)),
            "publish_sequence": {day: n for n, day in enumerate(days, start=1)},
        },
    )


def in_flight(*nights: str) -> Callable[[list[datetime]], int]:
    """Airflow's answer when the runs of these nights are queued or running."""
    queued = {date.fromisoformat(night) for night in nights}
    asked: list[list[datetime]] = []

    def count(logical_dates: list[datetime]) -> int:
        asked.append(logical_dates)
        assert all(d.tzinfo is not None and d.time() == time(0) for d in logical_dates)
        return sum(d.date() in queued for d in logical_dates)

    count.asked = asked  # type: ignore[attr-defined]
    return count


def test_a_night_waits_while_the_night_before_is_queued_to_run_again(tmp_path: Path) -> None:
    # A backfill reprocessing published nights queues them all: 03-09 is still published
    # from before, but about to change.
    land(tmp_path, DAY)
    publish_in_order(tmp_path, "2026-03-09", "2026-03-10", "2026-03-11")
    readiness = night_can_start(
        tmp_path, DAY, runs_in_flight=in_flight("2026-03-09", "2026-03-10", "2026-03-11")
    )
    assert not readiness.ready and not readiness.refused
    assert "night 2026-03-09 to run first: its Airflow run is queued" in readiness.waiting_for
    assert night_can_start(tmp_path, DAY, runs_in_flight=in_flight("2026-03-11")).ready


def test_rerunning_a_night_with_later_nights_published_and_not_queued_is_refused(
    tmp_path: Path,
) -> None:
    land(tmp_path, DAY)
    publish_in_order(tmp_path, "2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12")
    readiness = night_can_start(tmp_path, DAY, runs_in_flight=in_flight("2026-03-11"))
    assert not readiness.ready
    assert readiness.refused == readiness.message(DAY, timedelta(0))
    assert readiness.refused.startswith("refusing to rerun night 2026-03-10: 2 later nights")
    assert "(2026-03-11 to 2026-03-12) are published" in readiness.refused
    assert "only 1 of them is queued" in readiness.refused
    assert "through 2026-03-12 with reprocess behaviour 'All Runs'" in readiness.refused
    # The backfill that covers them all may go.
    covered = night_can_start(tmp_path, DAY, runs_in_flight=in_flight("2026-03-11", "2026-03-12"))
    assert covered.ready and not covered.refused
    # Nothing later published: the nightly run and its retries are never refused.
    publish_in_order(tmp_path, "2026-03-08", "2026-03-09")
    assert night_can_start(tmp_path, DAY, runs_in_flight=in_flight()).ready


def test_the_refusal_check_asks_about_a_long_tail_in_slices(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    later = [str(DAY + timedelta(days=n)) for n in range(1, 101)]
    publish_in_order(tmp_path, str(DAY - timedelta(days=1)), str(DAY), *later)
    count = in_flight(*later)
    assert night_can_start(tmp_path, DAY, runs_in_flight=count).ready
    slices = [len(asked) for asked in count.asked]
    assert sum(slices[:-1]) == 100 and max(slices) <= NIGHTS_PER_QUERY
    refused = night_can_start(tmp_path, DAY, runs_in_flight=in_flight(*later[:-1]))
    assert "only 99 of them are queued" in refused.refused


def test_published_nights_older_than_a_republished_night_are_stale(tmp_path: Path) -> None:
    # 03-09 was published again after 03-10 and 03-11 (a backfill that stopped part way).
    publish_in_order(tmp_path, "2026-03-08", "2026-03-10", "2026-03-11", "2026-03-09")
    assert stale_dates(tmp_path) == [date(2026, 3, 10), date(2026, 3, 11)]
    land(tmp_path, date(2026, 3, 12))
    waiting = night_can_start(tmp_path, date(2026, 3, 12), runs_in_flight=in_flight())
    assert not waiting.ready and not waiting.refused
    assert "night 2026-03-11 to be rerun" in waiting.waiting_for
    assert "its state is stale" in waiting.waiting_for
    # Rerunning the first stale night is what fixes it; it builds on 03-09, which is fresh.
    land(tmp_path, date(2026, 3, 10))
    assert night_can_start(
        tmp_path, date(2026, 3, 10), runs_in_flight=in_flight("2026-03-11")
    ).ready
    # Manifests from before the sequence existed count as published in date order.
    publish_dates(tmp_path, "2026-03-08", "2026-03-09", "2026-03-10")
    assert stale_dates(tmp_path) == []


def test_clout_run_may_not_leave_later_nights_stale_nor_build_on_a_stale_one(
    tmp_path: Path,
) -> None:
    publish_in_order(tmp_path, "2026-03-09", "2026-03-10", "2026-03-11")
    with pytest.raises(RerunRefused) as refused:
        refuse_rerun_leaving_later_nights(tmp_path, date(2026, 3, 9), date(2026, 3, 10))
    assert str(refused.value) == (
        "night 2026-03-11 is published and built on the state of 2026-03-10 and the nights "
        "before it; rerunning 2026-03-09 to 2026-03-10 alone would leave them stale. Run "
        "through the latest published night instead: "
        "clout run --start 2026-03-09 --end 2026-03-11"
    )
    refuse_rerun_leaving_later_nights(tmp_path, date(2026, 3, 9), date(2026, 3, 11))
    refuse_rerun_leaving_later_nights(tmp_path, date(2026, 3, 12), date(2026, 3, 14))

    publish_in_order(tmp_path, "2026-03-10", "2026-03-11", "2026-03-09")
    with pytest.raises(RerunRefused, match="night 2026-03-10 is stale") as refused:
        refuse_rerun_leaving_later_nights(tmp_path, date(2026, 3, 12), date(2026, 3, 12))
    assert "clout run --start 2026-03-10 --end 2026-03-12" in str(refused.value)
    refuse_rerun_leaving_later_nights(tmp_path, date(2026, 3, 10), date(2026, 3, 12))
