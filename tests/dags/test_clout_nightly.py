"""The DAG loads, follows the house policy, and runs nights through Airflow itself."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SAMPLE_START, generate_network
from transforms.layout import Layout
from transforms.pipeline import run_range

EXPECTED_TASKS = [
    "wait_for_inputs",
    "ingest",
    "safety_brake",
    "gaming_groups",
    "plan_shards",
    "features",
    "state",
    "score",
    "archetypes",
    "gaming",
    "checks",
    "publish",
]


@pytest.fixture(scope="module")
def dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    assert not bag.import_errors, bag.import_errors
    return bag.get_dag("clout_nightly")


def test_dag_is_a_nightly_data_interval_schedule(dag) -> None:
    from airflow.sdk import CronDataIntervalTimetable

    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 0 * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert not dag.catchup
    assert dag.max_active_runs == 1
    assert dag.doc_md and "wait_for_inputs" in dag.doc_md


def test_tasks_run_as_one_chain_in_the_documented_order(dag) -> None:
    order = []
    task = dag.get_task("wait_for_inputs")
    while task is not None:
        order.append(task.task_id)
        downstream = list(task.downstream_list)
        assert len(downstream) <= 1
        task = downstream[0] if downstream else None
    assert order == EXPECTED_TASKS


def test_every_task_retries_with_backoff(dag) -> None:
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff, task.task_id


def test_the_sensor_reschedules_instead_of_holding_a_worker(dag) -> None:
    sensor = dag.get_task("wait_for_inputs")
    assert sensor.mode == "reschedule"
    assert sensor.timeout > 0


def test_the_per_user_steps_are_mapped_over_the_shards(dag) -> None:
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("features"), MappedOperator)
    assert isinstance(dag.get_task("state"), MappedOperator)
    for task_id in ("ingest", "gaming_groups", "score", "publish"):
        assert not isinstance(dag.get_task(task_id), MappedOperator), task_id


@pytest.mark.slow
def test_dag_runs_nights_through_airflow_like_clout_run(dag, tmp_path: Path, monkeypatch) -> None:
    """Airflow runs the same steps as clout run: the same scores, here with the per-user
    steps mapped over three shards against one shard on the command line."""
    sample = generate_network(tmp_path / "sample", users=400, days=3, seed=3)
    through_airflow = tmp_path / "airflow"
    shutil.copytree(sample / "landing", through_airflow / "landing")
    monkeypatch.setenv("CLOUT_DATA_ROOT", str(through_airflow))
    monkeypatch.setenv("CLOUT_SHARDS", "3")
    for offset in range(3):
        interval_end = datetime(2026, 1, 2, tzinfo=UTC) + timedelta(days=offset)
        run = dag.test(logical_date=interval_end)
        assert str(run.state) == "success", f"night {offset + 1} ended {run.state}"
    day_one_state = Layout(through_airflow).state(SAMPLE_START)
    assert day_one_state.with_name("user_state.shard-2-of-3.parquet").exists()

    without_airflow = tmp_path / "cli"
    shutil.copytree(sample / "landing", without_airflow / "landing")
    run_range(without_airflow, SAMPLE_START, SAMPLE_START + timedelta(days=2))

    query = "select * exclude (model_version) from scores order by user_id, score_date"
    with duckdb.connect(str(Layout(through_airflow).warehouse), read_only=True) as con:
        airflow_scores = con.execute(query).fetchall()
        days = con.execute("select count(distinct score_date) from scores").fetchone()[0]
    with duckdb.connect(str(Layout(without_airflow).warehouse), read_only=True) as con:
        cli_scores = con.execute(query).fetchall()
    assert days == 3
    assert airflow_scores == cli_scores


def test_a_run_can_start_from_scratch_and_every_task_logs_its_failure(dag) -> None:
    param = dag.params.get_param("from_scratch")
    assert param.value is False
    assert param.schema["type"] == "boolean"
    assert "from scratch" in param.schema["title"]
    for task in dag.tasks:
        callbacks = task.on_failure_callback
        # A mapped task keeps the callback as given; a plain one holds a list.
        callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
        assert [cb.__name__ for cb in callbacks] == ["_record_failure"], task
