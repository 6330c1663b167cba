"""Import the SNAP "Higgs Twitter" activity file as daily dumps in the landing contract.

The source (De Domenico et al., "The Anatomy of a Scientific Rumor", 2013) is gzip text, one
interaction a line, ``actor target unix_ts TYPE``, with TYPE ``RT`` (retweet), ``MT`` (mention)
or ``RE`` (reply). It is real activity no one on this project wrote, so replaying it shows
whether scores land on the accounts that were actually amplified, and whether a real, organic
burst (the 4 July 2012 announcement) is mistaken for gaming.

What the import decides, and why:

- ``RT`` becomes ``share``, ``MT`` ``mention``, ``RE`` ``reply``; network ``twitter``; user
  ids are the integers of the file written as strings (``"007"`` and ``"7"`` are one user).
- One event per distinct ``(actor, target, ts, TYPE)``: an exact repeated line is the same
  interaction recorded twice, so it collapses into one event (and is counted).
- A triple ``(actor, target, ts)`` under several TYPEs gives one event per TYPE: a reply that
  also mentions someone is both a reply and a mention, and the file says both.
- Self-loops (actor == target) stay: they are real lines, and scoring never counts a
  self-interaction as influence anyway (``sql/features/daily_user.sql``).
- The file has no post ids, but the contract needs ``target_post_id`` and ``post_id`` for
  ``share`` and ``reply``. Deterministic surrogates stand in (nothing downstream joins on
  them): ``target_post_id = higgs:content:<target>`` ("some content of the target's": the
  data does not say which tweet) and ``post_id = higgs:<actor>:<unix_ts>:<TYPE>`` (the
  actor's tweet of that second; two lines of one tweet share it). ``mention`` needs neither,
  so they stay null. ``event_id = higgs:<actor>:<target>:<unix_ts>:<TYPE>``: unique per
  distinct tuple, so re-importing gives the same ids and ingest's dedup has nothing to do.
- The dump of an event is the UTC date of its ts, so no event is late.

Everything is vectorised with Polars; Python loops only run over days.
"""

from __future__ import annotations

import gzip
import time
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from transforms import engine
from transforms.contract import LANDING_FIELDS
from transforms.layout import Layout

__all__ = [
    "DUMP_FILE",
    "NETWORK",
    "TYPE_ACTIONS",
    "HiggsFormatError",
    "HiggsImport",
    "import_higgs",
]

NETWORK = "twitter"
DUMP_FILE = "higgs.jsonl.gz"
TYPE_ACTIONS: dict[str, str] = {"RT": "share", "MT": "mention", "RE": "reply"}
# Actions the contract requires a post_id and target_post_id for (of the three we emit).
_ON_A_POST = ("share", "reply")
# Ids up to 18 digits and seconds up to 10 always fit an Int64, so the casts below cannot fail.
_LINE = r"^[ \t]*(\d{1,18})[ \t]+(\d{1,18})[ \t]+(\d{1,10})[ \t]+(RT|MT|RE)[ \t]*\r?$"
_FORMAT = "'actor target unix_ts TYPE' (integer ids, integer seconds, TYPE one of RT, MT, RE)"
# Level 1 (as transforms/generate.py): level 6 would save ~1/3 of the bytes but triple the
# import time (zlib is most of it). mtime=0 keeps the files byte-identical across imports.
_GZIP_LEVEL = 1
# The data has no topics, so its dumps carry every contract field but that optional one.
_COLUMNS = tuple(field for field in LANDING_FIELDS if field != "topics")


class HiggsFormatError(ValueError):
    """The source file is not the SNAP Higgs activity format; nothing was written."""


