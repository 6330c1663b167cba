"""Step 1, ingest: read the day's dump, validate every row, quarantine what breaks the
contract (with a reason), drop duplicate event ids, and write the canonical events.

Every row read ends up accepted, quarantined, counted as a duplicate, or counted as erased
(about a person ``clout forget`` removed, as actor or target: neither kept nor quarantined):
``events_read = events_accepted + events_quarantined + events_duplicate + events_erased``.
A file that cannot be read at all (or is empty, or is not a regular file) counts as one
quarantined record and, when it is a regular file, is copied whole beside the quarantine
table. An event id already accepted on any of the 89 days before, with a timestamp on the
same date, is a duplicate too (a re-sent file); the event index makes that check read only
the dates today's timestamps fall on.

Only regular files directly inside the day's folder are read; symbolic links are
quarantined unread. File names and contents reach DuckDB as bound parameters, never as
SQL text.
"""

from __future__ import annotations

import gzip
import logging
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import duckdb

from transforms import engine, erasure
from transforms.layout import WINDOW_DAYS, Layout

log = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)
REQUIRED_COLUMNS = ("event_id", "ts", "network", "actor_id", "action")
OPTIONAL_TEXT_COLUMNS = ("target_user_id", "target_post_id", "post_id")
# DuckDB's row number column of a Parquet file: a file may not have a column of that name.
ROW_NUMBER_COLUMN = "file_row_number"

QUARANTINE_COLUMNS = """
    source_file varchar, line_number bigint, reason varchar, detail varchar, raw varchar
"""


class DumpNotReady(RuntimeError):
    """The day's dump has no ``_SUCCESS`` marker yet."""


@dataclass(frozen=True)
class IngestCounts:
    run_date: str
    files_read: int
    files_quarantined: int
    events_read: int
    events_accepted: int
    events_quarantined: int
    events_duplicate: int
    events_late: int
    # Of events_duplicate: ids already accepted on an earlier day (a re-sent file).
    events_duplicate_earlier_days: int = 0
    # Rows about a forgotten person (erasure.py), dropped unkept.
    events_erased: int = 0

    @property
    def reconciles(self) -> bool:
        return self.events_read == (
            self.events_accepted
            + self.events_quarantined
            + self.events_duplicate
            + self.events_erased
        )


def dump_is_complete(data_root: Path, day: date) -> bool:
    return Layout(data_root).success_marker(day).exists()


def landing_files(folder: Path) -> list[Path]:
    """Every entry of a dump folder but the marker and hidden files, in name order.

    Folders and links are listed too: they are quarantined, not silently skipped.
    """
    return sorted(p for p in folder.iterdir() if not p.name.startswith(("_", ".")))


