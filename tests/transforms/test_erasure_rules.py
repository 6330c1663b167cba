"""What clout forget does to a row that mentions the person, by where the mention is."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from transforms import engine
from transforms.erasure import forget

PERSON = "u42"


def write(path: Path, query: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"copy ({query}) to {engine.quote_path(path)} (format parquet)")


def rows(path: Path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(f"select * from {engine.parquet_source(path)} order by all").fetchall()


def test_each_kind_of_mention_is_removed_its_own_way(tmp_path: Path) -> None:
    root = tmp_path
    quarantine = root / "quarantine" / "dt=2026-01-02" / "quarantine.parquet"
    write(
        quarantine,
        f"""
        select * from (values
            ('bad_json', '{{"actor_id": "{PERSON}", "action": "lik'),
            ('bad_json', '{{"actor_id": "u420", "action": "lik'),
            ('missing_field', '{{"actor_id": "u7"}}')
        ) t(reason, raw)
        """,
    )
    # Published as publish does: a hard link to the step output, under another name.
    published = root / "published" / "quarantine" / "dt=2026-01-02" / "quarantine-x.parquet"
    published.parent.mkdir(parents=True)
    os.link(quarantine, published)
    flags = root / "gaming_flags" / "dt=2026-01-02" / "gaming_flags.parquet"
    write(
        flags,
        f"""
        select * from (values
            ('{PERSON}', 'follower_burst', 'followed by 40 new accounts'),
            ('u7', 'follower_burst', 'followed by {PERSON}, u420 and 38 more'),
            ('u8', 'lockstep', 'liked with {PERSON},{PERSON}')
        ) t(user_id, rule, evidence)
        """,
    )
    groups = root / "gaming_groups" / "dt=2026-01-02" / "gaming_groups.parquet"
    write(
        groups,
        f"select 'g1' as group_id, ['{PERSON}', 'u420', 'u7'] as members, 3 as size",
    )
    untouched = root / "scores" / "dt=2026-01-02" / "scores.parquet"
    write(untouched, "select 'u7' as user_id, 12.5 as score")
    before = untouched.stat().st_mtime_ns

    forget(root, PERSON)

    # A quarantine row is a raw event: any mention removes it whole, under every name.
    expected = [
        ("bad_json", '{"actor_id": "u420", "action": "lik'),
        ("missing_field", '{"actor_id": "u7"}'),
    ]
    assert rows(quarantine) == expected
    assert rows(published) == expected
    assert os.path.samefile(quarantine, published)
    # Their own row goes; another user's evidence keeps its row with the id replaced.
    assert rows(flags) == [
        ("u7", "follower_burst", "followed by [erased], u420 and 38 more"),
        ("u8", "lockstep", "liked with [erased],[erased]"),
    ]
    # Out of lists, while an id that only starts the same (u420) stays.
    assert rows(groups) == [("g1", ["u420", "u7"], 3)]
    assert untouched.stat().st_mtime_ns == before
