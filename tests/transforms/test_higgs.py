"""The Higgs importer on a hand-written source file: every expected row worked out by hand.

Timestamps: 1341100800 is 2012-07-01T00:00:00Z and 1341187200 is 2012-07-02T00:00:00Z.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from transforms.cli import app
from transforms.higgs import HiggsFormatError, import_higgs
from transforms.ingest import ingest_day
from transforms.layout import Layout

DAY1 = date(2012, 7, 1)
DAY2 = date(2012, 7, 2)
T1 = 1341100800  # 2012-07-01T00:00:00Z
T2 = 1341187200  # 2012-07-02T00:00:00Z

SOURCE_LINES = [
    f"10 20 {T1 + 5} RT",  # a retweet
    f"11 20 {T1 + 5} RT",  # another actor retweets the same user in the same second
    f"12 30 {T1 + 60} MT",  # a reply that also mentions: one triple, two types
    f"12 30 {T1 + 60} RE",
    f"40 40 {T1 + 120} RT",  # a self-loop: kept
    f"10 20 {T1 + 5} RT",  # an exact repeat of line 1: collapses
    f"13 10 {T1 + 86399} RE",  # the last second of day 1
    f"14 20 {T2} RT",  # the first second of day 2
    f"15 20 {T2 + 3600} MT",
    f"15 21 {T2 + 3600} MT",  # one tweet mentioning two people
    f"16 13 {T2 + 7200} RE",
    f"14 20 {T2} RT",  # a repeat on day 2
]


def share(actor: str, target: str, ts: int, iso: str) -> dict[str, Any]:
    return on_a_post("share", "RT", actor, target, ts, iso)


def reply(actor: str, target: str, ts: int, iso: str) -> dict[str, Any]:
    return on_a_post("reply", "RE", actor, target, ts, iso)


def on_a_post(action: str, kind: str, actor: str, target: str, ts: int, iso: str) -> dict:
    return {
        "event_id": f"higgs:{actor}:{target}:{ts}:{kind}",
        "ts": iso,
        "network": "twitter",
        "actor_id": actor,
        "action": action,
        "target_user_id": target,
        "target_post_id": f"higgs:content:{target}",
        "post_id": f"higgs:{actor}:{ts}:{kind}",
    }


def mention(actor: str, target: str, ts: int, iso: str) -> dict[str, Any]:
    return {
        "event_id": f"higgs:{actor}:{target}:{ts}:MT",
        "ts": iso,
        "network": "twitter",
        "actor_id": actor,
        "action": "mention",
        "target_user_id": target,
        "target_post_id": None,
        "post_id": None,
    }


# In file order: by ts, then actor, target and TYPE (MT < RE < RT).
EXPECTED = {
    DAY1: [
        share("10", "20", T1 + 5, "2012-07-01T00:00:05Z"),
        share("11", "20", T1 + 5, "2012-07-01T00:00:05Z"),
        mention("12", "30", T1 + 60, "2012-07-01T00:01:00Z"),
        reply("12", "30", T1 + 60, "2012-07-01T00:01:00Z"),
        share("40", "40", T1 + 120, "2012-07-01T00:02:00Z"),
        reply("13", "10", T1 + 86399, "2012-07-01T23:59:59Z"),
    ],
    DAY2: [
        share("14", "20", T2, "2012-07-02T00:00:00Z"),
        mention("15", "20", T2 + 3600, "2012-07-02T01:00:00Z"),
        mention("15", "21", T2 + 3600, "2012-07-02T01:00:00Z"),
        reply("16", "13", T2 + 7200, "2012-07-02T02:00:00Z"),
    ],
}


def write_source(path: Path, lines: list[str]) -> Path:
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return path


def dump_rows(root: Path, day: date) -> list[dict[str, Any]]:
    text = gzip.decompress((Layout(root).landing(day) / "higgs.jsonl.gz").read_bytes())
    return [json.loads(line) for line in text.decode().splitlines()]


@pytest.fixture
def source(tmp_path: Path) -> Path:
    return write_source(tmp_path / "higgs-activity_time.txt.gz", SOURCE_LINES)


def test_writes_one_dump_a_day_with_exact_rows(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    summary = import_higgs(source, root)

    layout = Layout(root)
    assert sorted(p.name for p in (root / "landing").iterdir()) == [
        "dt=2012-07-01",
        "dt=2012-07-02",
    ]
    for day, rows in EXPECTED.items():
        assert dump_rows(root, day) == rows
        # the marker and the one data file, no temporary file left behind
        assert sorted(p.name for p in layout.landing(day).iterdir()) == [
            "_SUCCESS",
            "higgs.jsonl.gz",
        ]
        assert layout.success_marker(day).read_bytes() == b""

    assert summary.lines_read == 12
    assert summary.distinct_events == 10
    assert summary.collapsed_duplicates == 2
    assert summary.self_loop_lines == 1
    assert summary.self_loop_events == 1
    assert summary.multi_type_triples == 1
    assert summary.events_by_day == {DAY1: 6, DAY2: 4}
    assert summary.events_by_action == {"mention": 3, "reply": 3, "share": 4}
    assert summary.files == [layout.landing(d) / "higgs.jsonl.gz" for d in (DAY1, DAY2)]


def test_importing_twice_gives_identical_bytes(source: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    import_higgs(source, first)
    import_higgs(source, second)
    again = import_higgs(source, first)  # re-import over an existing landing folder
    for day in (DAY1, DAY2):
        name = Path("landing") / f"dt={day.isoformat()}" / "higgs.jsonl.gz"
        assert (first / name).read_bytes() == (second / name).read_bytes()
    assert again.distinct_events == 10


def test_a_malformed_line_fails_naming_the_file_and_line(tmp_path: Path) -> None:
    lines = [*SOURCE_LINES[:4], f"12 30 {T1 + 60} LIKE", "1 2 3"]
    bad = write_source(tmp_path / "bad.txt.gz", lines)
    root = tmp_path / "data"
    with pytest.raises(HiggsFormatError) as caught:
        import_higgs(bad, root)
    message = str(caught.value)
    assert f"{bad} line 5:" in message
    assert "TYPE 'LIKE' is not RT, MT or RE" in message
    assert "1 more malformed line follows" in message
    assert "Fix or remove the line" in message
    assert not (root / "landing").exists()  # checked before anything is written


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("", "the line is empty"),
        ("10 20 1341100805", "3 fields instead of 4"),
        ("ten 20 1341100805 RT", "actor 'ten' is not a non-negative integer"),
        ("10 20 -5 RT", "unix_ts '-5' is not a non-negative integer"),
        ("10 20 13411008050000 RT", "unix_ts '13411008050000' is too large"),
        ("10 20 1341100805 rt", "TYPE 'rt' is not RT, MT or RE"),
    ],
)
def test_each_kind_of_malformed_line_is_named(tmp_path: Path, line: str, problem: str) -> None:
    bad = write_source(tmp_path / "bad.txt.gz", [SOURCE_LINES[0], line, SOURCE_LINES[1]])
    with pytest.raises(HiggsFormatError, match=re.escape(f"line 2: {problem}")):
        import_higgs(bad, tmp_path / "data")


def test_a_cut_short_gzip_file_says_to_download_it_again(source: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.txt.gz"
    cut.write_bytes(source.read_bytes()[:-12])
    with pytest.raises(HiggsFormatError, match="Download the file again"):
        import_higgs(cut, tmp_path / "data")


def test_refuses_to_mix_into_another_dump(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    other = Layout(root).landing(DAY2) / "twitter.jsonl.gz"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"")
    with pytest.raises(FileExistsError, match=re.escape("twitter.jsonl.gz")):
        import_higgs(source, root)
    assert not Layout(root).landing(DAY1).exists()


def test_ingest_accepts_every_imported_event(source: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    import_higgs(source, root)
    for day, rows in EXPECTED.items():
        counts = ingest_day(root, day)
        assert counts.events_read == len(rows)
        assert counts.events_accepted == len(rows)
        assert counts.events_quarantined == 0
        assert counts.events_duplicate == 0
        assert counts.events_late == 0
        assert counts.files_quarantined == 0


def test_cli_prints_the_summary_and_fails_cleanly(source: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    root = tmp_path / "data"
    args = ["import", "higgs", "--source", str(source), "--data-root", str(root)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "lines read 12 -> distinct events 10 (collapsed duplicate lines 2)" in result.output
    assert "dt=2012-07-02:         4 events" in result.output
    assert "--start 2012-07-01 --end 2012-07-02" in result.output

    bad = write_source(tmp_path / "bad.txt.gz", ["1 2 3 RT", "oops"])
    result = runner.invoke(app, ["import", "higgs", "--source", str(bad), "--data-root", str(root)])
    assert result.exit_code == 1
    assert "line 2: 1 field instead of 4" in result.output
