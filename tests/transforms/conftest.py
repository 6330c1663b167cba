"""Shared helpers for the transform step tests: tiny hand-made inputs written as Parquet.

Tests get them through the ``lake`` fixture, a fresh data root with writers for the files
a step reads (events after ingest, yesterday's scores, a user_state with histories) and a
reader for the files it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from transforms import engine
from transforms.layout import Layout

EVENTS_SCHEMA = (
    "event_id varchar, ts timestamptz, network varchar, actor_id varchar, action varchar, "
    "target_user_id varchar, target_post_id varchar, post_id varchar, topics varchar[], "
    "is_late boolean, source_file varchar"
)
# The minimal user_state the gaming rules read.
HISTORY_SCHEMA = (
    "user_id varchar, engagers_history bigint[], reactions_history double[], "
    "followers_history bigint[]"
)
CONTENT = ("post", "reply", "share")
ON_A_POST = ("reply", "share", "like")

# An event as tests write it: (actor, action), (actor, action, target),
# (actor, action, target, topics), (actor, action, target, topics, network) or, to react to
# one particular item, (actor, action, target, topics, network, target_post_id); the network
# defaults to "testnet", and an item's post id is f"p-{actor}-{n}" (n: its place in the list).
Event = tuple[Any, ...]
# A user_state row for the gaming rules: (user, engagers, reactions, followers) histories.
Histories = tuple[str, Sequence[int], Sequence[float], Sequence[int]]


class Lake:
    """A data root under a test's tmp folder, with writers and readers for its files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.layout = Layout(root)

    def _write(self, schema: str, rows: list[tuple[Any, ...]], path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'UTC'")
            con.execute(f"create table t ({schema})")
            if rows:
                # One Arrow batch: far faster than row-by-row inserts.
                columns = zip(*rows, strict=True)
                batch = pa.table({f"c{i}": list(column) for i, column in enumerate(columns)})
                con.register("batch", batch)
                con.execute("insert into t select * from batch")
            con.execute(f"copy t to {engine.quote_path(path)} (format parquet)")
        finally:
            con.close()
        return path

    def events(self, day: date, events: Iterable[Event]) -> Path:
        """Write the canonical (post-ingest) events of ``day``; return the file.

        Event ids, timestamps and post ids are filled in: content gets a post id and an
        action on a post gets a target post id.
        """
        rows = []
        for n, spec in enumerate(events):
            optional = (None, None, "testnet", None)  # target, topics, network, target post
            actor, action, target, topics, network, target_post = (
                *spec,
                *optional[len(spec) - 2 :],
            )
            rows.append(
                (
                    f"{day.isoformat()}-{n:05d}",
                    datetime.combine(day, time(12, 0), tzinfo=UTC) + timedelta(seconds=n),
                    network,
                    actor,
                    action,
                    target,
                    target_post or (f"p-{target}" if action in ON_A_POST else None),
                    f"p-{actor}-{n}" if action in CONTENT else None,
                    list(topics) if topics is not None else None,
                    False,
                    "test.jsonl",
                )
            )
        return self._write(EVENTS_SCHEMA, rows, self.layout.events(day))

    def timed_events(self, day: date, events: Iterable[dict[str, Any]]) -> Path:
        """Write the canonical events of ``day`` with their times and posts spelled out.

        Each event is a dict: ``actor``, ``action``, and as needed ``target`` (the user acted
        on), ``post`` (the id of the content it creates), ``on_post`` (the post it acts on),
        ``at`` (seconds after midnight UTC, default noon), ``network`` (default testnet).
        """
        rows = []
        for n, event in enumerate(events):
            rows.append(
                (
                    f"{day.isoformat()}-t{n:05d}",
                    datetime.combine(day, time(0, 0), tzinfo=UTC)
                    + timedelta(seconds=event.get("at", 12 * 3600)),
                    event.get("network", "testnet"),
                    event["actor"],
                    event["action"],
                    event.get("target"),
                    event.get("on_post"),
                    event.get("post"),
                    None,
                    False,
                    "test.jsonl",
                )
            )
        return self._write(EVENTS_SCHEMA, rows, self.layout.events(day))

    def known_accounts(self, day: date, first_seen: dict[str, date]) -> Path:
        """Write a user_state of ``day`` holding only (user_id, first_seen)."""
        rows = list(first_seen.items())
        return self._write("user_id varchar, first_seen date", rows, self.layout.state(day))

    def breadth(self, day: date, targets: dict[str, int]) -> Path:
        """Write the giver breadth of ``day``: how many people each account acted on in
        the 90-day window."""
        rows = list(targets.items())
        return self._write("actor_id varchar, targets bigint", rows, self.layout.giver_breadth(day))

    def scores(self, day: date, scores: dict[str, float]) -> Path:
        """Write a published scores file of ``day`` holding only (user_id, score)."""
        rows = list(scores.items())
        return self._write("user_id varchar, score double", rows, self.layout.scores(day))

    def histories(self, day: date, rows: Sequence[Histories]) -> Path:
        """Write a user_state of ``day`` with only the three history lists, oldest first."""
        values = [(u, list(e), [float(x) for x in r], list(f)) for u, e, r, f in rows]
        return self._write(HISTORY_SCHEMA, values, self.layout.state(day))

    @staticmethod
    def rows(path: Path, order_by: str = "user_id") -> list[dict[str, Any]]:
        """Every row of one of our Parquet files, as dicts."""
        con = duckdb.connect()
        try:
            con.execute("set TimeZone = 'UTC'")
            rel = con.execute(f"select * from {engine.parquet_source(path)} order by {order_by}")
            names = [d[0] for d in rel.description]
            return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]
        finally:
            con.close()

    def by_user(self, path: Path) -> dict[str, dict[str, Any]]:
        """The rows of a per-user Parquet file keyed by user_id."""
        return {row["user_id"]: row for row in self.rows(path)}


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    """A fresh, empty data root for one test."""
    root = tmp_path / "data"
    root.mkdir()
    return Lake(root)
