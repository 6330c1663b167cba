"""Whether a night can start, and whether it may run at all.

Each night's 90-day state is built on the night before's, so nights run in date order, and
rerunning an earlier night makes every later published night stale. Two rules follow:

* A night starts once its dump is complete (``_SUCCESS``) and the night before it is
  published, up to date, and not about to run again.
* A rerun of a night is refused while later nights are published that will not run again
  after it: ``clout run`` must reach the latest published night, and an Airflow backfill
  (or a clear) must cover every published night after it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from transforms.layout import Layout
from transforms.publish import published_dates, stale_dates

# How long a night waits for its inputs before it gives up and says why.
WAIT_LIMIT = timedelta(hours=12)
# How many nights one ask for Airflow's queued or running runs names.
NIGHTS_PER_QUERY = 31

# Counts the runs of clout_nightly, among those whose logical dates are given, that are
# queued or running (Airflow's scheduled and backfill runs carry the night as logical date).
RunsInFlight = Callable[[list[datetime]], int]


class RerunRefused(RuntimeError):
    """Rerunning these nights would leave later published nights built on the old ones."""


@dataclass(frozen=True)
class Readiness:
    ready: bool
    waiting_for: str
    give_up: bool = False
    refused: str = ""

    def message(self, day: date, waited: timedelta) -> str:
        if self.refused:
            return self.refused
        if self.give_up:
            return (
                f"night {day} gave up after waiting {waited} for {self.waiting_for}. "
                "Once it is there, clear this task to run the night."
            )
        return f"night {day} is waiting for {self.waiting_for} ({waited} so far)"


def night_can_start(
    data_root: Path,
    day: date,
    waited: timedelta = timedelta(0),
    runs_in_flight: RunsInFlight | None = None,
) -> Readiness:
    """Day D needs dump D complete (``_SUCCESS``) and day D-1 published and up to date,
    unless D-1 has no dump and nothing before D is published (the first day). Under
    Airflow, ``runs_in_flight`` also makes D wait while D-1's run is queued or running,
    and refuses D when published nights after it have no run queued to follow it. After
    ``WAIT_LIMIT`` of waiting, the answer is to give up."""
    if runs_in_flight is not None:
        refusal = _refusal_under_airflow(data_root, day, runs_in_flight)
        if refusal:
            return Readiness(False, "", refused=refusal)
    readiness = _readiness(data_root, day, runs_in_flight)
    if not readiness.ready and waited >= WAIT_LIMIT:
        return Readiness(False, readiness.waiting_for, give_up=True)
    return readiness


def refuse_rerun_leaving_later_nights(data_root: Path, first: date, last: date) -> None:
    """``clout run --start first --end last`` must neither build on a stale night nor leave
    later published nights stale: raise ``RerunRefused`` saying what to run instead."""
    stale_before = [night for night in stale_dates(data_root) if night < first]
    if stale_before:
        raise RerunRefused(
            f"night {stale_before[0]} is stale (an earlier night was published again after "
            f"it), and {first} would be built on it. Rerun from the first stale night: "
            f"clout run --start {stale_before[0]} --end {last}"
        )
    later = [night for night in published_dates(data_root) if night > last]
    if later:
        raise RerunRefused(
            f"{_later_nights(later)} published and built on the state of {last} and the "
            f"nights before it; rerunning {_range(first, last)} alone would leave them stale. "
            f"Run through the latest published night instead: "
            f"clout run --start {first} --end {later[-1]}"
        )


def _refusal_under_airflow(data_root: Path, day: date, runs_in_flight: RunsInFlight) -> str:
    later = [night for night in published_dates(data_root) if night > day]
    if not later:
        return ""
    queued = sum(
        runs_in_flight([_midnight(night) for night in later[start : start + NIGHTS_PER_QUERY]])
        for start in range(0, len(later), NIGHTS_PER_QUERY)
    )
    if queued >= len(later):
        return ""
    return (
        f"refusing to rerun night {day}: {_later_nights(later)} published and built on its "
        f"state, and only {queued} of them {'is' if queued == 1 else 'are'} queued to run "
        f"again after it, so the rest would be left stale. Backfill from {day} through "
        f"{later[-1]} with reprocess behaviour 'All Runs' (CLI: --reprocess-behavior "
        "completed), or clear this run together with its future runs."
    )


def _readiness(data_root: Path, day: date, runs_in_flight: RunsInFlight | None) -> Readiness:
    layout = Layout(data_root)
    if not layout.success_marker(day).exists():
        return Readiness(
            False,
            f"{layout.success_marker(day)}: the dump for {day} is missing or incomplete "
            "(the partner writes _SUCCESS last)",
        )
    yesterday = day - timedelta(days=1)
    if runs_in_flight is not None and runs_in_flight([_midnight(yesterday)]):
        # A backfill that reprocesses published nights queues them all at once: night D-1
        # is still published from before, but it is about to change.
        return Readiness(
            False,
            f"night {yesterday} to run first: its Airflow run is queued or running, and each "
            "night builds on the one before",
        )
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
    if yesterday in stale_dates(data_root):
        return Readiness(
            False,
            f"night {yesterday} to be rerun: it is published, but an earlier night was "
            "published again after it, so its state is stale. Rerun the stale nights in "
            "date order (a backfill from the first stale night, reprocess 'All Runs')",
        )
    return Readiness(True, "")


def _midnight(night: date) -> datetime:
    return datetime(night.year, night.month, night.day, tzinfo=UTC)


def _later_nights(later: Sequence[date]) -> str:
    if len(later) == 1:
        return f"night {later[0]} is"
    return f"{len(later)} later nights ({_range(later[0], later[-1])}) are"


def _range(first: date, last: date) -> str:
    return str(first) if first == last else f"{first} to {last}"
