"""A night starts only when its dump is complete and the night before it is published."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from transforms.engine import write_json
from transforms.layout import Layout
from transforms.readiness import night_can_start

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


def test_a_night_runs_once_the_one_before_is_published(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    publish_dates(tmp_path, "2026-03-08", "2026-03-09")
    assert night_can_start(tmp_path, DAY).ready


def test_rerunning_the_first_published_night_is_allowed(tmp_path: Path) -> None:
    land(tmp_path, DAY)
    publish_dates(tmp_path, "2026-03-10", "2026-03-11")
    assert night_can_start(tmp_path, DAY).ready
