"""Where every file of clout lives under the data root.

The data root is the only configuration a step needs: each step reads and writes
date-partitioned files (``<table>/dt=YYYY-MM-DD/``) below it, so any step can be
rerun for any date from the files alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

DEFAULT_DATA_ROOT = Path("./data")
WINDOW_DAYS = 90


def data_root_from_env() -> Path:
    """The data root Airflow tasks use: ``CLOUT_DATA_ROOT`` or ``./data``."""
    return Path(os.environ.get("CLOUT_DATA_ROOT", str(DEFAULT_DATA_ROOT))).resolve()


def partition(day: date) -> str:
    return f"dt={day.isoformat()}"


@dataclass(frozen=True)
class Layout:
    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())

    # input
    def landing(self, day: date) -> Path:
        return self.root / "landing" / partition(day)

    def success_marker(self, day: date) -> Path:
        return self.landing(day) / "_SUCCESS"

    # step outputs: the source of truth, one folder a table and a day
    def _file(self, table: str, day: date, name: str) -> Path:
        return self.root / table / partition(day) / name

    def events(self, day: date) -> Path:
        return self._file("events", day, "events.parquet")

    def event_index(self, day: date) -> Path:
        """The ids of the events accepted on ``day``, one folder per UTC date of their
        timestamps (``ts_date=X/``): what later days' ingest checks for duplicates."""
        return self.root / "event_index" / partition(day)

    def quarantine(self, day: date) -> Path:
        return self._file("quarantine", day, "quarantine.parquet")

    def ingest_counts(self, day: date) -> Path:
        return self._file("events", day, "_counts.json")

    def batch_profile(self, day: date) -> Path:
        return self._file("batch_profile", day, "batch_profile.parquet")

    def daily_features(self, day: date) -> Path:
        return self._file("daily_features", day, "daily_features.parquet")

    def daily_topics(self, day: date) -> Path:
        return self._file("daily_features", day, "daily_topics.parquet")

    def daily_network_features(self, day: date) -> Path:
        return self._file("daily_features", day, "daily_network_features.parquet")

    def daily_engagers(self, day: date) -> Path:
        return self._file("daily_features", day, "daily_engagers.parquet")

    def state(self, day: date) -> Path:
        return self._file("state", day, "user_state.parquet")

    def topic_state(self, day: date) -> Path:
        return self._file("state", day, "user_topic_state.parquet")

    def network_state(self, day: date) -> Path:
        return self._file("state", day, "network_state.parquet")

    def giver_breadth(self, day: date) -> Path:
        return self._file("state", day, "giver_breadth.parquet")

    def reach(self, day: date) -> Path:
        return self._file("state", day, "reach.parquet")

    def network_reach(self, day: date) -> Path:
        return self._file("state", day, "network_reach.parquet")

    def state_meta(self, day: date) -> Path:
        return self._file("state", day, "_meta.json")

    def user_features(self, day: date) -> Path:
        return self._file("user_features", day, "user_features.parquet")

    def user_networks(self, day: date) -> Path:
        return self._file("user_networks", day, "user_networks.parquet")

    def graded(self, day: date) -> Path:
        return self._file("graded", day, "graded.parquet")

    def user_topics(self, day: date) -> Path:
        return self._file("user_topics", day, "user_topics.parquet")

    def scores(self, day: date) -> Path:
        return self._file("scores", day, "scores.parquet")

    def score_explanations(self, day: date) -> Path:
        return self._file("score_explanations", day, "score_explanations.parquet")

    def gaming_groups(self, day: date) -> Path:
        return self._file("gaming_groups", day, "gaming_groups.parquet")

    def held_out_pairs(self, day: date) -> Path:
        return self._file("gaming_groups", day, "held_out_pairs.parquet")

    def gaming_evidence(self, day: date) -> Path:
        """The day's compact evidence for the gaming rules that judge several days together
        (groups.py): fast reactions between accounts, posts made, follows from accounts
        with no audience. A night reads the last few of these, never the events."""
        return self._file("gaming_evidence", day, "gaming_evidence.parquet")

    def gaming_jumps(self, day: date) -> Path:
        return self._file("gaming_jumps", day, "gaming_jumps.parquet")

    def gaming_flags(self, day: date) -> Path:
        return self._file("gaming_flags", day, "gaming_flags.parquet")

    def checks(self, day: date) -> Path:
        return self._file("checks", day, "results.json")

    def run_log_dir(self, day: date) -> Path:
        return self.root / "run_log" / partition(day)

    # published view of the lake
    @property
    def published(self) -> Path:
        return self.root / "published"

    @property
    def manifest(self) -> Path:
        return self.published / "manifest.json"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "clout.duckdb"

    @property
    def erased_register(self) -> Path:
        """Salted hashes of the people clout forgot (erasure.py); never the ids."""
        return self.root / "erasure" / "erased.parquet"

    @property
    def erasure_salt(self) -> Path:
        return self.root / "erasure" / "salt"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    @property
    def duckdb_temp(self) -> Path:
        return self.root / "tmp" / "duckdb"

    def existing_days(self, table: str) -> list[date]:
        """Days that have a partition folder for ``table``, in date order."""
        folder = self.root / table
        if not folder.is_dir():
            return []
        days = []
        for child in folder.iterdir():
            if child.is_dir() and child.name.startswith("dt="):
                days.append(date.fromisoformat(child.name[3:]))
        return sorted(days)


def window_start(day: date) -> date:
    """First day inside the rolling window that ends on ``day``."""
    return day - timedelta(days=WINDOW_DAYS - 1)
