"""Step 1, ingest: read the day's dump, validate every row, quarantine what breaks the
contract (with a reason), drop duplicate event ids, and write the canonical events.

Every row read ends up accepted, quarantined or counted as a duplicate:
``events_read = events_accepted + events_quarantined + events_duplicate``.
A file that cannot be read at all counts as one quarantined record and is copied,
whole, beside the quarantine table.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import duckdb

from transforms import engine
from transforms.layout import WINDOW_DAYS, Layout

log = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz")
PARQUET_SUFFIXES = (".parquet",)
REQUIRED_COLUMNS = ("event_id", "ts", "network", "actor_id", "action")
OPTIONAL_TEXT_COLUMNS = ("target_user_id", "target_post_id", "post_id")

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

    @property
    def reconciles(self) -> bool:
        return self.events_read == (
            self.events_accepted + self.events_quarantined + self.events_duplicate
        )


def dump_is_complete(data_root: Path, day: date) -> bool:
    return Layout(data_root).success_marker(day).exists()


def landing_files(folder: Path) -> list[Path]:
    """Every file of a dump but the marker and hidden files, in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))


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
    with engine.connect(layout.duckdb_temp) as con:
        _create_work_tables(con)
        unreadable: list[tuple[Path, str, str]] = []
        for path in files:
            problem = _load_file(con, path)
            if problem is not None:
                reason, detail = problem
                unreadable.append((path, reason, detail))
                _quarantine_file(con, layout, day, path, reason, detail)

        oldest = datetime.combine(day - timedelta(days=WINDOW_DAYS - 1), dtime(), UTC)
        newest = datetime.combine(day + timedelta(days=2), dtime(), UTC)
        engine.set_variables(con, dump_date=day, oldest_ts=oldest, newest_ts=newest)
        con.execute("create temp table validated_rows as " + engine.sql("ingest/validate_events"))
        accepted = engine.write_parquet(
            con, engine.sql("ingest/accepted_events"), layout.events(day)
        )
        con.execute(
            """
            insert into quarantined
            select source_file, line_number, reason, reason_detail, raw
            from validated_rows where reason is not null
            """
        )
        quarantined = engine.write_parquet(
            con,
            "select getvariable('dump_date') as run_date, * from quarantined "
            "order by source_file, line_number nulls first",
            layout.quarantine(day),
        )
        valid, read_rows = con.execute(
            "select count(*) filter (where reason is null), count(*) from validated_rows"
        ).fetchone()
        rejected_lines = con.execute("select count(*) from rejected_lines").fetchone()[0]
        events = engine.parquet_source(layout.events(day))
        late = con.execute(f"select count(*) filter (where is_late) from {events}").fetchone()[0]

    counts = IngestCounts(
        run_date=day.isoformat(),
        files_read=len(files) - len(unreadable),
        files_quarantined=len(unreadable),
        events_read=read_rows + rejected_lines + len(unreadable),
        events_accepted=accepted,
        events_quarantined=quarantined,
        events_duplicate=valid - accepted,
        events_late=late,
    )
    engine.write_json(layout.ingest_counts(day), asdict(counts))
    log.info(
        "ingest %s: %d files (%d quarantined whole), read %d, accepted %d, quarantined %d, "
        "duplicate %d, late %d in %.1f s",
        day,
        len(files),
        len(unreadable),
        counts.events_read,
        counts.events_accepted,
        counts.events_quarantined,
        counts.events_duplicate,
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
        create temp table parsed_rows (
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


def _load_file(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, str] | None:
    """Append the file's rows to ``parsed_rows``; return (reason, detail) if it is unreadable."""
    name = path.name
    try:
        if name.endswith(JSONL_SUFFIXES):
            _load_jsonl(con, path)
        elif name.endswith(PARQUET_SUFFIXES):
            problem = _load_parquet(con, path)
            if problem is not None:
                return problem
        else:
            return (
                "unsupported_file",
                f"{name}: only *.jsonl, *.jsonl.gz and *.parquet files are read",
            )
    except duckdb.Error as error:
        # The file's fault: an IO or invalid-input error, or the bare Error DuckDB raises
        # for some corrupt Parquet footers. Any other error (a SQL mistake) is ours.
        if type(error) is not duckdb.Error and not isinstance(
            error, (duckdb.IOException, duckdb.InvalidInputException)
        ):
            raise
        first_line = str(error).strip().splitlines()[0][:500]
        return ("unreadable_file", f"{name}: {first_line}")
    return None


def _load_jsonl(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    # One VARCHAR column per line: the unit separator never appears unescaped in valid
    # JSON, so a valid line is never split, and DuckDB streams gzip itself.
    con.execute("drop table if exists reject_errors")
    con.execute("drop table if exists reject_scans")
    engine.set_variables(con, source_file=path.name)
    con.execute(
        f"""
        create or replace temp table file_lines as
        select row_number() over () as good_ordinal, raw
        from read_csv(
            {engine.quote_path(path)}, columns = {{'raw': 'VARCHAR'}}, header = false,
            delim = chr(31), quote = '', escape = '', auto_detect = false,
            strict_mode = true, store_rejects = true, max_line_size = 10000000
        )
        """
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
    con.execute("insert into parsed_rows by name " + engine.sql("ingest/jsonl_fields"))
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


def _load_parquet(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[str, str] | None:
    source = engine.parquet_source(path)
    columns = {row[0]: row[1] for row in con.execute(f"describe select * from {source}").fetchall()}
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return (
            "schema_mismatch",
            f"{path.name}: required column(s) missing: {', '.join(missing)}",
        )
    ts_type = columns["ts"].upper()
    if ts_type.startswith("TIMESTAMP"):
        # A naive Parquet timestamp is taken as UTC, the Parquet convention.
        ts_text, ts_value = "null::varchar", "cast(ts as timestamptz)"
    elif ts_type == "VARCHAR":
        ts_text, ts_value = "ts", "null::timestamptz"
    else:
        return ("schema_mismatch", f"{path.name}: column ts is {ts_type}, not a timestamp")
    text_columns = []
    for column in ("event_id", "network", "actor_id", "action", *OPTIONAL_TEXT_COLUMNS):
        if column in columns and columns[column].upper() != "VARCHAR":
            return (
                "schema_mismatch",
                f"{path.name}: column {column} is {columns[column]}, not a string",
            )
        text_columns.append(column if column in columns else f"null::varchar as {column}")
    topics = "null::varchar[] as topics"
    if "topics" in columns:
        if columns["topics"].upper() != "VARCHAR[]":
            return (
                "schema_mismatch",
                f"{path.name}: column topics is {columns['topics']}, not a list of strings",
            )
        topics = "topics"
    engine.set_variables(con, source_file=path.name)
    con.execute(
        f"""
        create or replace temp view parquet_rows as
        select getvariable('source_file') as source_file,
               row_number() over () as line_number,
               to_json(t)::varchar as raw,
               {ts_text} as ts_text,
               {ts_value} as ts_value,
               {", ".join(text_columns)},
               {topics}
        from {source} t
        """
    )
    con.execute("insert into parsed_rows by name " + engine.sql("ingest/parquet_fields"))
    return None


def _quarantine_file(
    con: duckdb.DuckDBPyConnection, layout: Layout, day: date, path: Path, reason: str, detail: str
) -> None:
    kept = layout.quarantine(day).parent / "files" / path.name
    kept.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, kept)
    con.execute(
        "insert into quarantined values ($source_file, null, $reason, $detail, null)",
        {"source_file": path.name, "reason": reason, "detail": detail},
    )
    log.warning("ingest %s: quarantined whole file %s: %s", day, path.name, detail)
