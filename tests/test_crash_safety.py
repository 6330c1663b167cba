"""Crash safety of ingest: killing it at any point and running the day again gives the same
result as one clean run, and no partial Parquet is ever visible.

A realistic generated dump (plus a truncated gzip and a file with broken lines) is ingested
once cleanly for the reference. In a second data root, ingest then runs in a subprocess
that is SIGKILLed again and again: at fixed fractions of the clean run's duration, and right
as each output appears. After every kill, whatever a reader can see must be complete and
equal to the reference (or absent); the hidden temporaries a killed run leaves must never
match ``*.parquet``. A last clean run must then reproduce the reference exactly and sweep
those temporaries away.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from transforms import engine
from transforms.generate import generate
from transforms.ingest import ingest_day
from transforms.layout import Layout

REPO = Path(__file__).resolve().parent.parent
START = date(2026, 1, 1)
DAY = date(2026, 1, 2)  # the second day: it carries the first day's late arrivals
TRUNCATED = "zz_truncated.jsonl.gz"
BROKEN_LINES = "zz_broken_lines.jsonl"
# Kill points, as fractions of the clean run: 5 % to 95 %, in an order that alternates late
# and early kills, so early kills also land on a partition a previous kill left half done.
KILL_FRACTIONS = (0.05, 0.95, 0.15, 0.85, 0.25, 0.75, 0.35, 0.65, 0.45, 0.55)

# Runs ingest_day in a fresh interpreter; "ready" is printed once imports are done, so a
# kill delay counts from the start of ingest itself, then the run's own duration.
CHILD = """
import sys, time
from datetime import date
from pathlib import Path
from transforms.ingest import ingest_day
root, day = Path(sys.argv[1]), date.fromisoformat(sys.argv[2])
print("ready", flush=True)
started = time.monotonic()
ingest_day(root, day)
print(time.monotonic() - started, flush=True)
"""


# --------------------------------------------------------------------------- outputs


def outputs(root: Path) -> dict[str, Path]:
    layout = Layout(root)
    return {
        "events": layout.events(DAY),
        "quarantine": layout.quarantine(DAY),
        "batch_profile": layout.batch_profile(DAY),
        "counts": layout.ingest_counts(DAY),
    }


def output_folders(root: Path) -> list[Path]:
    return [Layout(root).root / table for table in ("events", "quarantine", "batch_profile")]


def kept_files_folder(root: Path) -> Path:
    return Layout(root).quarantine(DAY).parent / "files"


def is_temporary_of(entry: Path, target: Path) -> bool:
    """``entry`` is named like ``engine.temporary_sibling(target)``: ``.<name>.<8 hex>.tmp``."""
    prefix, suffix = f".{target.name}.", ".tmp"
    token = entry.name[len(prefix) : -len(suffix)]
    return (
        entry.name.startswith(prefix)
        and entry.name.endswith(suffix)
        and len(token) == 8
        and all(c in "0123456789abcdef" for c in token)
    )


def temporaries(root: Path) -> list[Path]:
    return sorted(
        p for folder in output_folders(root) if folder.exists() for p in folder.rglob(".*.tmp")
    )


def select(path: Path, root: Path) -> str:
    """The rows of ``path``; quarantine details name the landing file's absolute path, so
    the data root is replaced by a placeholder to compare two roots."""
    source = engine.parquet_source(path)
    if path.name == "quarantine.parquet":
        root_text = str(Layout(root).root).replace("'", "''")
        return (
            f"select * replace (replace(detail, '{root_text}', '<root>') as detail) from {source}"
        )
    return f"select * from {source}"


@dataclass(frozen=True)
class Reference:
    root: Path
    seconds: float
    events_rows: int
    quarantine: list[tuple[Any, ...]]
    batch_profile: list[tuple[Any, ...]]
    counts: dict[str, Any]
    schemas: dict[str, list[tuple[str, str]]]


def schema(con: duckdb.DuckDBPyConnection, path: Path) -> list[tuple[str, str]]:
    return [
        (r[0], r[1])
        for r in con.execute(f"describe select * from {engine.parquet_source(path)}").fetchall()
    ]


def sorted_rows(con: duckdb.DuckDBPyConnection, path: Path, root: Path) -> list[tuple[Any, ...]]:
    return sorted(con.execute(select(path, root)).fetchall(), key=repr)


def assert_same_as_reference(
    con: duckdb.DuckDBPyConnection, ref: Reference, root: Path, name: str
) -> None:
    """The output ``name`` in ``root`` opens and holds exactly the reference's rows."""
    path, ref_path = outputs(root)[name], outputs(ref.root)[name]
    if name == "counts":
        counts = json.loads(path.read_text())
        assert counts == ref.counts
        read = counts["events_read"]
        assert read == (
            counts["events_accepted"] + counts["events_quarantined"] + counts["events_duplicate"]
        )
        return
    assert schema(con, path) == ref.schemas[name], name
    if name == "events":
        # 150,000 rows: compared as multisets inside DuckDB, both ways.
        assert engine.parquet_rows(con, path) == ref.events_rows
        mine, theirs = select(path, root), select(ref_path, ref.root)
        missing, extra = con.execute(
            f"select (select count(*) from ({theirs} except all {mine})),"
            f" (select count(*) from ({mine} except all {theirs}))"
        ).fetchone()
        assert (missing, extra) == (0, 0), f"events differ: {missing} missing, {extra} extra"
    else:
        assert sorted_rows(con, path, root) == getattr(ref, name), name


