"""clout forget removes a person from everything clout keeps and keeps them out of every
later run; clout export gives a person what clout holds about them."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_START, generate_network
from transforms import engine
from transforms.erasure import UnknownUser, export_person, forget
from transforms.layout import Layout
from transforms.pipeline import run_range

pytestmark = pytest.mark.slow

DAYS = 4
LAST_DAY = SAMPLE_START + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Gaming from the first days: the generator's follower bursts, pods and like farms.
    root = generate_network(tmp_path_factory.mktemp("erasure"), users=500, days=DAYS, seed=5)
    run_range(root, SAMPLE_START, LAST_DAY)
    return root


@pytest.fixture(scope="module")
def person(sample: Path) -> str:
    """A gaming group's member who is also scored: named in lists, evidence sentences and
    held-out pairs besides their own rows."""
    with duckdb.connect(str(Layout(sample).warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select member, count(*) as groups
            from (select unnest(members) as member from gaming_groups)
            where member in (select user_id from scores)
            group by member order by groups desc, member limit 1
            """
        ).fetchall()
    assert rows, "the sample has no scored gaming-group member to forget"
    return rows[0][0]


@pytest.fixture()
def root(sample: Path, tmp_path: Path) -> Path:
    """A copy of the sample for a test that changes it (hard links kept, as publish makes)."""
    copy = tmp_path / "root"
    shutil.copytree(sample, copy, symlinks=True, copy_function=_copy_keeping_links())
    return copy


def _copy_keeping_links():
    seen: dict[tuple[int, int], str] = {}

    def copy(source: str, target: str) -> None:
        stat = Path(source).stat()
        key = (stat.st_dev, stat.st_ino)
        if stat.st_nlink > 1 and key in seen:
            Path(target).hardlink_to(seen[key])
        else:
            shutil.copy2(source, target)
            seen[key] = target

    return copy


def mentions(root: Path, user_id: str) -> list[str]:
    """Every place under ``root`` (but the provider's landing zone) where ``user_id``
    appears: Parquet values (equal, inside a text, in a list), text and binary files'
    bytes, and every table and view of the warehouse."""
    token = r"(^|[^A-Za-z0-9_])" + re.escape(user_id) + r"([^A-Za-z0-9_]|$)"
    found: list[str] = []
    with duckdb.connect() as con:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if relative.parts[0] == "landing" or not path.is_file():
                continue
            if re.search(token.encode(), path.read_bytes()):
                found.append(f"{relative} (bytes)")
            if path.suffix == ".parquet":
                source = engine.parquet_source(path)
                columns = con.execute(f"describe select * from {source}").fetchall()
                checks = [
                    f"regexp_matches(\"{name}\", '{token}')"
                    for name, kind, *_ in columns
                    if kind == "VARCHAR"
                ] + [
                    f"list_contains(\"{name}\", '{user_id}')"
                    for name, kind, *_ in columns
                    if kind == "VARCHAR[]"
                ]
                if checks:
                    hits = con.execute(
                        f"select count(*) from {source} where {' or '.join(checks)}"
                    ).fetchall()[0][0]
                    if hits:
                        found.append(f"{relative} ({hits} rows)")
    warehouse = Layout(root).warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select schema_name, table_name, column_name, data_type from duckdb_columns() "
            "where data_type in ('VARCHAR', 'VARCHAR[]')"
        ).fetchall()
        for schema, table, column, kind in columns:
            test = (
                f"list_contains(\"{column}\", '{user_id}')"
                if kind == "VARCHAR[]"
                else f"regexp_matches(\"{column}\", '{token}')"
            )
            hits = con.execute(f'select count(*) from {schema}."{table}" where {test}').fetchall()
            if hits[0][0]:
                found.append(f"warehouse {schema}.{table}.{column}")
    return found


def test_forget_removes_the_person_from_everything_clout_keeps(root: Path, person: str) -> None:
    before = mentions(root, person)
    # The person is everywhere a person can be, so the test below means something.
    for place in ("events/", "scores/", "gaming_groups/", "published/", "state/", "warehouse"):
        assert any(place in found for found in before), (place, before)
    landing_before = sorted(p.read_bytes() for p in (root / "landing").rglob("*") if p.is_file())

    erasure = forget(root, person)

    assert mentions(root, person) == []
    assert erasure.files_rewritten > 0 and erasure.rows_removed > 0
    # The landing zone is the provider's: untouched.
    landing_after = sorted(p.read_bytes() for p in (root / "landing").rglob("*") if p.is_file())
    assert landing_after == landing_before
    # Everyone else is still there.
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        assert con.execute("select count(*) from latest_scores").fetchall()[0][0] > 100


def test_the_register_keeps_a_salted_hash_never_the_id(root: Path, person: str) -> None:
    first = forget(root, person)
    again = forget(root, person)
    assert not first.already_recorded and again.already_recorded
    assert again.files_rewritten == 0 and again.rows_removed == 0
    layout = Layout(root)
    with duckdb.connect() as con:
        register = con.execute(
            f"select user_hash from {engine.parquet_source(layout.erased_register)}"
        ).fetchall()
    assert register == [(first.user_hash,)]
    assert re.fullmatch(r"[0-9a-f]{64}", first.user_hash)
    for path in (root / "erasure").iterdir():
        assert person.encode() not in path.read_bytes()


def test_a_rerun_of_old_days_keeps_the_person_gone(root: Path, person: str) -> None:
    forget(root, person)
    rerun_from = datetime.now(UTC)
    run_range(root, SAMPLE_START, LAST_DAY)  # a backfill over every day, from the landing

    assert mentions(root, person) == []
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        reruns = con.execute(
            """
            select run_date, events_read, events_accepted, events_quarantined,
                   events_duplicate, events_erased
            from run_log where started_at >= ? order by run_date
            """,
            [rerun_from],
        ).fetchall()
    assert [row[0] for row in reruns] == [SAMPLE_START + timedelta(days=d) for d in range(DAYS)]
    assert sum(row[5] for row in reruns) > 0  # their events were in the dumps, and dropped
    for _, read, accepted, quarantined, duplicate, erased in reruns:
        assert read == accepted + quarantined + duplicate + erased


def test_export_gives_the_person_every_day_of_their_scores_and_flags(
    sample: Path, person: str, tmp_path: Path
) -> None:
    target = export_person(sample, person, tmp_path / "export.json")
    exported = json.loads(target.read_text())
    assert exported["user_id"] == person
    assert len(exported["scores"]) == len(exported["features"]) == len(exported["explanations"])
    with duckdb.connect(str(Layout(sample).warehouse), read_only=True) as con:
        days = con.execute("select count(*) from scores where user_id = ?", [person]).fetchall()[0][
            0
        ]
        flags = con.execute(
            "select count(*) from gaming_flags where user_id = ?", [person]
        ).fetchall()[0][0]
    assert len(exported["scores"]) == days > 0
    assert len(exported["gaming_flags"]) == flags > 0
    assert exported["gaming_groups"] and all(
        person in group["members"] + group["beneficiaries"] for group in exported["gaming_groups"]
    )
    assert {row["user_id"] for row in exported["scores"]} == {person}


def test_export_of_a_forgotten_person_finds_nothing(
    root: Path, person: str, tmp_path: Path
) -> None:
    forget(root, person)
    with pytest.raises(UnknownUser, match="holds nothing"):
        export_person(root, person, tmp_path / "export.json")
