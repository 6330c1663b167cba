"""The safety brake stops a night whose dump is clearly broken, and says why."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from transforms.brake import SafetyBrakeEngaged, apply_safety_brake, max_quarantine_share
from transforms.ingest import ingest_day
from transforms.layout import Layout

DAY = date(2026, 2, 10)


def post(event_id: str, day: date, network: str) -> str:
    return json.dumps(
        {
            "event_id": event_id,
            "ts": f"{day}T10:00:00Z",
            "network": network,
            "actor_id": f"u-{event_id}",
            "action": "post",
            "post_id": f"p-{event_id}",
        }
    )


def dump(root: Path, day: date, lines: list[str]) -> None:
    folder = Layout(root).landing(day)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dump.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "_SUCCESS").touch()
    ingest_day(root, day)


def test_a_clean_day_releases_the_brake(tmp_path: Path) -> None:
    dump(tmp_path, DAY, [post(f"e{i}", DAY, "x") for i in range(40)])
    apply_safety_brake(tmp_path, DAY)


def test_too_many_quarantined_rows_stop_the_night_and_name_the_cause(tmp_path: Path) -> None:
    # 6 bad lines of 100 read: 6% > 5%.
    lines = [post(f"e{i}", DAY, "x") for i in range(94)] + ["not json"] * 6
    dump(tmp_path, DAY, lines)
    with pytest.raises(SafetyBrakeEngaged) as brake:
        apply_safety_brake(tmp_path, DAY)
    message = str(brake.value)
    assert "6.0% of the 100 rows read were quarantined (limit 5%)" in message
    assert "dump.jsonl (malformed_json: 6)" in message
    assert "clout run --date 2026-02-10" in message


def test_exactly_at_the_limit_is_allowed(tmp_path: Path) -> None:
    lines = [post(f"e{i}", DAY, "x") for i in range(95)] + ["not json"] * 5
    dump(tmp_path, DAY, lines)
    apply_safety_brake(tmp_path, DAY)


def test_the_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [post(f"e{i}", DAY, "x") for i in range(50)] + ["not json"] * 50
    dump(tmp_path, DAY, lines)
    monkeypatch.setenv("CLOUT_MAX_QUARANTINE_SHARE", "0.6")
    apply_safety_brake(tmp_path, DAY)
    monkeypatch.setenv("CLOUT_MAX_QUARANTINE_SHARE", "0.2")
    with pytest.raises(SafetyBrakeEngaged, match="limit 20%"):
        apply_safety_brake(tmp_path, DAY)


@pytest.mark.parametrize("value", ["five percent", "1.5", "-0.1"])
def test_a_nonsense_limit_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CLOUT_MAX_QUARANTINE_SHARE", value)
    with pytest.raises(ValueError, match="between 0 and 1"):
        max_quarantine_share()


def week_then(root: Path, today_networks: list[str], history_days: int = 7) -> None:
    for back in range(history_days, 0, -1):
        day = DAY - timedelta(days=back)
        dump(root, day, [post(f"{n}{back}-{i}", day, n) for n in ("x", "y") for i in range(5)])
    dump(root, DAY, [post(f"{n}-{i}", DAY, n) for n in today_networks for i in range(5)])


def test_a_network_missing_after_a_steady_week_stops_the_night(tmp_path: Path) -> None:
    week_then(tmp_path, ["x"])
    with pytest.raises(SafetyBrakeEngaged, match=r"network\(s\) y sent events on each of the 7"):
        apply_safety_brake(tmp_path, DAY)


def test_all_networks_present_release_the_brake(tmp_path: Path) -> None:
    week_then(tmp_path, ["x", "y"])
    apply_safety_brake(tmp_path, DAY)


def test_less_than_a_week_of_history_never_claims_a_network_is_missing(tmp_path: Path) -> None:
    week_then(tmp_path, ["x"], history_days=6)
    apply_safety_brake(tmp_path, DAY)