def assert_nothing_partial_is_visible(ref: Reference, root: Path) -> dict[str, bool]:
    """Every file a reader can see under the output folders is a complete output equal to
    the reference; everything else is a hidden temporary no ``*.parquet`` glob matches.
    Returns which outputs are present."""
    targets = outputs(root)
    kept = kept_files_folder(root)
    landing = Layout(root).landing(DAY)
    for folder in output_folders(root):
        if not folder.exists():
            continue
        for entry in folder.rglob("*"):
            if entry.is_dir():
                assert entry in {t.parent for t in targets.values()} | {kept}, entry
            elif entry.name.startswith("."):
                owners = [t for t in targets.values() if t.parent == entry.parent]
                if entry.parent == kept:
                    owners += [kept / f.name for f in landing.iterdir()]
                assert any(is_temporary_of(entry, t) for t in owners), f"stray file {entry}"
            elif entry.parent == kept:
                # A whole unreadable file, kept for the partner: complete or absent.
                assert entry.read_bytes() == (landing / entry.name).read_bytes(), entry
            else:
                assert entry in targets.values(), f"unexpected visible file {entry}"

    # What a reader globbing *.parquet finds (pathlib's glob matches hidden names too).
    parquet_targets = {targets[n] for n in ("events", "quarantine", "batch_profile")}
    with duckdb.connect() as con:
        for folder in output_folders(root):
            found = set(folder.glob("**/*.parquet"))
            found |= {
                Path(row[0])
                for row in con.execute(
                    "select file from glob(?)", [str(folder / "*" / "*.parquet")]
                ).fetchall()
            }
            assert found <= parquet_targets, found - parquet_targets
        present = {name: path.exists() for name, path in targets.items()}
        for name, exists in present.items():
            if exists:
                assert_same_as_reference(con, ref, root, name)
    return present


# --------------------------------------------------------------------------- running


def child(root: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), DAY.isoformat()],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    ready = proc.stdout.readline()
    if ready.strip() != "ready":
        _, err = proc.communicate()
        pytest.fail(f"ingest child did not start: {ready!r}\n{err}")
    return proc


def finish(proc: subprocess.Popen[str]) -> float | None:
    """Wait for the child: None if it was killed, else how long its ingest took."""
    out, err = proc.communicate(timeout=120)
    if proc.returncode == -signal.SIGKILL:
        return None
    assert proc.returncode == 0, f"ingest failed (exit {proc.returncode}):\n{err}"
    return float(out.strip().splitlines()[-1])


