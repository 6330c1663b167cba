"""Forgetting a person: ``clout forget USER_ID``.

A score about people must be able to forget one. ``forget`` removes the person from
everything clout keeps under the data root except the landing zone, which is the data
provider's: canonical events (as actor and as target) and their ids in the event index,
daily features, state, scores, explanations, topics, networks, gaming flags, groups and
jumps, quarantine rows, the generator's truth, the published lake, the warehouse, the
data-quality results and the reports.

What a row about the person is, in any Parquet file: a row with a text column equal to the
id is removed (it is theirs: their score, their event, an event done to them, a pair they
are in); the id is taken out of every list of ids (a gaming group's members, a jump's
example accounts); and where the id appears inside another text (a flag's evidence naming
example accounts) it is replaced by ``[erased]``. A quarantine row that mentions the person
anywhere is removed whole, since its raw line is their event. Text files (JSON results,
HTML reports and Data Docs) get the same replacement, and the reports are written again.

The erasure is recorded first, as a salted SHA-256 of the id (the salt is the data root's
own, ``erasure/salt``; never the id itself), in ``erasure/erased.parquet``. Ingest checks
every day's ids against it, so no later night, rerun or backfill brings the person back:
their rows are dropped with a count (``events_erased`` in run_log). Other people's
numbers keep the person's past part in them (someone's reach counted them) until those
nights are rerun; every id and key of theirs is gone.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from transforms import engine
from transforms.layout import Layout

log = logging.getLogger(__name__)

ERASED_SCHEMA = "user_hash varchar, erased_at timestamptz"
REPLACEMENT = "[erased]"
# Folders forget leaves alone: the provider's landing zone, the register itself, and
# DuckDB's spill files (deleted by DuckDB when a query ends).
UNTOUCHED = ("landing", "erasure", "tmp")
# Folders whose rows are a person's raw events: any mention removes the row.
WHOLE_ROW_FOLDERS = ("quarantine",)
# Text files that may quote an id (GX results and Data Docs, reports, counts).
TEXT_SUFFIXES = (".json", ".html", ".htm", ".txt", ".csv", ".md", ".js")


@dataclass(frozen=True)
class Erasure:
    user_hash: str
    already_recorded: bool
    files_scanned: int
    files_rewritten: int
    rows_removed: int
    text_files_rewritten: int
    reports_written: int
    seconds: float


def _salt(layout: Layout, create: bool) -> str | None:
    path = layout.erasure_salt
    if not path.exists():
        if not create:
            return None
        # The salt keeps the register from being a list of plain hashes of ids anyone can
        # recompute; it must stay with the data root (a new salt forgets nobody).
        engine.write_bytes(path, secrets.token_hex(32).encode())
        path.chmod(0o600)
    return path.read_text().strip()


def user_hash(salt: str, user_id: str) -> str:
    """The register's entry for ``user_id``: what DuckDB's sha256(salt || id) computes."""
    return hashlib.sha256((salt + user_id).encode()).hexdigest()


def screen_day(con: duckdb.DuckDBPyConnection, layout: Layout) -> bool:
    """Give ingest the day's ids on the erasure register (the temp table ``erased_ids``,
    read by validate_events.sql) and the variable ``any_erased``; return it."""
    salt = _salt(layout, create=False)
    if salt is None or not layout.erased_register.exists():
        con.execute("create or replace temp table erased_ids (id varchar)")
        engine.set_variables(con, any_erased=False)
        return False
    engine.set_variables(con, erasure_salt=salt, any_erased=True)
    engine.view(con, "erased_register", layout.erased_register)
    con.execute("create or replace temp table erased_ids as " + engine.sql("ingest/erased_ids"))
    return True


def forget(data_root: Path, user_id: str) -> Erasure:
    """Record the erasure of ``user_id``, then remove them from every file clout keeps."""
    # Imported here: publish imports ingest, which imports this module.
    from transforms.publish import publish_lock, read_manifest
    from transforms.report import write_report
    from transforms.warehouse import build_warehouse

    if not user_id.strip():
        raise ValueError("the user id to forget is empty")
    layout = Layout(data_root)
    began = time.monotonic()
    with publish_lock(layout):
        hashed, already = _record(layout, user_id)
        with engine.connect(layout.duckdb_temp) as con:
            engine.set_variables(
                con,
                forget_id=user_id,
                forget_pattern=_token_pattern(user_id),
                forget_replacement=rf"\1{REPLACEMENT}\2",
            )
            _their_event_ids(con, layout)
            scanned, rewritten, removed = _scrub_parquet_files(con, layout)
        text_files = _scrub_text_files(layout, user_id)
        reports = 0
        for page in sorted(layout.root.glob("reports/dt=*/index.html")):
            day = datetime.strptime(page.parent.name, "dt=%Y-%m-%d").date()
            if layout.scores(day).exists():
                write_report(layout.root, day)
                reports += 1
        manifest = read_manifest(layout)
        if manifest.get("published_dates"):
            build_warehouse(layout, manifest)
    erasure = Erasure(
        user_hash=hashed,
        already_recorded=already,
        files_scanned=scanned,
        files_rewritten=rewritten,
        rows_removed=removed,
        text_files_rewritten=text_files,
        reports_written=reports,
        seconds=round(time.monotonic() - began, 1),
    )
    log.info(
        "forget: %s recorded (%s); %d Parquet files scanned, %d rewritten, %d rows removed; "
        "%d text files rewritten; %d reports and the warehouse written again, in %.1f s",
        hashed[:12],
        "already on the register" if already else "new",
        scanned,
        rewritten,
        removed,
        text_files,
        reports,
        erasure.seconds,
    )
    return erasure


def _record(layout: Layout, user_id: str) -> tuple[str, bool]:
    """Put the person on the register before touching any data: if forget stops half way,
    no night brings them back, and forget run again finishes the job."""
    salt = _salt(layout, create=True)
    assert salt is not None
    hashed = user_hash(salt, user_id)
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "erased_register", layout.erased_register, empty_schema=ERASED_SCHEMA)
        known = con.execute(
            "select count(*) from erased_register where user_hash = ?", [hashed]
        ).fetchall()[0][0]
        if not known:
            engine.set_variables(con, user_hash=hashed, erased_at=datetime.now(UTC))
            engine.write_parquet(
                con,
                "select user_hash, erased_at from erased_register union all "
                "select getvariable('user_hash'), getvariable('erased_at')::timestamptz "
                "order by erased_at, user_hash",
                layout.erased_register,
            )
    return hashed, bool(known)


def _token_pattern(user_id: str) -> str:
    """The id as a whole token inside a longer text (RE2 has no lookaround, so the
    neighbouring characters are captured and put back)."""
    return r"(^|[^A-Za-z0-9_])" + re.escape(user_id) + r"([^A-Za-z0-9_]|$)"


def _their_event_ids(con: duckdb.DuckDBPyConnection, layout: Layout) -> None:
    """The ids of the person's canonical events, to take out of the event index."""
    files = sorted(layout.root.glob("events/dt=*/events.parquet"))
    if not files:
        con.execute("create temp table forgotten_events (event_id varchar)")
        return
    source = engine.parquet_source(files)
    con.execute(
        f"create temp table forgotten_events as select distinct event_id from {source} "
        "where actor_id = getvariable('forget_id') or target_user_id = getvariable('forget_id')"
    )


