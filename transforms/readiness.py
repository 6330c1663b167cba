"""Whether a night can start: its dump is complete and the night before it is published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from transforms.layout import Layout
from transforms.publish import published_dates


@dataclass(frozen=True)
class Readiness:
    ready: bool
    waiting_for: str


def night_can_start(data_root: Path, day: date) -> Readiness:
    """Day D needs dump D complete (``_SUCCESS``) and, unless it is the first day ever
    published, day D-1 published: D's state is built on D-1's."""
    layout = Layout(data_root)
    if not layout.success_marker(day).exists():
        return Readiness(
            False,
            f"{layout.success_marker(day)}: the dump for {day} is missing or incomplete "
            "(the partner writes _SUCCESS last)",
        )
    yesterday = day - timedelta(days=1)
    published = published_dates(data_root)
    earlier = [d for d in published if d < day]
    if earlier and yesterday not in published:
        return Readiness(
            False,
            f"night {yesterday} to be published first (the latest published night before "
            f"{day} is {earlier[-1]}); each night builds on the one before",
        )
    return Readiness(True, "")