def run_clean(root: Path) -> float:
    seconds = finish(child(root))
    assert seconds is not None
    return seconds


def kill_after(root: Path, seconds: float) -> float | None:
    proc = child(root)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)  # a no-op if it already finished
    return finish(proc)


def kill_when(root: Path, condition: Callable[[], bool]) -> float | None:
    proc = child(root)
    while proc.poll() is None and not condition():
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    return finish(proc)


def replaced(path: Path) -> Callable[[], bool]:
    """True once ``path`` is a different file than when this was called (a new inode)."""
    before = path.stat().st_ino if path.exists() else None

    def check() -> bool:
        try:
            return path.stat().st_ino != before
        except FileNotFoundError:
            return False

    return check


def new_temporary_of(path: Path) -> Callable[[], bool]:
    """True once a temporary of ``path`` exists that did not exist when this was called."""
    folder = path.parent

    def names() -> set[str]:
        if not folder.exists():
            return set()
        return {e.name for e in folder.iterdir() if is_temporary_of(e, path)}

    before = names()
    return lambda: bool(names() - before)


# --------------------------------------------------------------------------- fixtures


def add_faulty_files(landing: Path) -> None:
    """A gzip cut in half (quarantined whole and kept) and a file with a malformed and a
    non-UTF-8 line between valid ones (quarantined line by line)."""
    lines = gzip.decompress((landing / "twitter.jsonl.gz").read_bytes()).splitlines(keepends=True)
    packed = gzip.compress(b"".join(lines[:400]), mtime=0)
    (landing / TRUNCATED).write_bytes(packed[: len(packed) // 2])
    broken = [*lines[400:403], b'{"event_id": "cut-off", "ts": "2026-01-02T\n', b"\xff\xfe\n"]
    (landing / BROKEN_LINES).write_bytes(b"".join([*broken, *lines[403:406]]))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("crash-reference")
    generate(root, users=3000, days=2, start=START, seed=23)
    add_faulty_files(Layout(root).landing(DAY))
    seconds = run_clean(root)
    paths = outputs(root)
    with duckdb.connect() as con:
        return Reference(
            root=root,
            seconds=seconds,
            events_rows=engine.parquet_rows(con, paths["events"]),
            quarantine=sorted_rows(con, paths["quarantine"], root),
            batch_profile=sorted_rows(con, paths["batch_profile"], root),
            counts=json.loads(paths["counts"].read_text()),
            schemas={n: schema(con, paths[n]) for n in ("events", "quarantine", "batch_profile")},
        )


# --------------------------------------------------------------------------- tests


@pytest.mark.slow
def test_reference_dump_exercises_quarantine_duplicates_and_late_events(
    reference: Reference,
) -> None:
    counts = reference.counts
    assert counts["events_accepted"] > 100_000
    assert counts["files_quarantined"] == 1
    assert counts["events_duplicate"] > 0
    assert counts["events_late"] > 0
    reasons = {(r[1], r[3]) for r in reference.quarantine}
    assert (TRUNCATED, "unreadable_file") in reasons
    assert (BROKEN_LINES, "malformed_json") in reasons
    assert (BROKEN_LINES, "invalid_utf8") in reasons
    kept = kept_files_folder(reference.root) / TRUNCATED
    assert kept.read_bytes() == (Layout(reference.root).landing(DAY) / TRUNCATED).read_bytes()
    assert temporaries(reference.root) == []


@pytest.mark.slow
def test_killed_ingest_never_shows_partial_output_and_a_rerun_converges(
    reference: Reference, tmp_path: Path
) -> None:
    root = tmp_path / "crashed"
    shutil.copytree(Layout(reference.root).landing(DAY), Layout(root).landing(DAY))
    paths = outputs(root)
    log: list[str] = []
    killed: list[bool] = []
    left_behind: list[int] = []

    def record(label: str, completed_in: float | None) -> None:
        present = assert_nothing_partial_is_visible(reference, root)
        shown = ",".join(name for name, exists in present.items() if exists) or "-"
        killed.append(completed_in is None)
        left_behind.append(len(temporaries(root)))
        outcome = "killed" if completed_in is None else f"done {completed_in:.2f}s"
        log.append(f"{label:<30} {outcome:<10} visible: {shown:<36} tmp: {left_behind[-1]}")

    # A shared machine's speed drifts: a run that completes before its kill is a fresh
    # measure of a clean run, and the shortest one seen sets the next delays.
    clean_seconds = reference.seconds
    for fraction in KILL_FRACTIONS:
        delay = fraction * clean_seconds
        completed_in = kill_after(root, delay)
        record(f"after {delay:.2f}s ({fraction:.0%})", completed_in)
        clean_seconds = min(clean_seconds, completed_in or clean_seconds)
    # Kill right as each file appears too: the windows between the last writes are only
    # tens of milliseconds, which fixed fractions of the run may miss on a given machine.
    triggers = (
        ("events temporary created", new_temporary_of, "events"),
        ("events replaced", replaced, "events"),
        ("batch_profile replaced", replaced, "batch_profile"),
        ("quarantine replaced", replaced, "quarantine"),
    )
    for label, condition, name in triggers:
        # Each condition is taken against the state just before its own run.
        record(f"when {label}", kill_when(root, condition(paths[name])))
    print("\n" + "\n".join(log))

    # The kills did interrupt runs, and left temporaries for the next run to sweep.
    assert sum(killed) >= len(KILL_FRACTIONS) // 2, log
    assert max(left_behind) > 0, log

    counts = ingest_day(root, DAY)

    present = assert_nothing_partial_is_visible(reference, root)
    assert all(present.values()), present
    assert asdict(counts) == reference.counts
    # The successful writes swept the temporaries the killed runs left behind.
    for target in paths.values():
        assert [t for t in temporaries(root) if is_temporary_of(t, target)] == []
    assert (kept_files_folder(root) / TRUNCATED).exists()


# --------------------------------------------------------------------------- the sweep


def plant_temporaries(target: Path) -> tuple[list[Path], list[Path]]:
    """Stale temporaries of ``target``, and look-alikes the sweep must leave alone."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stale = [target.with_name(f".{target.name}.{token}.tmp") for token in ("0badc0de", "12345678")]
    others = [
        target.with_name(f".other{target.suffix}.0badc0de.tmp"),  # another file's
        target.with_name(f".{target.name}.tmp"),  # not our naming scheme
        target.with_name(f".{target.name}.NOTHEX00.tmp"),
        target.with_name(f".{target.name}.0badc0de1.tmp"),
        target.with_name(f"{target.name}.0badc0de.tmp"),  # not hidden
    ]
    for path in [*stale, *others]:
        path.write_bytes(b"PAR1 partial")
    return stale, others


def test_write_parquet_sweeps_stale_temporaries_of_its_target_only(tmp_path: Path) -> None:
    target = tmp_path / "t" / "dt=2026-01-02" / "t.parquet"
    stale, others = plant_temporaries(target)
    with duckdb.connect() as con:
        assert engine.write_parquet(con, "select 42 as x", target) == 1
        assert con.execute(f"select x from {engine.parquet_source(target)}").fetchall() == [(42,)]
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in others)


def test_write_json_sweeps_stale_temporaries_of_its_target_only(tmp_path: Path) -> None:
    target = tmp_path / "events" / "dt=2026-01-02" / "_counts.json"
    stale, others = plant_temporaries(target)
    engine.write_json(target, {"a": 1})
    assert json.loads(target.read_text()) == {"a": 1}
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in others)


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "t.parquet"
    with duckdb.connect() as con:
        engine.write_parquet(con, "select 1 as x", target)
        with pytest.raises(duckdb.CatalogException):
            engine.write_parquet(con, "select * from no_such_table", target)
        assert con.execute(f"select x from {engine.parquet_source(target)}").fetchall() == [(1,)]
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]