def _scrub_parquet_files(con: duckdb.DuckDBPyConnection, layout: Layout) -> tuple[int, int, int]:
    """Rewrite every Parquet file that mentions the person; return (scanned, rewritten,
    rows removed). Hard links (a published file and its step output) are one file: it is
    rewritten once and every name is pointed at the new file."""
    by_inode: dict[tuple[int, int], list[Path]] = defaultdict(list)
    for path in sorted(layout.root.rglob("*.parquet")):
        relative = path.relative_to(layout.root)
        if relative.parts[0] in UNTOUCHED or path.name.startswith("."):
            continue
        stat = path.stat()
        by_inode[(stat.st_dev, stat.st_ino)].append(path)
    groups = list(by_inode.values())
    rewritten = removed = 0
    started = time.monotonic()
    for done, paths in enumerate(groups, start=1):
        first = paths[0]
        change = _scrub_parquet(con, layout, first)
        if change is not None:
            rewritten += 1
            removed += change
            for other in paths[1:]:
                tmp = engine.temporary_sibling(other)
                os.link(first, tmp)
                os.replace(tmp, other)
        if done % 500 == 0:
            log.info(
                "forget: %d of %d Parquet files scanned, %d rewritten, in %.0f s",
                done,
                len(groups),
                rewritten,
                time.monotonic() - started,
            )
    return len(groups), rewritten, removed


