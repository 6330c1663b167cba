"""Run ``clout_nightly`` through Airflow for each day of a range, in date order.

This is what ``make run`` uses: Airflow's own ``dag.test()`` on the embedded default
(SQLite metadata database in ``.airflow/``), in one process so Airflow starts once.
Usage: python scripts/airflow_replay.py --data-root DIR --start D1 (--end D2 | --days N)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def configure_airflow(airflow_home: Path, data_root: Path) -> None:
    """Point Airflow at the repo's DAGs and an embedded SQLite database, before import."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ["AIRFLOW_HOME"] = str(airflow_home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
    os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
    # Airflow logs hundreds of lines a night at INFO; this script prints one line a
    # night with the counts instead. Warnings, errors and tracebacks still show.
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    os.environ["CLOUT_DATA_ROOT"] = str(data_root.resolve())


def night_counts(data_root: Path, day: date) -> str:
    import duckdb

    from transforms.ingest import read_counts
    from transforms.layout import Layout

    layout = Layout(data_root)
    counts = read_counts(data_root, day)
    with duckdb.connect() as con:
        users, flags = (
            con.execute(
                "select count(*) from read_parquet(?, hive_partitioning = false)", [str(path)]
            ).fetchone()[0]
            for path in (layout.scores(day), layout.gaming_flags(day))
        )
    return (
        f"read {counts.events_read:,} = accepted {counts.events_accepted:,} + quarantined "
        f"{counts.events_quarantined:,} + duplicate {counts.events_duplicate:,}; "
        f"{users:,} users scored, {flags:,} flags"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=Path("data"))
    parser.add_argument("--start", type=date.fromisoformat, required=True)
    last = parser.add_mutually_exclusive_group(required=True)
    last.add_argument("--end", type=date.fromisoformat, help="last day, inclusive")
    last.add_argument("--days", type=int, help="number of days from --start")
    parser.add_argument("--airflow-home", type=Path, default=REPO / ".airflow")
    args = parser.parse_args()
    end = args.end or args.start + timedelta(days=args.days - 1)
    configure_airflow(args.airflow_home.resolve(), args.data_root)

    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import initdb

    began = time.monotonic()
    initdb()
    bag = DagBag(dag_folder=str(REPO / "dags"))
    if bag.import_errors:
        for path, error in bag.import_errors.items():
            print(f"DAG import error in {path}:\n{error}", file=sys.stderr)
        return 1
    dag = bag.get_dag("clout_nightly")
    print(f"airflow ready in {time.monotonic() - began:.1f} s (AIRFLOW_HOME={args.airflow_home})")

    day = args.start
    while day <= end:
        night_began = time.monotonic()
        # dag.test infers a manual run's data interval as the last one that ended by its
        # logical date, so the night of D is asked for at D+1 00:00 UTC.
        interval_end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        run = dag.test(logical_date=interval_end)
        state = str(getattr(run, "state", "unknown"))
        print(
            f"clout_nightly {day}: {state} in {time.monotonic() - night_began:.1f} s"
            + (f"; {night_counts(args.data_root, day)}" if state == "success" else ""),
            flush=True,
        )
        if state != "success":
            print(
                f"the night of {day} did not succeed; the task logs above say why. "
                f"Fix it, then rerun from {day}.",
                file=sys.stderr,
            )
            return 1
        day += timedelta(days=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