@dataclass(frozen=True)
class HiggsImport:
    """What an import read and wrote."""

    source: Path
    lines_read: int
    distinct_events: int
    collapsed_duplicates: int  # lines beyond the first of an exact repeated line
    self_loop_lines: int
    self_loop_events: int
    multi_type_triples: int  # (actor, target, ts) triples written under more than one action
    events_by_action: dict[str, int]
    events_by_day: dict[date, int]
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> str:
        """A few lines for a person: what was read, what became events, and where they went."""
        days = "\n".join(
            f"  dt={day.isoformat()}: {n:>9,} events" for day, n in self.events_by_day.items()
        )
        actions = ", ".join(f"{a} {n:,}" for a, n in self.events_by_action.items())
        return (
            f"Imported {self.source} in {self.seconds:.1f} s\n"
            f"  lines read {self.lines_read:,} -> distinct events {self.distinct_events:,} "
            f"(collapsed duplicate lines {self.collapsed_duplicates:,})\n"
            f"  by action: {actions}\n"
            f"  self-loops kept: {self.self_loop_lines:,} lines, {self.self_loop_events:,} events; "
            f"triples under several types: {self.multi_type_triples:,}\n"
            f"{days}"
        )


def import_higgs(source: Path, data_root: Path) -> HiggsImport:
    """Turn the SNAP Higgs activity file into one dump a UTC day under ``data_root/landing``.

    The whole file is read and checked before anything is written, so a malformed line leaves
    the landing folder as it was. Each day's ``higgs.jsonl.gz`` is written under a hidden
    temporary name and renamed, and ``_SUCCESS`` comes last: a reader never sees half a dump.
    Importing the same file twice gives byte-identical dumps.
    """
    began = time.monotonic()
    source = Path(source)
    lines = _read_lines(source)
    parsed = _parse(lines, source)
    distinct = (
        parsed.group_by("actor", "target", "ts", "type")
        .agg(pl.len().alias("copies"))
        .sort("ts", "actor", "target", "type")
    )
    events = _events(distinct)
    by_day = dict(
        events.group_by("day").len().sort("day").iter_rows()  # a row a day, not a row an event
    )
    layout = Layout(data_root)
    _check_landing_is_ours(layout, list(by_day))
    files = [_write_day(layout, day, events.filter(pl.col("day") == day)) for day in by_day]

    self_loop = pl.col("actor") == pl.col("target")
    multi_type = (
        distinct.group_by("actor", "target", "ts")
        .agg(pl.len().alias("types"))
        .filter(pl.col("types") > 1)
    ).height
    by_action = dict(events.group_by("action").len().sort("action").iter_rows())
    return HiggsImport(
        source=source,
        lines_read=parsed.height,
        distinct_events=distinct.height,
        collapsed_duplicates=parsed.height - distinct.height,
        self_loop_lines=parsed.filter(self_loop).height,
        self_loop_events=distinct.filter(self_loop).height,
        multi_type_triples=multi_type,
        events_by_action=by_action,
        events_by_day=by_day,
        files=files,
        seconds=time.monotonic() - began,
    )