def _scrub_parquet(con: duckdb.DuckDBPyConnection, layout: Layout, path: Path) -> int | None:
    """Rewrite ``path`` without the person; return the rows removed, or None when the file
    does not mention them."""
    source = engine.parquet_source(path)
    columns = con.execute(f"describe select * from {source}").fetchall()
    texts = [name for name, kind, *_ in columns if kind == "VARCHAR"]
    lists = [name for name, kind, *_ in columns if kind == "VARCHAR[]"]
    table = _table_folder(layout, path)
    in_event_index = table == "event_index"
    if not texts and not lists:
        return None
    equal = [f"\"{c}\" = getvariable('forget_id')" for c in texts]
    if in_event_index:
        equal.append("event_id in (select event_id from forgotten_events)")
    inside = [f"regexp_matches(\"{c}\", getvariable('forget_pattern'))" for c in texts]
    listed = [f"list_contains(\"{c}\", getvariable('forget_id'))" for c in lists]
    mentions = " or ".join(equal + inside + listed)
    if not con.execute(f"select count(*) from {source} where {mentions}").fetchall()[0][0]:
        return None
    whole_row = table in WHOLE_ROW_FOLDERS
    dropped = " or ".join(equal + (inside + listed if whole_row else [])) or "false"
    kept = []
    for name, kind, *_ in columns:
        if kind == "VARCHAR":
            once = (
                f"regexp_replace(\"{name}\", getvariable('forget_pattern'), "
                "getvariable('forget_replacement'), 'g')"
            )
            # Twice: two mentions one character apart share that character, and the
            # first replacement consumes it.
            twice = once.replace(f'"{name}"', once, 1)
            kept.append(f'{twice} as "{name}"')
        elif kind == "VARCHAR[]":
            kept.append(
                f"list_filter(\"{name}\", lambda x: x is distinct from getvariable('forget_id'))"
                f' as "{name}"'
            )
        else:
            kept.append(f'"{name}"')
    before = engine.parquet_rows(con, path)
    after = engine.write_parquet(
        con, f"select {', '.join(kept)} from {source} where not coalesce({dropped}, false)", path
    )
    return before - after


def _table_folder(layout: Layout, path: Path) -> str:
    """The table a file belongs to: its first folder, or the next under published/."""
    parts = path.relative_to(layout.root).parts
    return parts[1] if parts[0] == "published" and len(parts) > 2 else parts[0]


def _scrub_text_files(layout: Layout, user_id: str) -> int:
    pattern = re.compile(_token_pattern(user_id).encode())
    replacement = rb"\1" + REPLACEMENT.encode() + rb"\2"
    rewritten = 0
    for path in sorted(layout.root.rglob("*")):
        relative = path.relative_to(layout.root)
        if (
            relative.parts[0] in UNTOUCHED
            or not path.is_file()
            or path.is_symlink()
            or path.suffix.lower() not in TEXT_SUFFIXES
        ):
            continue
        data = path.read_bytes()
        # Twice, as in _scrub_parquet: neighbouring mentions share a separator.
        scrubbed = pattern.sub(replacement, pattern.sub(replacement, data))
        if scrubbed != data:
            engine.write_bytes(path, scrubbed)
            rewritten += 1
    return rewritten


class UnknownUser(LookupError):
    """The warehouse holds nothing about the user."""


def export_person(data_root: Path, user_id: str, target: Path) -> Path:
    """Write everything the warehouse holds about ``user_id`` to ``target`` as JSON."""
    layout = Layout(data_root)
    if not layout.warehouse.exists():
        raise UnknownUser(f"no warehouse at {layout.warehouse}: run `clout run` first")
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        engine.set_variables(con, export_user_id=user_id)
        cursor = con.execute(engine.sql("export/person"))
        names = [column[0] for column in cursor.description]
        person = dict(zip(names, cursor.fetchall()[0], strict=True))
    if not any(person[table] for table in names if table != "user_id"):
        raise UnknownUser(
            f"the warehouse at {layout.warehouse} holds nothing about {user_id!r} "
            "(check the id, as in scores.user_id; a forgotten person has nothing left)"
        )
    payload = {
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **{name: person[name] or [] for name in names},
    }
    payload["user_id"] = user_id
    engine.write_json(target, payload)
    log.info("export: %s written to %s", user_id, target)
    return target
