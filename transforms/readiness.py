"""Whether a night can start: its dump is complete and the night before it is published."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from transforms.layout import Layout
from transforms.publish import published_dates

# How long a night waits for its inputs before it gives up and says why.
WAIT_LIMIT = timedelta(hours=12)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    waiting_for: str
    give_up: bool = False

    def message(self, day: date, waited: timedelta) -> str:
        if self.give_up:
            return (
                f"night {day} gave up after waiting {waited} for {self.waiting_for}. "
                "Once it is there, clear this task to run the night."
            )
        return f"night {day} is waiting for {self.waiting_for} ({waited} so far)"


def night_can_start(data_root: Path, day: date, waited: timedelta = timedelta(0)) -> Readiness:
    """Day D needs dump D complete (``_SUCCESS``) and day D-1 published, D's state being
    built on D-1's, unless D-1 has no dump and nothing before D is published (the first
    day). After ``WAIT_LIMIT`` of
    waiting, the answer is to give up."""
    readiness = _readiness(data_root, day)
    if not readiness.ready and waited >= WAIT_LIMIT:
        return Readiness(False, readiness.waiting_for, give_up=True)
    return readiness


def _readiness(data_root: Path, day: date) -> Readiness:
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
    if yesterday not in published and layout.landing(yesterday).exists():
        # A backfill into an empty lake starts every night at once: only the night with
        # no dump before it may go first.
        return Readiness(
            False,
            f"night {yesterday} to be published first: its dump {layout.landing(yesterday)} "
            "exists and each night builds on the one before",
        )
    if earlier and yesterday not in published:
        return Readiness(
            False,
            f"night {yesterday} to be published first (the latest published night before "
            f"{day} is {earlier[-1]}); each night builds on the one before",
        )
    return Readiness(True, "")
