"""DuckDB connections with bounded resources, SQL files, and atomic writes."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
log = logging.getLogger(__name__)


def memory_limit() -> str:
    return os.environ.get("CLOUT_DUCKDB_MEMORY_LIMIT", "4GB")


def threads() -> int:
    return int(os.environ.get("CLOUT_DUCKDB_THREADS", str(min(os.cpu_count() or 2, 4))))


@contextmanager
def connect(temp_directory: Path, keep_order: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB whose memory, threads and spill folder are bounded.

    Steps never open the published warehouse for writing: they read and write
    Parquet, so an analyst holding the warehouse open never blocks a night.
    ``keep_order=False`` lets DuckDB write a query's rows in any order (a third faster for
    a large copy) where the order carries no meaning.
    """
    temp_directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(
        config={
            "memory_limit": memory_limit(),
            "threads": threads(),
            "temp_directory": str(temp_directory),
            "preserve_insertion_order": keep_order,
        }
    )
    try:
        con.execute("set TimeZone = 'UTC'")
        # Lets progress() read how far a statement is; nothing is drawn on the terminal.
        con.execute("set enable_progress_bar = true")
        con.execute("set enable_progress_bar_print = false")
        # The key of a (user, engager) pair whatever the network: written into the daily
        # pairs by features, looked up by state. One definition, so the two always agree.
        con.execute(
            "create temp macro pair_key_of(user_id, engager_id) as "
            "md5_number(user_id || chr(0) || engager_id)"
        )
        # A sum of doubles that a rerun repeats exactly: a parallel sum adds in whatever
        # order the threads meet, and rounding that to 9 decimals still differed in the
        # last place for 3 of 10M users between two runs of one day. Each term is fixed at
        # 12 decimals and added as an exact decimal, so the order cannot matter.
        con.execute("create temp macro stable_sum(x) as round(sum(x::decimal(38, 12))::double, 9)")
        yield con
    finally:
        con.close()


