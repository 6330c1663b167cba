"""Sharded nights publish the same warehouse as unsharded ones, whatever the count."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_START, generate_network
from transforms.layout import Layout
from transforms.pipeline import run_day, run_range
from transforms.shards import Shard, parts, recorded_count

DAYS = 4
# What a run says about itself rather than about the users: when and how long it ran.
RUN_SPECIFIC = {"run_log"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Gaming groups included: the generator injects a follower burst, a pod, a like farm.
    return generate_network(tmp_path_factory.mktemp("sharding"), users=600, days=DAYS, seed=5)


def _copy_landing(sample: Path, root: Path) -> Path:
    shutil.copytree(sample / "landing", root / "landing")
    return root


def _warehouse_rows(root: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables order by 1"
            ).fetchall()
            if name not in RUN_SPECIFIC
        ]
        return {t: con.execute(f"select * from {t} order by all").fetchall() for t in tables}


def _breadth(root: Path) -> list[tuple]:
    """The last night's giver breadth, added up over its shards."""
    files = parts(Layout(root).giver_breadth(SAMPLE_START + timedelta(days=DAYS - 1)))
    listed = ", ".join(f"'{f}'" for f in files)
    with duckdb.connect() as con:
        return con.execute(
            f"select actor_id, sum(targets) from read_parquet([{listed}]) group by 1 order by 1"
        ).fetchall()


@pytest.fixture(scope="module")
def unsharded_root(sample: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = _copy_landing(sample, tmp_path_factory.mktemp("one-shard"))
    run_range(root, SAMPLE_START, SAMPLE_START + timedelta(days=DAYS - 1))
    return root


@pytest.fixture(scope="module")
def unsharded(unsharded_root: Path) -> dict[str, list[tuple]]:
    return _warehouse_rows(unsharded_root)


def test_four_shards_publish_the_same_warehouse_as_one(
    sample, unsharded, unsharded_root, tmp_path
) -> None:
    root = _copy_landing(sample, tmp_path)
    run_range(root, SAMPLE_START, SAMPLE_START + timedelta(days=DAYS - 1), shard_count=4)

    sharded = _warehouse_rows(root)
    assert sharded.keys() == unsharded.keys()
    assert {"scores", "user_features", "user_networks", "gaming_flags"} <= sharded.keys()
    assert len(sharded["scores"]) > 1000
    assert any(sharded["gaming_flags"]), "the sample should hold some gaming to compare"
    for table, rows in unsharded.items():
        assert sharded[table] == rows, f"{table} differs with 4 shards"
    assert _breadth(root) == _breadth(unsharded_root)

    # Each shard kept its own users, and together they hold every user exactly once.
    layout = Layout(root)
    last = SAMPLE_START + timedelta(days=DAYS - 1)
    state_files = parts(layout.state(last))
    assert len(state_files) == 4 and recorded_count(layout.state(last).parent) == 4
    with duckdb.connect() as con:
        per_shard = [
            {u for (u,) in con.execute(f"select user_id from '{f}'").fetchall()}
            for f in state_files
        ]
        for index, users in enumerate(per_shard):
            assert users, f"shard {index} is empty"
            owner = Shard(index, 4).owns("user_id")
            strays = con.execute(
                f"select count(*) from '{state_files[index]}' where not ({owner})"
            ).fetchall()[0][0]
            assert strays == 0
    assert sum(len(users) for users in per_shard) == len(set().union(*per_shard))


@pytest.mark.parametrize("counts", [(1, 3, 2, 1), (2, 2, 4, 4)])
def test_the_shard_count_can_change_between_nights(
    sample, unsharded, unsharded_root, tmp_path, counts
) -> None:
    """A night reads the state an earlier night wrote with another count, and keeps its
    own users of it: an operator can add workers without rebuilding the window."""
    root = _copy_landing(sample, tmp_path)
    for offset, count in enumerate(counts):
        run_day(root, SAMPLE_START + timedelta(days=offset), shard_count=count)

    assert _warehouse_rows(root) == unsharded
    # Breadth (for the gaming step) is kept per shard of the people engaged: it adds up.
    assert _breadth(root) == _breadth(unsharded_root)


def test_a_rerun_with_another_count_ignores_the_files_of_the_first(
    sample, unsharded, tmp_path
) -> None:
    root = _copy_landing(sample, tmp_path)
    run_range(root, SAMPLE_START, SAMPLE_START + timedelta(days=DAYS - 1), shard_count=3)
    last = SAMPLE_START + timedelta(days=DAYS - 1)
    run_day(root, last, shard_count=2)  # leaves the three-shard files of the same night

    layout = Layout(root)
    assert layout.state(last).with_name("user_state.shard-2-of-3.parquet").exists()
    assert len(parts(layout.state(last))) == 2
    assert _warehouse_rows(root) == unsharded
