"""Tests for step 1, ingest: every landing file written by hand, every expected value
worked out by hand.

Dump day is 2026-01-05 throughout, so the accepted ts window is
[2025-10-08T00:00Z (D-89), 2026-01-07T00:00Z (D+2)) and "late" means a UTC date before
2026-01-05.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from transforms import engine
from transforms.ingest import DumpNotReady, IngestCounts, ingest_day, read_counts
from transforms.layout import Layout

DAY = date(2026, 1, 5)
DROP = object()  # an ``event(...)`` override that removes the field

EVENT_COLUMNS = [
    "event_id",
    "ts",
    "network",
    "actor_id",
    "action",
    "target_user_id",
    "target_post_id",
    "post_id",
    "topics",
    "is_late",
    "source_file",
]
QUARANTINE_COLUMNS = ["run_date", "source_file", "line_number", "reason", "detail", "raw"]


# --------------------------------------------------------------------------- helpers


def event(event_id: str = "e1", **fields: Any) -> dict[str, Any]:
    """A valid ``post`` of the contract; keyword arguments override (DROP removes) fields."""
    row: dict[str, Any] = {
        "event_id": event_id,
        "ts": "2026-01-05T10:00:00Z",
        "network": "x",
        "actor_id": "u1",
        "action": "post",
        "post_id": f"p-{event_id}",
        "topics": ["ai"],
    }
    row.update(fields)
    return {k: v for k, v in row.items() if v is not DROP}


def line(value: dict[str, Any] | str | bytes) -> bytes:
    if isinstance(value, dict):
        return json.dumps(value).encode()
    if isinstance(value, str):
        return value.encode()
    return value


def jsonl(*lines: dict[str, Any] | str | bytes) -> bytes:
    """File content: one line each, newline-terminated like a normal JSONL file."""
    return b"".join(line(v) + b"\n" for v in lines)


def landing(root: Path, files: dict[str, bytes], *, complete: bool = True) -> Path:
    folder = Layout(root).landing(DAY)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    if complete:
        (folder / "_SUCCESS").touch()
    return folder


def write_parquet(folder: Path, name: str, table: pa.Table) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / name)


def read(path: Path, order: str = "") -> list[dict[str, Any]]:
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        query = f"select * from read_parquet('{path}', hive_partitioning = false) {order}"
        cursor = con.execute(query)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def events(root: Path) -> list[dict[str, Any]]:
    # The file's row order carries no meaning; event ids are unique in it.
    return read(Layout(root).events(DAY), "order by event_id")


def quarantine(root: Path) -> list[dict[str, Any]]:
    return read(Layout(root).quarantine(DAY))


def short(rows: list[dict[str, Any]]) -> list[tuple[str, int | None, str]]:
    return [(r["source_file"], r["line_number"], r["reason"]) for r in rows]


def assert_counts(counts: IngestCounts, **expected: int) -> None:
    assert counts.reconciles
    assert counts.events_read == (
        counts.events_accepted + counts.events_quarantined + counts.events_duplicate
    )
    got = {k: getattr(counts, k) for k in expected}
    assert got == expected


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --------------------------------------------------------------------------- contract


def test_dump_not_ready_without_success_marker_names_the_folder(tmp_path: Path) -> None:
    folder = landing(tmp_path, {"a.jsonl": jsonl(event())}, complete=False)

    with pytest.raises(DumpNotReady) as raised:
        ingest_day(tmp_path, DAY)

    assert str(folder.resolve()) in str(raised.value)
    assert "dt=2026-01-05" in str(raised.value)
    assert "_SUCCESS" in str(raised.value)
    assert not (tmp_path / "events").exists()
    assert not (tmp_path / "quarantine").exists()


def test_dump_not_ready_when_the_folder_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(DumpNotReady, match=r"landing/dt=2026-01-05"):
        ingest_day(tmp_path, DAY)


def test_valid_jsonl_file_is_accepted_with_exact_columns_and_values(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("e2", ts="2026-01-05T12:00:00.250+00:00", topics=["ai", "rust"]),
                event(
                    "e1",
                    action="reply",
                    target_user_id="u9",
                    target_post_id="p-9",
                    post_id="p-e1",
                    topics=DROP,
                ),
                event(
                    "e3",
                    action="like",
                    target_user_id=" u9 ",
                    target_post_id="p-9",
                    post_id=DROP,
                    topics=None,
                ),
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts(
        run_date="2026-01-05",
        files_read=1,
        files_quarantined=0,
        events_read=3,
        events_accepted=3,
        events_quarantined=0,
        events_duplicate=0,
        events_late=0,
    )
    rows = events(tmp_path)
    assert list(rows[0]) == EVENT_COLUMNS
    # Sorted by event_id; optional ids trimmed; absent/null topics stay null.
    assert rows == [
        {
            "event_id": "e1",
            "ts": utc(2026, 1, 5, 10),
            "network": "x",
            "actor_id": "u1",
            "action": "reply",
            "target_user_id": "u9",
            "target_post_id": "p-9",
            "post_id": "p-e1",
            "topics": None,
            "is_late": False,
            "source_file": "a.jsonl",
        },
        {
            "event_id": "e2",
            "ts": datetime(2026, 1, 5, 12, 0, 0, 250_000, tzinfo=UTC),
            "network": "x",
            "actor_id": "u1",
            "action": "post",
            "target_user_id": None,
            "target_post_id": None,
            "post_id": "p-e2",
            "topics": ["ai", "rust"],
            "is_late": False,
            "source_file": "a.jsonl",
        },
        {
            "event_id": "e3",
            "ts": utc(2026, 1, 5, 10),
            "network": "x",
            "actor_id": "u1",
            "action": "like",
            "target_user_id": "u9",
            "target_post_id": "p-9",
            "post_id": None,
            "topics": None,
            "is_late": False,
            "source_file": "a.jsonl",
        },
    ]
    # No quarantined rows: the table still exists, with its schema, and is empty.
    assert quarantine(tmp_path) == []
    con = duckdb.connect()
    described = con.execute(
        f"describe select * from read_parquet('{Layout(tmp_path).quarantine(DAY)}', "
        "hive_partitioning = false)"
    ).fetchall()
    con.close()
    assert [r[0] for r in described] == QUARANTINE_COLUMNS
    assert read_counts(tmp_path, DAY) == counts


def test_counts_json_is_written_and_matches_return_value(tmp_path: Path) -> None:
    landing(tmp_path, {"a.jsonl": jsonl(event("e1"), "not json", event("e1"))})

    counts = ingest_day(tmp_path, DAY)

    written = json.loads(Layout(tmp_path).ingest_counts(DAY).read_text())
    assert written == {
        "run_date": "2026-01-05",
        "files_read": 1,
        "files_quarantined": 0,
        "events_read": 3,
        "events_accepted": 1,
        "events_quarantined": 1,
        "events_duplicate": 1,
        "events_late": 0,
        "events_duplicate_earlier_days": 0,
        "events_erased": 0,
    }
    assert read_counts(tmp_path, DAY) == counts


def test_all_actions_of_the_contract_with_their_required_ids_are_accepted(
    tmp_path: Path,
) -> None:
    target = {"target_user_id": "u2"}
    on_post = {**target, "target_post_id": "p-0"}
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("post", post_id="p-1"),
                event("reply", action="reply", post_id="p-2", **on_post),
                event("share", action="share", post_id="p-3", **on_post),
                event("like", action="like", post_id=DROP, **on_post),
                event("mention", action="mention", post_id=DROP, **target),
                event("follow", action="follow", post_id=DROP, **target),
                event("unfollow", action="unfollow", post_id=DROP, **target),
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=7, events_accepted=7, events_quarantined=0)
    assert {r["event_id"]: r["action"] for r in events(tmp_path)} == {
        a: a for a in ("post", "reply", "share", "like", "mention", "follow", "unfollow")
    }


def test_unknown_extra_fields_are_ignored(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("e1", lang="en", score=3.5, nested={"a": [1, 2]}, ts_local=12, raw=None)
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=1, events_accepted=1, events_quarantined=0)
    [row] = events(tmp_path)
    assert list(row) == EVENT_COLUMNS
    assert (row["event_id"], row["actor_id"], row["post_id"]) == ("e1", "u1", "p-e1")


# --------------------------------------------------------------------------- one reason each

# (the bad line, reason, detail). Each bad line sits on line 2 of a.jsonl between two
# good lines, so every case also checks the line number and that the good lines are kept.
BAD_LINES = [
    pytest.param(b"", "empty_line", "the line is empty", id="empty_line"),
    pytest.param(b"   \t ", "empty_line", "the line is empty", id="empty_line_blanks"),
    pytest.param(
        b'{"event_id": "bad", "ts": "2026-01-05T10:00:00Z",',
        "malformed_json",
        "the line is not valid JSON",
        id="malformed_json_truncated",
    ),
    pytest.param(
        b"{'event_id': 'bad'}",
        "malformed_json",
        "the line is not valid JSON",
        id="malformed_json_single_quotes",
    ),
    pytest.param(
        b'["bad", "2026-01-05T10:00:00Z"]',
        "not_a_json_object",
        "the line is JSON but not an object",
        id="not_a_json_object_array",
    ),
    pytest.param(b"42", "not_a_json_object", "the line is JSON but not an object", id="number"),
    pytest.param(
        b'"an event"', "not_a_json_object", "the line is JSON but not an object", id="string"
    ),
    pytest.param(
        event(42), "wrong_type", "event_id must be a string", id="wrong_type_event_id_number"
    ),
    pytest.param(
        event("bad", ts=1767607200),
        "wrong_type",
        "ts must be a string",
        id="wrong_type_ts_epoch",
    ),
    pytest.param(
        event("bad", actor_id={"id": "u1"}),
        "wrong_type",
        "actor_id must be a string",
        id="wrong_type_actor_id_object",
    ),
    pytest.param(
        event("bad", action="like", target_user_id="u2", target_post_id=["p-1"], post_id=DROP),
        "wrong_type",
        "target_post_id must be a string",
        id="wrong_type_target_post_id_list",
    ),
    pytest.param(
        event("bad", topics="ai"),
        "wrong_type",
        "topics must be a list of strings",
        id="wrong_type_topics_string",
    ),
    pytest.param(
        event("bad", topics=["ai", 7]),
        "wrong_type",
        "topics must be a list of strings",
        id="wrong_type_topics_item",
    ),
    pytest.param(
        # a post has null target ids: the length check must not be defeated by nulls
        event("bad", actor_id="a" * 4097),
        "oversized_field",
        "a field is longer than 4096 characters",
        id="oversized_actor_id",
    ),
    pytest.param(
        event("bad", post_id="p" * 5000),
        "oversized_field",
        "a field is longer than 4096 characters",
        id="oversized_post_id",
    ),
    pytest.param(
        event(DROP),
        "missing_field",
        "missing or empty required field: event_id",
        id="missing_event_id",
    ),
    pytest.param(
        event("bad", ts=DROP),
        "missing_field",
        "missing or empty required field: ts",
        id="missing_ts",
    ),
    pytest.param(
        event("bad", network=""),
        "missing_field",
        "missing or empty required field: network",
        id="empty_network",
    ),
    pytest.param(
        event("bad", actor_id="   "),
        "missing_field",
        "missing or empty required field: actor_id",
        id="blank_actor_id",
    ),
    pytest.param(
        event("bad", action=None),
        "missing_field",
        "missing or empty required field: action",
        id="null_action",
    ),
    pytest.param(
        event("bad", action="retweet"),
        "unknown_action",
        "action 'retweet' is not in the contract",
        id="unknown_action",
    ),
    pytest.param(
        event("bad", action="Post"),
        "unknown_action",
        "action 'Post' is not in the contract",
        id="unknown_action_case",
    ),
    pytest.param(
        event("bad", ts="2026-01-05T10:00:00"),
        "unparsable_ts",
        "ts '2026-01-05T10:00:00' is not an RFC 3339 timestamp with an offset",
        id="unparsable_ts_no_offset",
    ),
    pytest.param(
        event("bad", ts="2026-01-05"),
        "unparsable_ts",
        "ts '2026-01-05' is not an RFC 3339 timestamp with an offset",
        id="unparsable_ts_date_only",
    ),
    pytest.param(
        event("bad", ts="2026-02-30T10:00:00Z"),
        "unparsable_ts",
        "ts '2026-02-30T10:00:00Z' is not an RFC 3339 timestamp with an offset",
        id="unparsable_ts_no_such_day",
    ),
    pytest.param(
        event("bad", ts="yesterday evening"),
        "unparsable_ts",
        "ts 'yesterday evening' is not an RFC 3339 timestamp with an offset",
        id="unparsable_ts_words",
    ),
    pytest.param(
        event("bad", ts=""),
        "unparsable_ts",
        "ts '' is not an RFC 3339 timestamp with an offset",
        id="unparsable_ts_empty",
    ),
    pytest.param(
        event("bad", ts="2025-10-07T23:59:59Z"),
        "ts_out_of_window",
        "ts 2025-10-07T23:59:59Z is outside the accepted window for dump 2026-01-05",
        id="ts_out_of_window_too_old",
    ),
    pytest.param(
        event("bad", ts="2026-01-07T00:00:00Z"),
        "ts_out_of_window",
        "ts 2026-01-07T00:00:00Z is outside the accepted window for dump 2026-01-05",
        id="ts_out_of_window_day_after_next",
    ),
    pytest.param(
        # 2026-01-06T19:30-05:00 is 2026-01-07T00:30Z: the offset pushes it out
        event("bad", ts="2026-01-06T19:30:00-05:00"),
        "ts_out_of_window",
        "ts 2026-01-07T00:30:00Z is outside the accepted window for dump 2026-01-05",
        id="ts_out_of_window_by_offset",
    ),
    pytest.param(
        event("bad", action="like", target_post_id="p-1", post_id=DROP),
        "missing_target_user_id",
        "target_user_id is required for action 'like'",
        id="missing_target_user_id_like",
    ),
    pytest.param(
        event("bad", action="follow", target_user_id=" ", post_id=DROP),
        "missing_target_user_id",
        "target_user_id is required for action 'follow'",
        id="blank_target_user_id_follow",
    ),
    pytest.param(
        event("bad", action="mention", target_user_id=None, post_id=DROP),
        "missing_target_user_id",
        "target_user_id is required for action 'mention'",
        id="null_target_user_id_mention",
    ),
    pytest.param(
        event("bad", action="reply", target_user_id="u2"),
        "missing_target_post_id",
        "target_post_id is required for action 'reply'",
        id="missing_target_post_id_reply",
    ),
    pytest.param(
        event("bad", action="like", target_user_id="u2", target_post_id="", post_id=DROP),
        "missing_target_post_id",
        "target_post_id is required for action 'like'",
        id="empty_target_post_id_like",
    ),
    pytest.param(
        event("bad", post_id=DROP),
        "missing_post_id",
        "post_id is required for action 'post'",
        id="missing_post_id_post",
    ),
    pytest.param(
        event("bad", action="share", target_user_id="u2", target_post_id="p-1", post_id=""),
        "missing_post_id",
        "post_id is required for action 'share'",
        id="empty_post_id_share",
    ),
]


@pytest.mark.parametrize(("bad", "reason", "detail"), BAD_LINES)
def test_bad_line_is_quarantined_with_its_reason(
    tmp_path: Path, bad: dict[str, Any] | bytes, reason: str, detail: str
) -> None:
    bad_line = line(bad)
    landing(tmp_path, {"a.jsonl": jsonl(event("g1"), bad_line, event("g2"))})

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts(
        run_date="2026-01-05",
        files_read=1,
        files_quarantined=0,
        events_read=3,
        events_accepted=2,
        events_quarantined=1,
        events_duplicate=0,
        events_late=0,
    )
    assert [r["event_id"] for r in events(tmp_path)] == ["g1", "g2"]
    [row] = quarantine(tmp_path)
    expected_raw = None if bad_line == b"" else bad_line.decode()
    assert row == {
        "run_date": DAY,
        "source_file": "a.jsonl",
        "line_number": 2,
        "reason": reason,
        "detail": detail,
        "raw": expected_raw,
    }


def test_invalid_utf8_line_is_quarantined_and_later_line_numbers_stay_true(
    tmp_path: Path,
) -> None:
    bad = json.dumps(event("bad", network="XX")).encode().replace(b'"XX"', b'"\xff\xfe"')
    content = b"\n".join(
        [
            line(event("g1")),  # 1
            b"",  # 2 blank
            bad,  # 3 invalid UTF-8, right after a blank line
            line(event("g4")),  # 4
            bad.replace(b'"bad"', b'"bad5"'),  # 5
            bad.replace(b'"bad"', b'"bad6"'),  # 6
            line(event("g7")),  # 7
        ]
    )
    landing(tmp_path, {"a.jsonl": content + b"\n"})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=7, events_accepted=3, events_quarantined=4)
    assert [(r["event_id"], r["source_file"]) for r in events(tmp_path)] == [
        ("g1", "a.jsonl"),
        ("g4", "a.jsonl"),
        ("g7", "a.jsonl"),
    ]
    rows = quarantine(tmp_path)
    assert short(rows) == [
        ("a.jsonl", 2, "empty_line"),
        ("a.jsonl", 3, "invalid_utf8"),
        ("a.jsonl", 5, "invalid_utf8"),
        ("a.jsonl", 6, "invalid_utf8"),
    ]
    # The raw text is the line's own bytes, the invalid ones escaped, nothing before it.
    expected = bad.decode("utf-8", "backslashreplace")
    assert "\\xff\\xfe" in expected
    assert rows[1]["raw"] == expected
    assert rows[1]["detail"] == "the line is not valid UTF-8"
    assert rows[2]["raw"] == expected.replace('"bad"', '"bad5"')
    assert rows[3]["raw"] == expected.replace('"bad"', '"bad6"')


def test_invalid_utf8_inside_gzip_file(tmp_path: Path) -> None:
    bad = b'{"event_id": "bad", "network": "\xc3\x28"}'
    landing(
        tmp_path,
        {"a.jsonl.gz": gzip.compress(jsonl(event("g1"), event("g2"), bad, event("g4")))},
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=4, events_accepted=3, events_quarantined=1)
    assert short(quarantine(tmp_path)) == [("a.jsonl.gz", 3, "invalid_utf8")]
    assert quarantine(tmp_path)[0]["raw"] == '{"event_id": "bad", "network": "\\xc3("}'


def test_lowercase_t_and_z_are_rfc3339(tmp_path: Path) -> None:
    # RFC 3339 section 5.6: "T" and "Z" may alternatively be lower case.
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("e1", ts="2026-01-05t10:00:00z"),
                event("e2", ts="2026-01-05 10:00:00+01:00"),
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=2, events_accepted=2, events_quarantined=0)
    assert [r["ts"] for r in events(tmp_path)] == [utc(2026, 1, 5, 10), utc(2026, 1, 5, 9)]


def test_window_edges_are_accepted(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("oldest", ts="2025-10-08T00:00:00Z"),  # D-89 00:00Z, first instant in
                event("old_offset", ts="2025-10-08T01:00:00+01:00"),  # = 2025-10-08T00:00Z
                event("newest", ts="2026-01-06T23:59:59.999Z"),  # last instant before D+2
                event("new_offset", ts="2026-01-07T01:00:00+02:00"),  # = 2026-01-06T23:00Z
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=4, events_accepted=4, events_quarantined=0, events_late=2)
    assert {r["event_id"]: (r["ts"], r["is_late"]) for r in events(tmp_path)} == {
        "oldest": (utc(2025, 10, 8), True),
        "old_offset": (utc(2025, 10, 8), True),
        "newest": (datetime(2026, 1, 6, 23, 59, 59, 999_000, tzinfo=UTC), False),
        "new_offset": (utc(2026, 1, 6, 23), False),
    }


# --------------------------------------------------------------------------- time zones


def test_offsets_are_honoured_and_late_events_counted(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                # 2026-01-04T23:30Z: a day before the dump although written as the 5th
                event("e1", ts="2026-01-05T01:30:00+02:00"),
                # 2026-01-05T01:30Z: on the dump day although written as the 4th
                event("e2", ts="2026-01-04T23:30:00-02:00"),
                event("e3", ts="2026-01-04T23:59:59Z"),
                event("e4", ts="2026-01-05T00:00:00Z"),
                event("e5", ts="2026-01-01T12:00:00+05:30"),  # 2026-01-01T06:30Z
                event("e6", ts="2026-01-06T08:00:00Z"),  # a day ahead is not late
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=6, events_accepted=6, events_quarantined=0, events_late=3)
    assert {r["event_id"]: (r["ts"], r["is_late"]) for r in events(tmp_path)} == {
        "e1": (utc(2026, 1, 4, 23, 30), True),
        "e2": (utc(2026, 1, 5, 1, 30), False),
        "e3": (utc(2026, 1, 4, 23, 59, 59), True),
        "e4": (utc(2026, 1, 5), False),
        "e5": (utc(2026, 1, 1, 6, 30), True),
        "e6": (utc(2026, 1, 6, 8), False),
    }
    con = duckdb.connect()
    ts_type = con.execute(
        f"select typeof(ts) from read_parquet('{Layout(tmp_path).events(DAY)}', "
        "hive_partitioning = false) limit 1"
    ).fetchone()[0]
    con.close()
    assert ts_type == "TIMESTAMP WITH TIME ZONE"


# --------------------------------------------------------------------------- duplicates


def test_duplicates_within_a_file_first_line_wins(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("e1", actor_id="first"),
                event("e2"),
                event("e1", actor_id="second"),
                event("e1", actor_id="third"),
                event("e2", actor_id="again"),
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts, events_read=5, events_accepted=2, events_quarantined=0, events_duplicate=3
    )
    assert [(r["event_id"], r["actor_id"]) for r in events(tmp_path)] == [
        ("e1", "first"),
        ("e2", "u1"),
    ]


def test_duplicates_across_files_first_file_by_name_wins(tmp_path: Path) -> None:
    # Written in the opposite order to their names: name order must decide, not mtime.
    folder = landing(tmp_path, {}, complete=False)
    (folder / "b.jsonl").write_bytes(jsonl(event("e1", actor_id="from_b"), event("e2")))
    (folder / "a.jsonl.gz").write_bytes(
        gzip.compress(jsonl(event("e3"), event("e1", actor_id="from_a")))
    )
    (folder / "_SUCCESS").touch()

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts,
        files_read=2,
        events_read=4,
        events_accepted=3,
        events_quarantined=0,
        events_duplicate=1,
    )
    assert [(r["event_id"], r["actor_id"], r["source_file"]) for r in events(tmp_path)] == [
        ("e1", "from_a", "a.jsonl.gz"),
        ("e2", "u1", "b.jsonl"),
        ("e3", "u1", "a.jsonl.gz"),
    ]


def test_invalid_first_occurrence_does_not_win_and_is_not_a_duplicate(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("e1", action="retweet"),  # quarantined, not a duplicate
                event("e1", actor_id="valid"),
                event("e1", actor_id="dup"),
            )
        },
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts, events_read=3, events_accepted=1, events_quarantined=1, events_duplicate=1
    )
    assert [(r["event_id"], r["actor_id"]) for r in events(tmp_path)] == [("e1", "valid")]
    assert short(quarantine(tmp_path)) == [("a.jsonl", 1, "unknown_action")]


# --------------------------------------------------------------------------- whole files


def test_truncated_gzip_is_quarantined_whole_and_copied(tmp_path: Path) -> None:
    full = gzip.compress(jsonl(*(event(f"z{i}", actor_id=f"u{i % 97}") for i in range(3000))))
    cut = full[: len(full) // 2]
    folder = landing(tmp_path, {"a.jsonl": jsonl(event("e1")), "b.jsonl.gz": cut})

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts(
        run_date="2026-01-05",
        files_read=1,
        files_quarantined=1,
        events_read=2,
        events_accepted=1,
        events_quarantined=1,
        events_duplicate=0,
        events_late=0,
    )
    # Nothing of the half file is loaded, not even the lines before the cut.
    assert [r["event_id"] for r in events(tmp_path)] == ["e1"]
    [row] = quarantine(tmp_path)
    assert (row["source_file"], row["line_number"], row["reason"], row["raw"]) == (
        "b.jsonl.gz",
        None,
        "unreadable_file",
        None,
    )
    assert row["detail"].startswith("b.jsonl.gz: ")
    kept = Layout(tmp_path).quarantine(DAY).parent / "files" / "b.jsonl.gz"
    assert kept.read_bytes() == cut == (folder / "b.jsonl.gz").read_bytes()


def test_file_named_gz_that_is_not_gzip_is_unreadable(tmp_path: Path) -> None:
    landing(tmp_path, {"a.jsonl.gz": jsonl(event("e1"))})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, files_quarantined=1, events_read=1, events_quarantined=1)
    assert short(quarantine(tmp_path)) == [("a.jsonl.gz", None, "unreadable_file")]


def test_corrupt_parquet_is_unreadable(tmp_path: Path) -> None:
    landing(tmp_path, {"a.parquet": b"PAR1 this is not really parquet PAR1"})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, files_read=0, files_quarantined=1, events_read=1, events_quarantined=1)
    [row] = quarantine(tmp_path)
    assert (row["source_file"], row["line_number"], row["reason"], row["raw"]) == (
        "a.parquet",
        None,
        "unreadable_file",
        None,
    )
    assert row["detail"].startswith("a.parquet: ")
    assert (Layout(tmp_path).quarantine(DAY).parent / "files" / "a.parquet").exists()


def test_parquet_with_corrupt_data_page_is_unreadable_and_nothing_of_it_loaded(
    tmp_path: Path,
) -> None:
    folder = landing(tmp_path, {"b.jsonl": jsonl(event("e1"))})
    n = 2000
    ts = pa.array([utc(2026, 1, 5, 10)] * n, pa.timestamp("us", tz="UTC"))
    write_parquet(folder, "a.parquet", parquet_events([f"p{i}" for i in range(n)], ts))
    path = folder / "a.parquet"
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(0)  # event_id
    start = (chunk.dictionary_page_offset or chunk.data_page_offset) + 30
    data = bytearray(path.read_bytes())
    data[start : start + 200] = b"\xff" * 200  # the footer stays valid, the page does not
    path.write_bytes(bytes(data))

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts("2026-01-05", 1, 1, 2, 1, 1, 0, 0)
    assert [r["event_id"] for r in events(tmp_path)] == ["e1"]
    [row] = quarantine(tmp_path)
    assert (row["source_file"], row["line_number"], row["reason"]) == (
        "a.parquet",
        None,
        "unreadable_file",
    )
    assert row["detail"].startswith("a.parquet: ")


def test_a_sql_error_is_raised_not_blamed_on_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing(tmp_path, {"a.jsonl": jsonl(event("e1"))})
    real_sql = engine.sql

    def broken(name: str) -> str:
        text = real_sql(name)
        return text.replace("from raw_lines", "from no_such_table") if "jsonl" in name else text

    monkeypatch.setattr(engine, "sql", broken)

    with pytest.raises(duckdb.CatalogException):
        ingest_day(tmp_path, DAY)


def test_unsupported_file_is_quarantined_whole(tmp_path: Path) -> None:
    csv = b"event_id,ts\ne1,2026-01-05T10:00:00Z\n"
    landing(tmp_path, {"a.jsonl": jsonl(event("e1")), "extra.csv": csv})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts,
        files_read=1,
        files_quarantined=1,
        events_read=2,
        events_accepted=1,
        events_quarantined=1,
    )
    assert quarantine(tmp_path) == [
        {
            "run_date": DAY,
            "source_file": "extra.csv",
            "line_number": None,
            "reason": "unsupported_file",
            "detail": "extra.csv: only *.jsonl, *.jsonl.gz and *.parquet files are read",
            "raw": None,
        }
    ]
    kept = Layout(tmp_path).quarantine(DAY).parent / "files" / "extra.csv"
    assert kept.read_bytes() == csv


def test_marker_and_hidden_files_are_not_read(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {"a.jsonl": jsonl(event("e1")), ".DS_Store": b"\x00\x01", "_manifest": b"whatever"},
    )

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, files_read=1, files_quarantined=0, events_read=1, events_accepted=1)
    assert quarantine(tmp_path) == []


def test_empty_dump_writes_empty_outputs(tmp_path: Path) -> None:
    landing(tmp_path, {})

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts("2026-01-05", 0, 0, 0, 0, 0, 0, 0)
    assert events(tmp_path) == []
    assert quarantine(tmp_path) == []


# --------------------------------------------------------------------------- JSONL lines


def test_file_with_good_and_bad_lines_keeps_the_good_ones(tmp_path: Path) -> None:
    content = jsonl(
        event("e1"),  # 1
        "{nope",  # 2
        event("e3", ts="2026-01-05T10:00:00"),  # 3
        "",  # 4
        event("e5", action="like", target_user_id="u2", target_post_id="p", post_id=DROP),  # 5
        event("e6", action="share", target_user_id="u2", target_post_id="p"),  # 6
        "[]",  # 7
        event("e8", network=""),  # 8
    ) + line(event("e9"))  # 9, no final newline
    landing(tmp_path, {"a.jsonl": content})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts, events_read=9, events_accepted=4, events_quarantined=5, events_duplicate=0
    )
    assert [r["event_id"] for r in events(tmp_path)] == ["e1", "e5", "e6", "e9"]
    rows = quarantine(tmp_path)
    assert short(rows) == [
        ("a.jsonl", 2, "malformed_json"),
        ("a.jsonl", 3, "unparsable_ts"),
        ("a.jsonl", 4, "empty_line"),
        ("a.jsonl", 7, "not_a_json_object"),
        ("a.jsonl", 8, "missing_field"),
    ]
    assert [r["raw"] for r in rows] == [
        "{nope",
        json.dumps(event("e3", ts="2026-01-05T10:00:00")),
        None,
        "[]",
        json.dumps(event("e8", network="")),
    ]
    assert {r["run_date"] for r in rows} == {DAY}


def test_crlf_line_endings_are_read_as_lines(tmp_path: Path) -> None:
    content = b"\r\n".join([line(event("e1")), b"", b"oops", line(event("e4"))]) + b"\r\n"
    landing(tmp_path, {"a.jsonl": content})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=4, events_accepted=2, events_quarantined=2)
    assert short(quarantine(tmp_path)) == [
        ("a.jsonl", 2, "empty_line"),
        ("a.jsonl", 3, "malformed_json"),
    ]
    assert quarantine(tmp_path)[1]["raw"] == "oops"


def test_line_numbers_stay_true_in_a_long_file(tmp_path: Path) -> None:
    # Every 1000th line is broken; its line number must be exactly where it was written.
    lines = []
    for n in range(1, 20_001):
        lines.append(b"broken %d" % n if n % 1000 == 0 else line(event(f"e{n:05d}")))
    landing(tmp_path, {"a.jsonl": b"\n".join(lines) + b"\n"})

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=20_000, events_accepted=19_980, events_quarantined=20)
    rows = quarantine(tmp_path)
    assert [(r["line_number"], r["raw"]) for r in rows] == [
        (n, f"broken {n}") for n in range(1000, 20_001, 1000)
    ]


# --------------------------------------------------------------------------- Parquet


def parquet_events(
    event_ids: list[str | None],
    ts: pa.Array,
    /,
    **columns: pa.Array | list[Any],
) -> pa.Table:
    n = len(event_ids)
    data: dict[str, Any] = {
        "event_id": pa.array(event_ids, pa.string()),
        "ts": ts,
        "network": pa.array(["x"] * n, pa.string()),
        "actor_id": pa.array(["u1"] * n, pa.string()),
        "action": pa.array(["post"] * n, pa.string()),
        "post_id": pa.array([f"p{i}" for i in range(n)], pa.string()),
    }
    for name, value in columns.items():
        if value is DROP:
            data.pop(name)
        else:
            data[name] = value
    return pa.table(data)


def test_parquet_with_timestamptz_ts_is_accepted_in_utc(tmp_path: Path) -> None:
    folder = landing(tmp_path, {})
    paris = pa.timestamp("us", tz="Europe/Paris")
    table = parquet_events(
        ["p1", "p2", "p3"],
        pa.array([utc(2026, 1, 5, 10), utc(2026, 1, 4, 23, 30), utc(2026, 1, 5, 0, 0)], paris),
        action=pa.array(["post", "like", "follow"]),
        post_id=pa.array(["pp1", None, None]),
        target_user_id=pa.array([None, "u2", "u3"]),
        target_post_id=pa.array([None, "pp9", None]),
        topics=pa.array([["ai", "ml"], None, []], pa.list_(pa.string())),
        unknown_extra=pa.array([1, 2, 3], pa.int64()),
    )
    write_parquet(folder, "a.parquet", table)

    counts = ingest_day(tmp_path, DAY)

    assert_counts(
        counts, files_read=1, events_read=3, events_accepted=3, events_quarantined=0, events_late=1
    )
    rows = events(tmp_path)
    assert [
        (r["event_id"], r["ts"], r["action"], r["post_id"], r["target_user_id"], r["topics"])
        for r in rows
    ] == [
        ("p1", utc(2026, 1, 5, 10), "post", "pp1", None, ["ai", "ml"]),
        ("p2", utc(2026, 1, 4, 23, 30), "like", None, "u2", None),
        ("p3", utc(2026, 1, 5), "follow", None, "u3", []),
    ]
    assert [r["is_late"] for r in rows] == [False, True, False]
    assert {r["source_file"] for r in rows} == {"a.parquet"}


def test_parquet_naive_timestamp_is_taken_as_utc(tmp_path: Path) -> None:
    folder = landing(tmp_path, {})
    naive = pa.array([datetime(2026, 1, 4, 23, 0), datetime(2026, 1, 5, 1, 0)], pa.timestamp("ms"))
    write_parquet(folder, "a.parquet", parquet_events(["p1", "p2"], naive))

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=2, events_accepted=2, events_late=1)
    assert [r["ts"] for r in events(tmp_path)] == [utc(2026, 1, 4, 23), utc(2026, 1, 5, 1)]


def test_parquet_ts_as_string_is_validated_like_jsonl(tmp_path: Path) -> None:
    folder = landing(tmp_path, {})
    table = parquet_events(
        ["p1", "p2", "p3", "p4", None],
        pa.array(
            [
                "2026-01-05T01:30:00+02:00",  # row 1: 2026-01-04T23:30Z, late
                "2026-01-05 10:00:00",  # row 2: no offset
                "2026-01-05T10:00:00Z",  # row 3: fine
                "2025-01-05T10:00:00Z",  # row 4: a year old
                "2026-01-05T10:00:00Z",  # row 5: null event_id
            ],
            pa.string(),
        ),
    )
    write_parquet(folder, "a.parquet", table)

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, events_read=5, events_accepted=2, events_quarantined=3, events_late=1)
    assert {r["event_id"]: (r["ts"], r["is_late"]) for r in events(tmp_path)} == {
        "p1": (utc(2026, 1, 4, 23, 30), True),
        "p3": (utc(2026, 1, 5, 10), False),
    }
    rows = quarantine(tmp_path)
    assert short(rows) == [
        ("a.parquet", 2, "unparsable_ts"),
        ("a.parquet", 4, "ts_out_of_window"),
        ("a.parquet", 5, "missing_field"),
    ]
    assert rows[0]["detail"] == (
        "ts '2026-01-05 10:00:00' is not an RFC 3339 timestamp with an offset"
    )
    # Parquet rows keep the whole row as JSON text.
    assert json.loads(rows[0]["raw"]) == {
        "event_id": "p2",
        "ts": "2026-01-05 10:00:00",
        "network": "x",
        "actor_id": "u1",
        "action": "post",
        "post_id": "p1",
    }
    assert json.loads(rows[2]["raw"])["event_id"] is None


def test_parquet_missing_required_column_is_schema_mismatch(tmp_path: Path) -> None:
    folder = landing(tmp_path, {"b.jsonl": jsonl(event("e1"))})
    ts = pa.array([utc(2026, 1, 5, 10)] * 2, pa.timestamp("us", tz="UTC"))
    write_parquet(folder, "a.parquet", parquet_events(["p1", "p2"], ts, actor_id=DROP))

    counts = ingest_day(tmp_path, DAY)

    assert counts == IngestCounts(
        run_date="2026-01-05",
        files_read=1,
        files_quarantined=1,
        events_read=2,
        events_accepted=1,
        events_quarantined=1,
        events_duplicate=0,
        events_late=0,
    )
    assert [r["event_id"] for r in events(tmp_path)] == ["e1"]
    assert quarantine(tmp_path) == [
        {
            "run_date": DAY,
            "source_file": "a.parquet",
            "line_number": None,
            "reason": "schema_mismatch",
            "detail": "a.parquet: required column(s) missing: actor_id",
            "raw": None,
        }
    ]
    kept = Layout(tmp_path).quarantine(DAY).parent / "files" / "a.parquet"
    assert kept.read_bytes() == (folder / "a.parquet").read_bytes()


@pytest.mark.parametrize(
    ("columns", "detail"),
    [
        pytest.param(
            {"ts": pa.array([1767607200], pa.int64())},
            "a.parquet: column ts is BIGINT, not a timestamp",
            id="ts_integer",
        ),
        pytest.param(
            {"ts": pa.array([date(2026, 1, 5)], pa.date32())},
            "a.parquet: column ts is DATE, not a timestamp",
            id="ts_date",
        ),
        pytest.param(
            {"actor_id": pa.array([17], pa.int64())},
            "a.parquet: column actor_id is BIGINT, not a string",
            id="actor_id_integer",
        ),
        pytest.param(
            {"target_user_id": pa.array([1.5], pa.float64())},
            "a.parquet: column target_user_id is DOUBLE, not a string",
            id="optional_column_wrong_type",
        ),
        pytest.param(
            {"topics": pa.array(["ai"], pa.string())},
            "a.parquet: column topics is VARCHAR, not a list of strings",
            id="topics_string",
        ),
        pytest.param(
            {"topics": pa.array([[1, 2]], pa.list_(pa.int32()))},
            "a.parquet: column topics is INTEGER[], not a list of strings",
            id="topics_list_of_int",
        ),
        pytest.param(
            {"event_id": DROP, "ts": DROP},
            "a.parquet: required column(s) missing: event_id, ts",
            id="two_missing",
        ),
    ],
)
def test_parquet_wrong_column_type_is_schema_mismatch(
    tmp_path: Path, columns: dict[str, Any], detail: str
) -> None:
    folder = landing(tmp_path, {})
    ts = pa.array([utc(2026, 1, 5, 10)], pa.timestamp("us", tz="UTC"))
    write_parquet(folder, "a.parquet", parquet_events(["p1"], ts, **columns))

    counts = ingest_day(tmp_path, DAY)

    assert_counts(counts, files_read=0, files_quarantined=1, events_read=1, events_quarantined=1)
    assert [(r["reason"], r["detail"], r["line_number"]) for r in quarantine(tmp_path)] == [
        ("schema_mismatch", detail, None)
    ]
    assert events(tmp_path) == []


# --------------------------------------------------------------------------- a whole day


def mixed_day(root: Path) -> Path:
    folder = landing(
        root,
        {
            # "a.jsonl" < "a.jsonl.gz" < "b.parquet": a.jsonl's e2 and e1 win.
            "a.jsonl": jsonl(
                event("e1", ts="2026-01-05T01:30:00+02:00"),
                event("e2", actor_id="from_a"),
                "{broken",
            ),
            "a.jsonl.gz": gzip.compress(
                jsonl(
                    event("e2", actor_id="from_gz"),
                    event("e3", action="mention", target_user_id="u7", post_id=DROP),
                    event("e4", action="like", target_user_id="u7", post_id=DROP),
                )
            ),
            "zz.txt": b"hello\n",
        },
    )
    table = parquet_events(
        ["e5", "e1", "e6"],
        pa.array(
            [utc(2026, 1, 6, 12), utc(2026, 1, 5, 9), utc(2025, 12, 31, 8)],
            pa.timestamp("us", tz="UTC"),
        ),
        topics=pa.array([["music"], None, ["ai"]], pa.list_(pa.string())),
    )
    write_parquet(folder, "b.parquet", table)
    return folder


def test_mixed_day_loads_jsonl_gzip_and_parquet(tmp_path: Path) -> None:
    mixed_day(tmp_path)

    counts = ingest_day(tmp_path, DAY)

    # read: 3 (a.jsonl) + 3 (a.jsonl.gz) + 3 (b.parquet) + 1 (zz.txt, whole file) = 10
    # quarantined: {broken, e4 without target_post_id, zz.txt} = 3
    # duplicates: e2 in a.jsonl.gz, e1 in b.parquet = 2
    assert counts == IngestCounts(
        run_date="2026-01-05",
        files_read=3,
        files_quarantined=1,
        events_read=10,
        events_accepted=5,
        events_quarantined=3,
        events_duplicate=2,
        events_late=2,
    )
    assert [
        (r["event_id"], r["source_file"], r["actor_id"], r["ts"], r["is_late"], r["topics"])
        for r in events(tmp_path)
    ] == [
        ("e1", "a.jsonl", "u1", utc(2026, 1, 4, 23, 30), True, ["ai"]),
        ("e2", "a.jsonl", "from_a", utc(2026, 1, 5, 10), False, ["ai"]),
        ("e3", "a.jsonl.gz", "u1", utc(2026, 1, 5, 10), False, ["ai"]),
        ("e5", "b.parquet", "u1", utc(2026, 1, 6, 12), False, ["music"]),
        ("e6", "b.parquet", "u1", utc(2025, 12, 31, 8), True, ["ai"]),
    ]
    assert short(quarantine(tmp_path)) == [
        ("a.jsonl", 3, "malformed_json"),
        ("a.jsonl.gz", 3, "missing_target_post_id"),
        ("zz.txt", None, "unsupported_file"),
    ]


def test_rerun_gives_identical_outputs(tmp_path: Path) -> None:
    mixed_day(tmp_path)
    layout = Layout(tmp_path)
    order = "order by all"

    first = ingest_day(tmp_path, DAY)
    events_1 = read(layout.events(DAY), order)
    quarantine_1 = read(layout.quarantine(DAY), order)
    counts_json_1 = layout.ingest_counts(DAY).read_bytes()

    second = ingest_day(tmp_path, DAY)

    assert second == first
    assert read(layout.events(DAY), order) == events_1
    assert read(layout.quarantine(DAY), order) == quarantine_1
    assert layout.ingest_counts(DAY).read_bytes() == counts_json_1
    assert len(events_1) == 5
    # No temporary files are left beside the outputs.
    assert sorted(p.name for p in layout.events(DAY).parent.iterdir()) == [
        "_counts.json",
        "events.parquet",
    ]
    assert sorted(p.name for p in layout.quarantine(DAY).parent.iterdir()) == [
        "files",
        "quarantine.parquet",
    ]


def test_a_raw_unit_separator_makes_the_line_malformed_not_truncated(tmp_path: Path) -> None:
    # The reader splits lines on 0x1F; a valid prefix before it must not be accepted.
    good = json.dumps(
        {
            "event_id": "e2",
            "ts": "2026-01-05T10:00:00Z",
            "network": "n",
            "actor_id": "u",
            "action": "post",
            "post_id": "p2",
        }
    )
    bad = good.replace('"e2"', '"e1"').replace('"p2"', '"p1"') + "\x1f}"
    day_folder = tmp_path / "landing" / "dt=2026-01-05"
    day_folder.mkdir(parents=True)
    (day_folder / "a.jsonl").write_text(bad + "\n" + good + "\n")
    (day_folder / "_SUCCESS").touch()
    counts = ingest_day(tmp_path, date(2026, 1, 5))
    assert (counts.events_accepted, counts.events_quarantined) == (1, 1)
    quarantine = Layout(tmp_path).quarantine(date(2026, 1, 5))
    rows = duckdb.execute(
        "select line_number, reason from read_parquet(?, hive_partitioning = false)",
        [str(quarantine)],
    ).fetchall()
    assert rows == [(1, "malformed_json")]


# ------------------------------------------------- whole-file faults, safety, re-sent files


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.jsonl", b""),
        ("empty.jsonl.gz", gzip.compress(b"")),
    ],
)
def test_an_empty_file_is_quarantined_whole(tmp_path: Path, name: str, content: bytes) -> None:
    landing(tmp_path, {"a.jsonl": jsonl(event("g1")), name: content})
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_quarantined=1)
    assert counts.files_quarantined == 1
    (row,) = quarantine(tmp_path)
    assert (row["source_file"], row["line_number"], row["reason"]) == (name, None, "empty_file")
    assert row["detail"] == f"{name} holds no rows"
    kept = Layout(tmp_path).quarantine(DAY).parent / "files" / name
    assert kept.read_bytes() == content


def test_an_empty_parquet_file_is_quarantined_whole(tmp_path: Path) -> None:
    folder = landing(tmp_path, {"a.jsonl": jsonl(event("g1"))})
    empty = pa.table(
        {c: pa.array([], pa.string()) for c in ("event_id", "ts", "network", "actor_id", "action")}
    )
    write_parquet(folder, "none.parquet", empty)
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_quarantined=1)
    assert short(quarantine(tmp_path)) == [("none.parquet", None, "empty_file")]


def test_a_symbolic_link_is_quarantined_and_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "secret.jsonl"
    outside.write_bytes(jsonl(event("stolen")))
    folder = landing(tmp_path, {"a.jsonl": jsonl(event("g1"))})
    (folder / "b.jsonl").symlink_to(outside)
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_quarantined=1)
    assert [r["event_id"] for r in events(tmp_path)] == ["g1"]
    (row,) = quarantine(tmp_path)
    assert (row["source_file"], row["reason"], row["raw"]) == ("b.jsonl", "unsafe_file", None)
    assert "symbolic link" in row["detail"]
    assert not (Layout(tmp_path).quarantine(DAY).parent / "files" / "b.jsonl").exists()


def test_a_folder_inside_the_dump_is_quarantined_not_skipped(tmp_path: Path) -> None:
    folder = landing(tmp_path, {"a.jsonl": jsonl(event("g1"))})
    (folder / "more").mkdir()
    (folder / "more" / "c.jsonl").write_bytes(jsonl(event("nested")))
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_quarantined=1)
    assert short(quarantine(tmp_path)) == [("more", None, "unsupported_file")]


def test_file_names_with_quotes_are_data_not_sql(tmp_path: Path) -> None:
    name = "it's'); drop table x; --.jsonl"
    landing(tmp_path, {name: jsonl(event("g1"), "not json")})
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_quarantined=1)
    assert [r["source_file"] for r in events(tmp_path)] == [name]
    assert short(quarantine(tmp_path)) == [(name, 2, "malformed_json")]


def test_an_event_accepted_on_an_earlier_day_is_a_duplicate(tmp_path: Path) -> None:
    earlier = DAY - timedelta(days=3)
    folder = Layout(tmp_path).landing(earlier)
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(
        jsonl(event("old1", ts="2026-01-02T10:00:00Z"), event("old2", ts="2026-01-02T11:00:00Z"))
    )
    (folder / "_SUCCESS").touch()
    ingest_day(tmp_path, earlier)
    # The partner re-sends the old file beside today's.
    landing(
        tmp_path,
        {
            "resent.jsonl": (folder / "a.jsonl").read_bytes(),
            "today.jsonl": jsonl(event("new1")),
        },
    )
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=3, events_accepted=1, events_duplicate=2)
    assert counts.events_duplicate_earlier_days == 2
    assert [r["event_id"] for r in events(tmp_path)] == ["new1"]
    assert quarantine(tmp_path) == []


def ingest_earlier(root: Path, arrival: date, *events_: dict[str, Any]) -> None:
    folder = Layout(root).landing(arrival)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.jsonl").write_bytes(jsonl(*events_))
    (folder / "_SUCCESS").touch()
    ingest_day(root, arrival)


def test_the_duplicate_check_reads_only_the_dates_todays_timestamps_fall_on(
    tmp_path: Path,
) -> None:
    # Day 1 and day 3 of the window; day 3 also brought a late event from day 1.
    ingest_earlier(tmp_path, date(2026, 1, 1), event("d1", ts="2026-01-01T09:00:00Z"))
    ingest_earlier(
        tmp_path,
        date(2026, 1, 3),
        event("d3", ts="2026-01-03T09:00:00Z"),
        event("late", ts="2026-01-01T23:00:00Z"),
    )
    index = Layout(tmp_path).event_index(date(2026, 1, 3))
    assert sorted(p.name for p in index.iterdir()) == ["ts_date=2026-01-01", "ts_date=2026-01-03"]
    # Break every index part of 2026-01-03's own date: today's rows never touch it.
    for part in (index / "ts_date=2026-01-03").glob("*.parquet"):
        part.write_bytes(b"not parquet")
    landing(
        tmp_path,
        {"today.jsonl": jsonl(event("new"), event("late", ts="2026-01-01T23:00:00Z"))},
    )
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=2, events_accepted=1, events_duplicate=1)
    assert counts.events_duplicate_earlier_days == 1
    assert [r["event_id"] for r in events(tmp_path)] == ["new"]


def test_a_day_ingested_before_the_event_index_existed_is_read_whole(tmp_path: Path) -> None:
    earlier = DAY - timedelta(days=2)
    ingest_earlier(tmp_path, earlier, event("old", ts="2026-01-03T10:00:00Z"))
    shutil.rmtree(Layout(tmp_path).event_index(earlier))
    landing(tmp_path, {"resent.jsonl": jsonl(event("old", ts="2026-01-03T10:00:00Z"))})
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=1, events_accepted=0, events_duplicate=1)


def test_a_rerun_replaces_the_days_event_index_whole(tmp_path: Path) -> None:
    landing(tmp_path, {"a.jsonl": jsonl(event("e1", ts="2026-01-04T10:00:00Z"))})
    ingest_day(tmp_path, DAY)
    index = Layout(tmp_path).event_index(DAY)
    assert [p.name for p in index.iterdir()] == ["ts_date=2026-01-04"]
    # The partner corrects the dump: the event was from today after all.
    landing(tmp_path, {"a.jsonl": jsonl(event("e1", ts="2026-01-05T10:00:00Z"))})
    ingest_day(tmp_path, DAY)
    assert [p.name for p in index.iterdir()] == ["ts_date=2026-01-05"]
    assert not [p for p in index.parent.iterdir() if p.name.startswith(".")]


def test_an_event_from_beyond_the_window_is_not_a_duplicate_of_it(tmp_path: Path) -> None:
    long_ago = DAY - timedelta(days=90)
    folder = Layout(tmp_path).landing(long_ago)
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_bytes(jsonl(event("e1", ts="2025-10-07T10:00:00Z")))
    (folder / "_SUCCESS").touch()
    ingest_day(tmp_path, long_ago)
    landing(tmp_path, {"a.jsonl": jsonl(event("e1"))})
    counts = ingest_day(tmp_path, DAY)
    assert_counts(counts, events_read=1, events_accepted=1, events_duplicate=0)


def test_the_batch_profile_counts_events_per_network_and_action(tmp_path: Path) -> None:
    landing(
        tmp_path,
        {
            "a.jsonl": jsonl(
                event("p1", network="x"),
                event("p2", network="x", actor_id="u2", topics=DROP),
                event("l1", network="y", action="like", actor_id="u3", target_user_id="u1",
                      target_post_id="p-p1", topics=DROP, ts="2026-01-04T23:00:00Z"),
            )
        },
    )  # fmt: skip
    ingest_day(tmp_path, DAY)
    rows = read(Layout(tmp_path).batch_profile(DAY), "order by network, action")
    assert [
        (r["network"], r["action"], r["events"], r["distinct_actors"], r["late_events"],
         r["tagged_events"])
        for r in rows
    ] == [("x", "post", 2, 2, 0, 1), ("y", "like", 1, 1, 1, 0)]  # fmt: skip