def _read_lines(source: Path) -> pl.DataFrame:
    """Every line of the source with its 1-based number, as one Polars frame."""
    if not source.is_file():
        raise FileNotFoundError(
            f"{source}: no such file. Give --source the SNAP file higgs-activity_time.txt.gz "
            "(e.g. ../shared/data/higgs-twitter/higgs-activity_time.txt.gz)."
        )
    raw = source.read_bytes()
    # The SNAP file is gzip; a plain-text copy is read as is (handy when fixing a line by hand).
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise HiggsFormatError(
                f"{source}: the gzip stream is corrupt or cut short ({error}). Download the file "
                "again (the SNAP file's sha256 is in ../shared/data/higgs-twitter/README.md); "
                "nothing was written."
            ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise HiggsFormatError(
            f"{source} line {line}: not valid UTF-8 text (byte {raw[error.start]:#04x}); expected "
            f"{_FORMAT}. Fix or remove the line and import again; nothing was written."
        ) from None
    if text.endswith("\n"):
        text = text[:-1]  # the final newline ends the last line; it does not start another
    if not text:
        raise HiggsFormatError(
            f"{source}: the file holds no lines; expected {_FORMAT}. Check that --source is the "
            "SNAP Higgs activity file; nothing was written."
        )
    # Splitting inside Polars keeps the line loop out of Python.
    return (
        pl.DataFrame({"raw": [text]})
        .select(pl.col("raw").str.split("\n"))
        .explode("raw")
        .with_row_index("line", offset=1)
    )


def _parse(lines: pl.DataFrame, source: Path) -> pl.DataFrame:
    """Split every line into typed columns; fail on the first line that does not fit."""
    fields = lines.with_columns(pl.col("raw").str.extract_groups(_LINE).alias("f")).unnest("f")
    bad = fields.filter(pl.col("1").is_null())
    if bad.height:
        line, raw = bad.row(0)[:2]
        more = {1: "", 2: " (1 more malformed line follows)"}.get(
            bad.height, f" ({bad.height - 1:,} more malformed lines follow)"
        )
        raise HiggsFormatError(
            f"{source} line {line}: {_what_is_wrong(raw)}; expected {_FORMAT}, got {raw[:200]!r}"
            f"{more}. Fix or remove the line and import again; nothing was written."
        )
    return fields.select(
        pl.col("line"),
        pl.col("1").cast(pl.Int64).alias("actor"),
        pl.col("2").cast(pl.Int64).alias("target"),
        pl.col("3").cast(pl.Int64).alias("ts"),
        pl.col("4").alias("type"),
    )


def _what_is_wrong(raw: str) -> str:
    """Name the problem of one malformed line (called once, for the line reported)."""
    parts = raw.split()
    if not parts:
        return "the line is empty"
    if len(parts) != 4:
        return f"{len(parts)} field{'s' if len(parts) != 1 else ''} instead of 4"
    names = ("actor", "target", "unix_ts")
    for name, value in zip(names, parts[:3], strict=True):
        if not value.isascii() or not value.isdigit():
            return f"{name} {value!r} is not a non-negative integer"
        if len(value) > (10 if name == "unix_ts" else 18):
            return f"{name} {value!r} is too large"
    if parts[3] not in TYPE_ACTIONS:
        return f"TYPE {parts[3]!r} is not RT, MT or RE"
    return "the fields are not separated by spaces or tabs"


def _events(distinct: pl.DataFrame) -> pl.DataFrame:
    """The contract's columns for every distinct line, plus the UTC day it belongs to."""
    actor = pl.col("actor").cast(pl.String)
    target = pl.col("target").cast(pl.String)
    ts = pl.col("ts").cast(pl.String)
    action = pl.col("type").replace_strict(TYPE_ACTIONS, return_dtype=pl.String)
    when_on_a_post = pl.when(action.is_in(_ON_A_POST))
    instant = pl.from_epoch("ts", time_unit="s")
    return distinct.select(
        pl.concat_str([pl.lit("higgs"), actor, target, ts, pl.col("type")], separator=":").alias(
            "event_id"
        ),
        instant.dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("ts"),
        pl.lit(NETWORK).alias("network"),
        actor.alias("actor_id"),
        action.alias("action"),
        target.alias("target_user_id"),
        when_on_a_post.then(pl.concat_str([pl.lit("higgs:content:"), target])).alias(
            "target_post_id"
        ),
        when_on_a_post.then(
            pl.concat_str([pl.lit("higgs"), actor, ts, pl.col("type")], separator=":")
        ).alias("post_id"),
        instant.dt.date().alias("day"),
    )


def _check_landing_is_ours(layout: Layout, days: list[date]) -> None:
    """Refuse to mix the replay into a dump someone else wrote (before writing anything)."""
    for day in days:
        folder = layout.landing(day)
        if not folder.is_dir():
            continue
        others = sorted(
            p.name
            for p in folder.iterdir()
            if p.name not in (DUMP_FILE, "_SUCCESS") and not p.name.startswith(".")
        )
        if others:
            raise FileExistsError(
                f"{folder} already holds {', '.join(others)}: the replay would be mixed into "
                "another dump. Import into an empty --data-root (or remove that folder); "
                "nothing was written."
            )


def _write_day(layout: Layout, day: date, events: pl.DataFrame) -> Path:
    folder = layout.landing(day)
    folder.mkdir(parents=True, exist_ok=True)
    marker = layout.success_marker(day)
    # A re-import rewrites a finished dump: withdraw the marker first so that no sensor
    # takes the folder for complete while its file is being replaced.
    marker.unlink(missing_ok=True)
    body = events.select(_COLUMNS).write_ndjson().encode()
    path = folder / DUMP_FILE
    engine.write_bytes(path, gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0))
    engine.write_bytes(marker, b"")
    return path
