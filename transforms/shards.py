"""Sharded nights: the per-user steps split by a hash of ``user_id``.

``features`` and ``state`` (with the 90-day reach it counts) only ever look at one user's
own rows, plus day-level lookups every shard reads whole (the givers' volumes, yesterday's
scores, the held-out pairs). So they run as N independent shards, each owning the users
whose ``hash(user_id) % N`` is its index, and the DAG maps them over workers. The steps
after them grade the whole population on one curve and read every shard's files.

A shard's files sit beside the unsharded ones: ``user_state.parquet`` with one shard,
``user_state.shard-2-of-4.parquet`` with four. Each sharded folder records the night's
count in ``_shards.json``, so a reader knows which files make up the day, and ignores the
leftovers of a rerun with another count. A night may use a different count from the one
before it: a shard then reads every part of yesterday's state and keeps its own users,
and counts the 90-day reach from the window's daily pairs instead of from yesterday's
counts: one full read of the state and of the window, once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from transforms import engine

SHARDS_FILE = "_shards.json"
# DuckDB's hash() is fast but not promised stable across releases: each folder records
# what it gave for this probe, and a reader on a DuckDB whose hash differs re-shards.
HASH_PROBE = "clout"


def shard_count_from_env() -> int:
    """The night's shard count: ``CLOUT_SHARDS``, default 1."""
    raw = os.environ.get("CLOUT_SHARDS", "1")
    try:
        count = int(raw)
    except ValueError:
        count = 0
    if count < 1:
        raise ValueError(f"CLOUT_SHARDS={raw!r}: set it to a whole number of shards, 1 or more")
    return count


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``: the users whose ``hash(user_id) % count == index``."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if self.count < 1 or not 0 <= self.index < self.count:
            raise ValueError(f"no shard {self.index} of {self.count}")

    @property
    def whole(self) -> bool:
        return self.count == 1

    def __str__(self) -> str:
        return "all users" if self.whole else f"shard {self.index} of {self.count}"

    def part(self, path: Path) -> Path:
        """This shard's file for a table whose unsharded file is ``path``."""
        return part_path(path, self.index, self.count)

    def owns(self, column: str) -> str:
        """A SQL predicate: the row's ``column`` holds a user of this shard."""
        if self.whole:
            return "true"
        return f"hash({column}) % {self.count} = {self.index}"


ALL_USERS = Shard()


def all_shards(count: int) -> list[Shard]:
    return [Shard(index, count) for index in range(count)]


def part_path(path: Path, index: int, count: int) -> Path:
    if count == 1:
        return path
    return path.with_name(f"{path.stem}.shard-{index}-of-{count}{path.suffix}")


def hash_probe(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("select hash(?)", [HASH_PROBE]).fetchall()[0][0])


def record(con: duckdb.DuckDBPyConnection, folder: Path, shard: Shard) -> None:
    """Say which files make up ``folder``'s day: written by every shard, after its files."""
    engine.write_json(folder / SHARDS_FILE, {"count": shard.count, "hash_probe": hash_probe(con)})


def _recorded(folder: Path) -> dict:
    """``folder``'s ``_shards.json``; a folder written before sharding existed is one
    shard, hashed by this DuckDB."""
    path = folder / SHARDS_FILE
    return engine.read_json(path) if path.exists() else {"count": 1, "hash_probe": None}


def recorded_count(folder: Path) -> int:
    """The shard count ``folder``'s day was written with."""
    return _recorded(folder)["count"]


def parts(path: Path) -> list[Path]:
    """Every file of the day's table whose unsharded file is ``path``."""
    count = recorded_count(path.parent)
    return [part_path(path, index, count) for index in range(count)]


def written(path: Path) -> bool:
    """Whether every shard's file of the day's table exists."""
    return all(part.exists() for part in parts(path))


def view_all(
    con: duckdb.DuckDBPyConnection, name: str, path: Path, empty_schema: str | None = None
) -> None:
    """``engine.view`` over every shard's file of a table: what the whole-population
    steps read."""
    engine.view(con, name, parts(path), empty_schema)


def own_parts(con: duckdb.DuckDBPyConnection, path: Path, shard: Shard) -> tuple[list[Path], bool]:
    """The files holding ``shard``'s users of a table written on an earlier night, and
    whether they hold other users too (written with another count or hash), to be
    filtered with ``shard.owns``."""
    written = _recorded(path.parent)
    every = [part_path(path, index, written["count"]) for index in range(written["count"])]
    if shard.whole:
        return every, False
    same_hash = written["hash_probe"] in (None, hash_probe(con))
    if written["count"] == shard.count and same_hash:
        return [shard.part(path)], False
    return every, True


def view_own(
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: Path,
    shard: Shard,
    empty_schema: str | None = None,
) -> None:
    """``engine.view`` over ``shard``'s users of a table written on an earlier night.

    Written with the same count and hash: the shard's own file. Otherwise every file,
    keeping the shard's users."""
    files, filtered = own_parts(con, path, shard)
    if not filtered:
        engine.view(con, name, files, empty_schema)
        return
    engine.view(con, f"{name}_every_shard", files, empty_schema)
    con.execute(
        f"create or replace temp view {name} as "
        f"select * from {name}_every_shard where {shard.owns('user_id')}"
    )


def describe(day: date, shard: Shard) -> str:
    return f"{day}" if shard.whole else f"{day} ({shard})"
