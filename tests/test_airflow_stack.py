"""The real Airflow components over this repo's DAG: backfills through the REST API and CLI.

Starts api-server, scheduler, dag-processor and triggerer (transforms/airflow_stack.py,
what `make airflow` runs) on free ports with a fresh AIRFLOW_HOME, submits a three-night
backfill with the UI dialog's defaults (reprocess none, several runs at once), waits for
it, and checks that the warehouse holds exactly what `clout run` gives for the same nights;
checks that rerunning the first night alone is refused (the two after it would be left
stale); then reruns all three with `airflow backfill create` (reprocess completed, several
at once) and checks the warehouse again. Then it stops the stack and checks no process is left. The
metadata database is the embedded SQLite, or, with CLOUT_TEST_AIRFLOW_DATABASE_URL set
(CI, through scripts/test_postgres.sh), a fresh PostgreSQL database.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb
import pytest

from tests.conftest import airflow_stack, generate_network
from transforms.airflow_stack import AirflowStack, AirflowStackError
from transforms.layout import Layout
from transforms.pipeline import run_range
from transforms.publish import stale_dates

FIRST, LAST = date(2026, 1, 1), date(2026, 1, 3)
BACKFILL_TIMEOUT_S = 900
T = TypeVar("T")


def scores(data_root: Path) -> list[tuple]:
    with duckdb.connect(str(Layout(data_root).warehouse), read_only=True) as con:
        return con.execute(
            "select score_date, user_id, score, percentile, archetype, raw_score "
            "from scores order by score_date, user_id"
        ).fetchall()


def wait_for_backfill_runs(stack: AirflowStack, count: int, what: str) -> list[dict]:
    """Wait until ``count`` backfill runs exist and all have finished; return them."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while True:
        runs = backfill_runs(stack)
        states = [(run["data_interval_start"][:10], run["state"]) for run in runs]
        if len(runs) == count and all(state in ("success", "failed") for _, state in states):
            return runs
        assert time.monotonic() < deadline, f"{what} still at {sorted(states)}"
        time.sleep(10)


def backfill_runs(stack: AirflowStack) -> list[dict]:
    runs = stack.api("GET", "dags/clout_nightly/dagRuns?limit=50")["dag_runs"]
    return [run for run in runs if run["run_type"] == "backfill"]


def while_database_locked(call: Callable[[], T]) -> T:
    """On SQLite, Airflow refuses a backfill while the scheduler holds the database (the
    REST API answers 503 "Database is locked", the CLI fails with it); an operator tries
    again, so does the test."""
    for attempt in range(20):
        try:
            return call()
        except AirflowStackError as error:
            busy = "503" in str(error) or "locked" in str(error).lower()
            if not busy or attempt == 19:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


def submit_backfill(stack: AirflowStack, body: dict) -> dict:
    return while_database_locked(lambda: stack.api("POST", "backfills", body))


def wait_for_backfill_completed(stack: AirflowStack, backfill_id: int) -> None:
    """Airflow allows one running backfill a DAG; the scheduler closes one a moment after
    its last run ends."""
    deadline = time.monotonic() + BACKFILL_TIMEOUT_S
    while not stack.api("GET", f"backfills/{backfill_id}")["completed_at"]:
        assert time.monotonic() < deadline, f"backfill {backfill_id} never completed"
        time.sleep(5)