def sql(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text()


def temporary_sibling(path: Path) -> Path:
    """A hidden name beside ``path``: readers that glob ``*.parquet`` never see it."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


def remove_stale_temporaries(path: Path) -> None:
    """Delete the temporaries of ``path`` (``.<name>.<8 hex>.tmp``) that killed writers left.

    Call it only right after ``path`` was replaced: a file has one writer at a time, so any
    temporary of it still there is a dead run's partial file. (Were two writers to overlap,
    the other one's ``os.replace`` would fail loudly; it would never publish a partial file.)
    """
    for entry in stale_temporaries(path):
        entry.unlink(missing_ok=True)


def stale_temporaries(path: Path) -> list[Path]:
    """The siblings of ``path`` named as ``temporary_sibling`` names them."""
    prefix, suffix = f".{path.name}.", ".tmp"
    found = []
    for entry in path.parent.iterdir():
        name = entry.name
        token = name[len(prefix) : -len(suffix)]
        if (
            name.startswith(prefix)
            and name.endswith(suffix)
            and len(token) == 8
            and all(c in "0123456789abcdef" for c in token)
        ):
            found.append(entry)
    return found


def rows_as_dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The rows of an executed query, each as a dict keyed by column name."""
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def set_variables(con: duckdb.DuckDBPyConnection, **values: Any) -> None:
    """Bind values the SQL files read with ``getvariable('name')``.

    DuckDB cannot prepare DDL or COPY, so SQL files take their parameters as
    session variables instead of ``$name`` placeholders; values are still bound,
    never formatted into the text.
    """
    for name, value in values.items():
        con.execute(f"set variable {name} = $value", {"value": value})


def quote_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def progress_interval() -> float:
    """Seconds between progress lines of a long statement (``CLOUT_PROGRESS_SECONDS``)."""
    return float(os.environ.get("CLOUT_PROGRESS_SECONDS", "15"))


@contextmanager
def progress(
    con: duckdb.DuckDBPyConnection, label: str, rows_in: int | None = None
) -> Iterator[None]:
    """Log how far the statement run inside the block is, every ``progress_interval()``
    seconds while it runs: percent done, time left at the rate so far, and with
    ``rows_in`` (the rows it reads) rows done and rows a second. A statement shorter than
    the interval logs nothing."""
    every = progress_interval()
    finished = threading.Event()
    began = time.monotonic()

    def report() -> None:
        while not finished.wait(every):
            percent = con.query_progress()
            if percent <= 0:
                continue
            elapsed = time.monotonic() - began
            left = elapsed * (100 - percent) / percent
            rows = ""
            if rows_in:
                done = int(rows_in * percent / 100)
                rows = f", ~{done:,} of {rows_in:,} rows at {done / elapsed:,.0f} rows/s"
            log.info(
                "%s: %.0f%% after %.0f s%s, about %.0f s left", label, percent, elapsed, rows, left
            )

    reporter = threading.Thread(target=report, name=f"progress {label}", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        finished.set()
        reporter.join()


def write_parquet(
    con: duckdb.DuckDBPyConnection, query: str, path: Path, rows_in: int | None = None
) -> int:
    """Write the result of ``query`` to ``path`` atomically and return its row count.
    A long write logs its progress (``progress``); ``rows_in`` adds rows and rate."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        with progress(con, f"writing {path.parent.parent.name}/{path.name}", rows_in):
            con.execute(
                f"copy ({query}) to {quote_path(tmp)} "
                # zstd level 1: the files come out 1% larger than at the default level 3,
                # and writing 10M events takes 4.0 s instead of 4.9 s.
                "(format parquet, compression zstd, compression_level 1, row_group_size 122880)"
            )
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    remove_stale_temporaries(path)
    return parquet_rows(con, path)


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    """The top-level column names of a Parquet file, from its footer."""
    rows = con.execute("select name from parquet_schema(?)", [str(path)]).fetchall()
    return {name for (name,) in rows}


def parquet_rows(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    row = con.execute(
        "select coalesce(sum(num_rows), 0) from parquet_file_metadata(?)", [str(path)]
    ).fetchone()
    return int(row[0]) if row else 0


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write ``payload`` as JSON atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    remove_stale_temporaries(path)


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically under a hidden temporary name.

    Ingest ignores names starting with "." or "_", so a dump being written is never read.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_sibling(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    remove_stale_temporaries(path)


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def parquet_source(
    path: Path | list[Path], with_filename: bool = False, union_by_name: bool = False
) -> str:
    """``read_parquet`` of our own file(s), without guessing columns from folder names;
    ``with_filename`` adds each row's file as a ``filename`` column; ``union_by_name``
    lines up files written before a column was added (null there) with newer ones."""
    paths = path if isinstance(path, list) else [path]
    listed = ", ".join(quote_path(p) for p in paths)
    extra = ", filename = true" if with_filename else ""
    extra += ", union_by_name = true" if union_by_name else ""
    return f"read_parquet([{listed}], hive_partitioning = false{extra})"


def view(
    con: duckdb.DuckDBPyConnection,
    name: str,
    path: Path | list[Path],
    empty_schema: str | None = None,
) -> None:
    """Expose the Parquet file ``path`` (or files: a sharded table's parts) as the view
    ``name`` that a SQL file reads.

    With ``empty_schema``, an absent file is an empty table of that schema (an optional
    input, such as yesterday's scores on the first day); without it, an absent file is an
    error that names the step to run first.
    """
    paths = [Path(p) for p in path] if isinstance(path, list) else [Path(path)]
    missing = [p for p in paths if not p.exists()]
    if not missing:
        con.execute(f"create or replace temp view {name} as select * from {parquet_source(paths)}")
    elif empty_schema is not None and len(missing) == len(paths):
        con.execute(f"create or replace temp table {name} ({empty_schema})")
    else:
        shown = ", ".join(str(p) for p in missing[:3]) + (" ..." if len(missing) > 3 else "")
        raise FileNotFoundError(
            f"input {name} is missing: {shown} does not exist. Run the steps that write it "
            "first (clout run runs them in order; a sharded night needs every shard)."
        )