def ingest_day(data_root: Path, day: date) -> IngestCounts:
    """Validate and load dump ``dt=day``; write events, quarantine and counts."""
    layout = Layout(data_root)
    if not dump_is_complete(data_root, day):
        raise DumpNotReady(
            f"dump {layout.landing(day)} has no _SUCCESS marker: it is missing or still "
            "being written. Wait for the partner's upload to finish, or write the marker "
            "once the folder is complete."
        )
    started = time.monotonic()
    files = landing_files(layout.landing(day))
    # Row order in the outputs carries no meaning (quarantine is sorted explicitly).
    with engine.connect(layout.duckdb_temp, keep_order=False) as con:
        _create_work_tables(con)
        unreadable: list[tuple[Path, str, str]] = []
        parquet_files: list[Path] = []
        for path in files:
            problem = _load_file(con, path, parquet_files)
            if problem is not None:
                reason, detail = problem
                unreadable.append((path, reason, detail))
                _quarantine_file(con, layout, day, path, reason, detail)
        _create_parsed_rows(con, len(parquet_files))

        oldest = datetime.combine(day - timedelta(days=WINDOW_DAYS - 1), dtime(), UTC)
        newest = datetime.combine(day + timedelta(days=2), dtime(), UTC)
        engine.set_variables(con, dump_date=day, oldest_ts=oldest, newest_ts=newest)
        any_erased = erasure.screen_day(con, layout)
        # A view, not a table: Parquet rows are read where they lie, never copied, and
        # each query below reads only the columns it needs.
        con.execute("create temp view validated_rows as " + engine.sql("ingest/validate_events"))
        _load_earlier_event_ids(con, layout, day)
        accepted = engine.write_parquet(
            con, engine.sql("ingest/accepted_events"), layout.events(day)
        )
        engine.view(con, "day_events", layout.events(day))
        _write_event_index(con, layout, day)
        engine.write_parquet(con, engine.sql("ingest/batch_profile"), layout.batch_profile(day))
        (invalid,) = con.execute(
            """
            insert into quarantined
            select source_file, line_number, reason, reason_detail, raw
            from validated_rows where reason is not null and not is_erased
            """
        ).fetchall()[0]
        _keep_parquet_rows_as_read(con, parquet_files)
        quarantined = engine.write_parquet(
            con,
            "select getvariable('dump_date') as run_date, * from quarantined "
            "order by source_file, line_number nulls first",
            layout.quarantine(day),
        )
        # Counting parsed rows reads no column, so it costs no validation pass.
        (read_rows,) = con.execute("select count(*) from parsed_rows").fetchall()[0]
        # Another pass over the day only when someone has been forgotten.
        erased = (
            con.execute("select count(*) from validated_rows where is_erased").fetchall()[0][0]
            if any_erased
            else 0
        )
        valid = read_rows - invalid - erased
        rejected_lines = con.execute("select count(*) from rejected_lines").fetchone()[0]
        late = con.execute("select count(*) filter (where is_late) from day_events").fetchone()[0]
        seen_before = con.execute(
            """
            select count(distinct event_id) from validated_rows
            where reason is null and not is_erased
                and event_id in (select event_id from earlier_event_ids)
            """
        ).fetchone()[0]

    counts = IngestCounts(
        run_date=day.isoformat(),
        files_read=len(files) - len(unreadable),
        files_quarantined=len(unreadable),
        events_read=read_rows + rejected_lines + len(unreadable),
        events_accepted=accepted,
        events_quarantined=quarantined,
        events_duplicate=valid - accepted,
        events_late=late,
        events_duplicate_earlier_days=seen_before,
        events_erased=erased,
    )
    engine.write_json(layout.ingest_counts(day), asdict(counts))
    log.info(
        "ingest %s: %d files (%d quarantined whole), read %d, accepted %d, quarantined %d, "
        "duplicate %d (%d seen on earlier days), erased %d, late %d in %.1f s",
        day,
        len(files),
        len(unreadable),
        counts.events_read,
        counts.events_accepted,
        counts.events_quarantined,
        counts.events_duplicate,
        counts.events_duplicate_earlier_days,
        counts.events_erased,
        counts.events_late,
        time.monotonic() - started,
    )
    if not counts.reconciles:
        raise AssertionError(f"ingest counts for {day} do not reconcile: {counts}")
    return counts


def read_counts(data_root: Path, day: date) -> IngestCounts:
    return IngestCounts(**engine.read_json(Layout(data_root).ingest_counts(day)))