def warehouse_rows(data_root: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(Layout(data_root).warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.timeout(2 * BACKFILL_TIMEOUT_S + 300)
def test_rest_and_cli_backfills_give_the_warehouse_clout_run_gives(
    tmp_path: Path, metadata_database_url: str | None
):
    airflow_root = tmp_path / "airflow-data"
    generate_network(airflow_root, users=400, days=3, seed=5)
    reference_root = tmp_path / "reference-data"
    shutil.copytree(airflow_root / "landing", reference_root / "landing")
    run_range(reference_root, FIRST, LAST)

    stack = airflow_stack(tmp_path, airflow_root, metadata_database_url)
    with stack:
        pids = [process.pid for process in stack.processes.values()]
        stack.wait_for_dag()
        # A paused DAG queues a backfill's runs but never starts them.
        stack.api("PATCH", "dags/clout_nightly", {"is_paused": False})
        body = {
            "dag_id": "clout_nightly",
            "from_date": f"{FIRST}T00:00:00Z",
            "to_date": f"{LAST}T00:00:00Z",
            "reprocess_behavior": "none",
            "max_active_runs": 10,
            "run_backwards": False,
            "dag_run_conf": {},
        }
        backfill = submit_backfill(stack, body)
        runs = wait_for_backfill_runs(stack, 3, f"REST backfill {backfill['id']}")
        # Each night starts only once the one before it is published.
        intervals = {run["data_interval_start"][:10]: run for run in runs}
        assert sorted(intervals) == [str(FIRST), "2026-01-02", str(LAST)]
        assert {run["state"] for run in runs} == {"success"}
        ends = [intervals[day]["end_date"] for day in sorted(intervals)]
        assert ends == sorted(ends)
        first_pass = scores(airflow_root)

        wait_for_backfill_completed(stack, backfill["id"])

        # Rerunning the first night alone would leave the two after it stale: refused at
        # once, with a run_log line saying what to do, and nothing else changes.
        refused = submit_backfill(stack, {**body, "to_date": body["from_date"],
                                          "reprocess_behavior": "completed"})  # fmt: skip
        wait_for_backfill_completed(stack, refused["id"])
        runs = {run["data_interval_start"][:10]: run["state"] for run in backfill_runs(stack)}
        assert runs == {str(FIRST): "failed", "2026-01-02": "success", str(LAST): "success"}
        assert scores(airflow_root) == first_pass
        (refusal,) = warehouse_rows(
            airflow_root, "select run_date, failed_task, error from run_log where status = 'failed'"
        )
        assert refusal[:2] == (FIRST, "wait_for_inputs")
        assert "refusing to rerun night 2026-01-01: 2 later nights" in refusal[2]
        assert "Backfill from 2026-01-01 through 2026-01-03" in refusal[2]

        # The CLI, rerunning all three nights ("All Runs", as after a partner re-sends
        # dumps) with several runs allowed at once: they still go in date order.
        rerun_all = (
            "backfill", "create", "--dag-id", "clout_nightly",
            "--from-date", str(FIRST), "--to-date", str(LAST),
            "--reprocess-behavior", "completed", "--max-active-runs", "3",
        )  # fmt: skip
        while_database_locked(lambda: stack.airflow(*rerun_all))
        (cli_backfill,) = [
            b for b in stack.api("GET", "backfills?dag_id=clout_nightly")["backfills"]
            if b["id"] not in (backfill["id"], refused["id"])
        ]  # fmt: skip
        wait_for_backfill_completed(stack, cli_backfill["id"])
        # "completed" clears and reruns the existing runs (their try numbers go up).
        runs = wait_for_backfill_runs(stack, 3, "CLI backfill")
        assert {run["state"] for run in runs} == {"success"}
        reruns = {run["data_interval_start"][:10]: run for run in runs}
        ends = [reruns[day]["end_date"] for day in sorted(reruns)]
        assert ends == sorted(ends)
        published = Layout(airflow_root).manifest.read_text()
        for day in (FIRST, "2026-01-02", LAST):
            assert published.count(f"run_log/dt={day}/") == 2 + (day == FIRST), day
        assert stale_dates(airflow_root) == []
    assert not [pid for pid in pids if alive(pid)]
    assert first_pass == scores(reference_root)
    assert scores(airflow_root) == scores(reference_root)
    assert {row[0] for row in scores(airflow_root)} == {FIRST, date(2026, 1, 2), LAST}
