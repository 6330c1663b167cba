"""
# clout_nightly

Grades every user's social-media influence for one day and flags score gaming.
The run whose data interval is `[D 00:00, D+1 00:00)` UTC processes the dump
`<CLOUT_DATA_ROOT>/landing/dt=D/` and publishes `<CLOUT_DATA_ROOT>/warehouse/clout.duckdb`.

| task | what it does |
|---|---|
| `wait_for_inputs` | waits (reschedule mode, up to 12 h, then fails saying what is missing) for the dump's `_SUCCESS` marker and for night D-1 to be published, up to date and not queued to run again: day D's 90-day state is built on D-1's, so the nights of a backfill run in date order even when several runs are allowed at once. Refuses at once a rerun that would leave later published nights stale (below) |
| `ingest` | validates every row against the landing contract; bad rows go to `quarantine/dt=D/` with a reason; duplicate `event_id`s (today's, or accepted on the 89 days before with a timestamp on the same date) are counted, not loaded |
| `safety_brake` | stops the night, without retrying, when more than `CLOUT_MAX_QUARANTINE_SHARE` (default 5%) of the rows were quarantined or a network that sent data on each of the last 7 days sent none; the message names the cause |
| `gaming_groups` | searches the day's (actor, target, post, time) edges for bought followers, like farms (lockstep), engagement pods and sock puppets; writes `gaming_groups/dt=D/` and the pairs whose engagement the score holds out for 90 days |
| `plan_shards` | splits the users into `CLOUT_SHARDS` shards (default 1) by a hash of `user_id`: `features` and `state` run once per shard, as mapped tasks a Celery or Kubernetes deployment spreads over workers |
| `features` (mapped) | per-user counts of what each user gave and received that day (per network too, and the part held out as gaming), and their topics |
| `state` (mapped) | each user's 90-day memory: yesterday's state + today - the day leaving the window; the 90-day reach (distinct people) it gives |
| `score` | signals (reach, amplification, network impact, audience), raw score, grade on one curve over every shard's users |
| `archetypes` | one of the 16 Klout styles from the four axes and the score level |
| `gaming` | robust-z jumps against the user's own history and the population, each attributed (new, narrow, grouped accounts; network; response time) and flagged only when gaming carried it; flags every account of a gaming group |
| `checks` | Great Expectations suites in `expectations/`; a failed critical check stops the night before it publishes, leaving the previous night's warehouse in place |
| `publish` | links the day's files into `published/` and swaps in a new warehouse file atomically (the latest day's tables inside it, views over the rest); adds a `run_log` row; writes the night's report, `reports/dt=D/index.html` |

Tasks hand each other file paths only. Every task is idempotent: clearing and rerunning
any task, or the whole run, gives the same rows. Logic lives in `transforms/`.

**Run parameters** (Trigger → advanced, or a backfill's run conf): `from_scratch` (boolean,
default off) deletes everything the night wrote under the data root for its day before
ingesting the dump again; the dump and what is published stay.

**Rerunning earlier nights.** Night D's state is built on D-1's, so republishing a night
makes every later published night stale. A run of night D therefore fails at once, without
retrying and with a `failed` run_log line, when later nights are published and not all of
them are queued to run again after it; nothing is written. Backfill from D through the
latest published night with reprocess behaviour "All Runs" (several runs at once is fine:
each night waits for the one before), or clear D's run with its future runs. If such a
backfill stops part way, the nights after the failure stay published but stale: the next
night waits for them (`clout summary` lists them) until the failed night is cleared.

**When a task fails** (after its retries, or at once for the safety brake and a failed
critical check), a `failed` line with the task and its error is added to `run_log`; the
published tables keep the previous night. Clearing the failed task, or the next retry,
recovers without any manual clean-up.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from airflow.sdk import (
    CronDataIntervalTimetable,
    Param,
    PokeReturnValue,
    dag,
    get_current_context,
    task,
)

DAG_ID = "clout_nightly"
# transforms.readiness gives up after its WAIT_LIMIT (12 h) with a message that says what
# is missing; Airflow's own sensor timeout, a little later, only backs it up.
SENSOR_TIMEOUT = timedelta(hours=12, minutes=5)


def _record_failure(context: dict) -> None:
    """A failed task adds a `failed` line to run_log (the task and its error)."""
    import logging

    from transforms.publish import record_failure

    ti = context["ti"]
    try:
        record_failure(
            _data_root(),
            context["data_interval_start"].date(),
            ti.task_id,
            str(context.get("exception") or "failed"),
        )
    except Exception:
        # The failure itself is what matters; never hide it behind the callback's.
        logging.getLogger(__name__).exception("could not write the run_log failure line")


RETRIES = {
    "on_failure_callback": _record_failure,
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def _run_date() -> date:
    return get_current_context()["data_interval_start"].date()


def _data_root() -> Path:
    from transforms.layout import data_root_from_env

    return data_root_from_env()


@dag(
    dag_id=DAG_ID,
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    # Steps write the day's files and the warehouse; one night at a time keeps a
    # single writer. Backfills have their own limit, hence the ordering sensor too.
    max_active_runs=1,
    default_args={"owner": "clout", **RETRIES},
    doc_md=__doc__,
    tags=["clout", "nightly"],
    params={
        "from_scratch": Param(
            False,
            type="boolean",
            title="Rerun the night from scratch",
            description=(
                "Delete everything this night wrote under the data root (events, "
                "quarantine, features, state, scores, flags, checks) before ingesting its "
                "dump again. The dump and what is published stay. Leave off for a normal "
                "rerun: every step overwrites its own outputs anyway."
            ),
        ),
    },
)
def clout_nightly():
    @task.sensor(poke_interval=60, timeout=SENSOR_TIMEOUT.total_seconds(), mode="reschedule")
    def wait_for_inputs() -> PokeReturnValue:
        import logging

        from airflow.sdk.exceptions import AirflowFailException

        from transforms.readiness import night_can_start

        context = get_current_context()
        ti = context["ti"]
        day = _run_date()
        now = datetime.now(UTC)
        # In reschedule mode each poke is a new try; the wait counts from the first one.
        waited = now - (ti.get_first_reschedule_date(context) or now)
        readiness = night_can_start(
            _data_root(),
            day,
            waited=waited,
            runs_in_flight=lambda nights: ti.get_dr_count(
                dag_id=DAG_ID, logical_dates=nights, states=["queued", "running"]
            ),
        )
        if readiness.refused or readiness.give_up:
            # Neither a refusal nor a dump missing for 12 hours mends itself on a retry.
            raise AirflowFailException(readiness.message(day, waited))
        if not readiness.ready:
            logging.getLogger(__name__).info(
                "night %s is waiting for %s", day, readiness.waiting_for
            )
        return PokeReturnValue(is_done=readiness.ready, xcom_value=day.isoformat())

    @task
    def ingest(day: str) -> str:
        from transforms.ingest import ingest_day
        from transforms.layout import Layout
        from transforms.pipeline import clear_day

        if get_current_context()["params"]["from_scratch"]:
            clear_day(_data_root(), date.fromisoformat(day))
        ingest_day(_data_root(), date.fromisoformat(day))
        return str(Layout(_data_root()).events(date.fromisoformat(day)))

    @task
    def safety_brake(events: str) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from transforms.brake import SafetyBrakeEngaged, apply_safety_brake

        try:
            apply_safety_brake(_data_root(), _run_date())
        except SafetyBrakeEngaged as brake:
            # The dump will not mend itself between retries: fail now, with the cause.
            raise AirflowFailException(str(brake)) from brake
        return events

    @task
    def gaming_groups(events: str) -> str:
        from transforms.groups import detect_gaming_groups

        return str(detect_gaming_groups(_data_root(), _run_date()))

    @task
    def plan_shards(gaming_groups: str) -> list[dict]:
        from transforms.shards import shard_count_from_env

        count = shard_count_from_env()
        return [{"index": index, "count": count} for index in range(count)]

    @task
    def features(shard: dict) -> dict:
        from transforms.features import build_daily_features
        from transforms.shards import Shard

        path = build_daily_features(_data_root(), _run_date(), Shard(**shard))
        return {"shard": shard, "daily_features": str(path)}

    @task
    def state(daily_features: dict) -> str:
        from transforms.shards import Shard
        from transforms.state import update_state

        return str(update_state(_data_root(), _run_date(), Shard(**daily_features["shard"])))

    @task
    def score(user_state: list[str]) -> str:
        from transforms.scoring import score_users

        return str(score_users(_data_root(), _run_date()))

    @task
    def archetypes(graded: str) -> str:
        from transforms.scoring import assign_archetypes

        return str(assign_archetypes(_data_root(), _run_date()))

    @task
    def gaming(scores: str) -> str:
        from transforms.gaming import flag_gaming

        return str(flag_gaming(_data_root(), _run_date()))

    @task
    def checks(gaming_flags: str) -> str:
        from airflow.sdk.exceptions import AirflowFailException

        from transforms.quality import QualityCheckFailed, check_quality

        try:
            return str(check_quality(_data_root(), _run_date()))
        except QualityCheckFailed as failed:
            # Rerunning the same checks on the same files gives the same answer.
            raise AirflowFailException(str(failed)) from failed

    @task
    def publish(check_results: str) -> str:
        from transforms.publish import publish as publish_night

        started_at = get_current_context()["dag_run"].start_date
        return str(publish_night(_data_root(), _run_date(), started_at))

    day = wait_for_inputs()
    events = safety_brake(ingest(day))
    shards = plan_shards(gaming_groups(events))
    user_state = state.expand(daily_features=features.expand(shard=shards))
    publish(checks(gaming(archetypes(score(user_state)))))


clout_nightly()