def _create_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        create temp table jsonl_rows (
            source_file varchar, line_number bigint, raw varchar,
            problem varchar, problem_detail varchar,
            event_id varchar, ts_text varchar, ts_value timestamptz, network varchar,
            actor_id varchar, action varchar, target_user_id varchar,
            target_post_id varchar, post_id varchar, topics varchar[]
        )
        """
    )
    con.execute(f"create temp table quarantined ({QUARANTINE_COLUMNS})")
    con.execute("create temp table rejected_lines (source_file varchar, line_number bigint)")
    con.execute("create temp table file_lines (good_ordinal bigint, raw varchar)")
    con.execute("create temp table earlier_event_ids (event_id varchar)")


def _load_earlier_event_ids(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> None:
    """The ids accepted on the 89 days before ``day`` with a timestamp on a date that
    today's rows carry: a re-sent file is not new events.

    Only those dates' parts of the event index are read, so the cost follows the day's
    timestamps (today, and the few days late events come from), not the history's length.
    A day ingested before the index existed is read whole instead.
    """
    (ts_dates,) = con.execute(
        """
        select list(distinct ts_date order by ts_date) from (
            select cast(coalesce(ts_value, try_cast(upper(ts_text) as timestamptz)) as date)
                as ts_date
            from parsed_rows
        )
        where ts_date between $oldest and $newest
        """,
        {"oldest": day - timedelta(days=WINDOW_DAYS - 1), "newest": day + timedelta(days=1)},
    ).fetchall()[0]
    first_day = day - timedelta(days=WINDOW_DAYS - 1)
    indexed: list[str] = []
    whole_days: set[date] = set()
    for ts_date in ts_dates or []:
        # An event accepted on day A has a timestamp from A-89 to A+1.
        arrival = max(ts_date - timedelta(days=1), first_day)
        while arrival < day:
            folder = layout.event_index(arrival)
            if folder.is_dir():
                indexed += [
                    str(f) for f in sorted((folder / f"ts_date={ts_date}").glob("*.parquet"))
                ]
            elif layout.events(arrival).exists():
                whole_days.add(arrival)
            arrival += timedelta(days=1)
    if indexed:
        con.execute(
            "insert into earlier_event_ids "
            "select event_id from read_parquet($files, hive_partitioning = false)",
            {"files": indexed},
        )
    if whole_days:
        con.execute(
            "insert into earlier_event_ids "
            "select event_id from read_parquet($files, hive_partitioning = false) "
            "where cast(ts as date) in (select unnest($dates))",
            {"files": [str(layout.events(d)) for d in sorted(whole_days)], "dates": ts_dates},
        )


def _write_event_index(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> None:
    """Write the day's accepted ids by timestamp date into a hidden folder, then swap it
    in: a rerun replaces the day's index whole, and a killed one leaves the old one."""
    target = layout.event_index(day)
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in target.parent.glob(f".{target.name}.*.tmp*"):
        shutil.rmtree(leftover, ignore_errors=True)
    tmp = engine.temporary_sibling(target)
    con.execute(
        "copy (select event_id, cast(ts as date) as ts_date from day_events) "
        f"to {engine.quote_path(tmp)} "
        "(format parquet, compression zstd, compression_level 1, partition_by (ts_date))"
    )
    if not tmp.exists():
        tmp.mkdir()  # a day with no accepted events still has its (empty) index
    old = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.tmp-old")
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def _load_file(
    con: duckdb.DuckDBPyConnection, path: Path, parquet_files: list[Path]
) -> tuple[str, str] | None:
    """Load a JSONL file's lines into ``jsonl_rows``, or check a Parquet file and add it to
    ``parquet_files`` (read in place later); return (reason, detail) if it is unusable."""
    name = path.name
    if path.is_symlink():
        return (
            "unsafe_file",
            f"{name} is a symbolic link: only regular files inside the dump folder are read",
        )
    if not path.is_file():
        return ("unsupported_file", f"{name} is not a regular file: dumps are flat folders")
    if not name.endswith(JSONL_SUFFIXES + PARQUET_SUFFIXES):
        return (
            "unsupported_file",
            f"{name}: only *.jsonl, *.jsonl.gz and *.parquet files are read",
        )
    rows_before = _rows_loaded(con)
    try:
        if name.endswith(JSONL_SUFFIXES):
            _load_jsonl(con, path)
        else:
            return _check_parquet(con, path, parquet_files)
    except duckdb.Error as error:
        # The file's fault: an IO or invalid-input error, or the bare Error DuckDB raises
        # for some corrupt Parquet footers. Any other error (a SQL mistake) is ours.
        if type(error) is not duckdb.Error and not isinstance(
            error, (duckdb.IOException, duckdb.InvalidInputException)
        ):
            raise
        # DuckDB names the file by its full path; the record names it as the dump does,
        # so quarantine rows do not change when the data root moves.
        first_line = str(error).strip().splitlines()[0].replace(str(path), name)[:500]
        return ("unreadable_file", f"{name}: {first_line}")
    if _rows_loaded(con) == rows_before:
        return ("empty_file", f"{name} holds no rows")
    return None


def _rows_loaded(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(
        "select (select count(*) from jsonl_rows) + (select count(*) from rejected_lines)"
    ).fetchone()[0]


def _load_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # One VARCHAR column per line: the unit separator never appears unescaped in valid
    # JSON, so a valid line is never split, and DuckDB streams gzip itself.
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    con.execute("delete from file_lines")
    engine.set_variables(con, source_file=path.name)
    con.execute(
        """
        insert into file_lines
        select row_number() over () as good_ordinal, raw
        from read_csv(
            $path, columns = {'raw': 'VARCHAR'}, header = false,
            delim = chr(31), quote = '', escape = '', auto_detect = false,
            strict_mode = true, store_rejects = true, max_line_size = 10000000
        )
        """,
        {"path": str(path)},
    )
    con.execute(
        """
        create or replace temp table file_rejects as
        select line as line_number, any_value(error_type) as error_type,
               -- csv_line also carries the line breaks of blank lines just before it
               ltrim(any_value(csv_line), chr(13) || chr(10)) as raw,
               any_value(error_message) as message
        from reject_errors group by line
        """
    )
    # Rejected lines are missing from file_lines, so a good line's true number is its
    # ordinal plus the rejected lines that come before it.
    con.execute(
        """
        create or replace temp view raw_lines as
        with rejects as (
            select line_number,
                   line_number - row_number() over (order by line_number) as good_before
            from file_rejects
        )
        select getvariable('source_file') as source_file,
               l.good_ordinal + (
                   select count(*) from rejects r where r.good_before < l.good_ordinal
               ) as line_number,
               l.raw
        from file_lines l
        """
    )
    con.execute("insert into jsonl_rows by name " + engine.sql("ingest/jsonl_fields"))
    con.execute(
        """
        insert into quarantined
        select getvariable('source_file'), line_number,
               case error_type when 'INVALID ENCODING' then 'invalid_utf8'
                    when 'TOO MANY COLUMNS' then 'malformed_json'
                    else 'unreadable_line' end,
               case error_type when 'INVALID ENCODING' then 'the line is not valid UTF-8'
                    -- JSON never holds a raw control character such as the separator.
                    when 'TOO MANY COLUMNS'
                        then 'the line is not valid JSON (it holds a raw 0x1F control character)'
                    else message end,
               raw
        from file_rejects
        """
    )
    con.execute(
        "insert into rejected_lines select getvariable('source_file'), line_number "
        "from file_rejects"
    )
    _keep_exact_bytes(con, path)


def _keep_exact_bytes(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Replace DuckDB's lossy copy of each non-UTF-8 line with the line's own bytes, the
    invalid ones escaped (\\xff), so quarantine keeps exactly what was read."""
    wanted = {
        row[0]
        for row in con.execute(
            "select line_number from file_rejects where error_type = 'INVALID ENCODING'"
        ).fetchall()
    }
    if not wanted:
        return
    opener = gzip.open if path.name.endswith(".gz") else open
    exact = []
    with opener(path, "rb") as lines:
        for number, line in enumerate(lines, start=1):
            if number in wanted:
                exact.append((line.rstrip(b"\r\n").decode("utf-8", "backslashreplace"), number))
    con.executemany(
        "update quarantined set raw = $1 where source_file = $3 and line_number = $2",
        [(raw, number, path.name) for raw, number in exact],
    )


def _check_parquet(
    con: duckdb.DuckDBPyConnection, path: Path, parquet_files: list[Path]
) -> tuple[str, str] | None:
    """Check a Parquet file's schema and that every page of the columns clout reads decodes,
    then make it the view ``parquet_file_<n>`` in the contract's shape, read in place by
    the queries that follow. Its path reaches DuckDB as a value, never as SQL text."""
    params = {"path": str(path)}
    columns = {
        row[0]: row[1]
        for row in con.execute(
            "describe select * from read_parquet($path, hive_partitioning = false)", params
        ).fetchall()
    }
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return (
            "schema_mismatch",
            f"{path.name}: required column(s) missing: {', '.join(missing)}",
        )
    if ROW_NUMBER_COLUMN in columns:
        return (
            "schema_mismatch",
            f"{path.name}: column {ROW_NUMBER_COLUMN} is reserved: clout numbers the rows",
        )
    ts_type = columns["ts"].upper()
    if ts_type.startswith("TIMESTAMP"):
        # A naive Parquet timestamp is taken as UTC, the Parquet convention.
        ts_text, ts_value = "null::varchar", "cast(ts as timestamptz)"
    elif ts_type == "VARCHAR":
        ts_text, ts_value = "ts", "null::timestamptz"
    else:
        return ("schema_mismatch", f"{path.name}: column ts is {ts_type}, not a timestamp")
    fields = {"ts_text": ts_text, "ts_value": ts_value}
    for column in ("event_id", "network", "actor_id", "action", *OPTIONAL_TEXT_COLUMNS):
        if column in columns and columns[column].upper() != "VARCHAR":
            return (
                "schema_mismatch",
                f"{path.name}: column {column} is {columns[column]}, not a string",
            )
        fields[column] = column if column in columns else "null::varchar"
    fields["topics"] = "null::varchar[]"
    if "topics" in columns:
        if columns["topics"].upper() != "VARCHAR[]":
            return (
                "schema_mismatch",
                f"{path.name}: column topics is {columns['topics']}, not a list of strings",
            )
        fields["topics"] = "topics"
    read = [column for column in fields.values() if column in columns]
    # Reading in place means a corrupt page would only surface in a later query; decoding
    # the columns now quarantines the file instead (a scan, not a copy).
    rows = con.execute(
        f"select count(*), {', '.join(f'min(hash({c}))' for c in read)} "
        "from read_parquet($path, hive_partitioning = false)",
        params,
    ).fetchall()[0][0]
    if rows == 0:
        return ("empty_file", f"{path.name} holds no rows")
    relation = con.read_parquet(str(path), file_row_number=True, hive_partitioning=False)
    relation.project(
        duckdb.ConstantExpression(path.name).alias("source_file"),
        duckdb.SQLExpression(f"{ROW_NUMBER_COLUMN} + 1").alias("line_number"),
        *(duckdb.SQLExpression(expression).alias(name) for name, expression in fields.items()),
    ).create_view(f"parquet_file_{len(parquet_files)}")
    parquet_files.append(path)
    return None


def _create_parsed_rows(con: duckdb.DuckDBPyConnection, parquet_count: int) -> None:
    """The view ``parsed_rows``: the JSONL lines loaded, and every Parquet file in place."""
    files = " union all by name ".join(
        f"select * from parquet_file_{n}" for n in range(parquet_count)
    )
    if files:
        con.execute(f"create temp view parquet_rows as {files}")
    else:
        con.execute(
            "create temp view parquet_rows as "
            "select * exclude (raw, problem, problem_detail) from jsonl_rows where false"
        )
    con.execute("create temp view parquet_fields as " + engine.sql("ingest/parquet_fields"))
    con.execute(
        "create temp view parsed_rows as "
        "select * from jsonl_rows union all by name select * from parquet_fields"
    )


def _keep_parquet_rows_as_read(con: duckdb.DuckDBPyConnection, parquet_files: list[Path]) -> None:
    """Give each quarantined Parquet row its raw form: the row as JSON, every column of the
    file included. Only those rows are converted, never the whole file."""
    for path in parquet_files:
        con.execute(
            f"""
            update quarantined set raw = source.raw
            from (
                select {ROW_NUMBER_COLUMN} + 1 as line_number,
                       to_json(struct_pack(*columns(* exclude ({ROW_NUMBER_COLUMN}))))::varchar
                           as raw
                from read_parquet($path, file_row_number = true, hive_partitioning = false)
                where {ROW_NUMBER_COLUMN} + 1 in (
                    select line_number from quarantined where source_file = $name
                )
            ) as source
            where quarantined.source_file = $name
                and quarantined.line_number = source.line_number
            """,
            {"path": str(path), "name": path.name},
        )


def _quarantine_file(
    con: duckdb.DuckDBPyConnection, layout: Layout, day: date, path: Path, reason: str, detail: str
) -> None:
    # A link is never followed, so never copied: its name and reason are the record.
    if path.is_file() and not path.is_symlink():
        kept = layout.quarantine(day).parent / "files" / path.name
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = engine.temporary_sibling(kept)
        try:
            shutil.copyfile(path, tmp)
            os.replace(tmp, kept)
        finally:
            tmp.unlink(missing_ok=True)
        engine.remove_stale_temporaries(kept)
    con.execute(
        "insert into quarantined values ($source_file, null, $reason, $detail, null)",
        {"source_file": path.name, "reason": reason, "detail": detail},
    )
    log.warning("ingest %s: quarantined whole file %s: %s", day, path.name, detail)
