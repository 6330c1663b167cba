"""The ``clout`` command."""

from __future__ import annotations

import logging
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from transforms.layout import DEFAULT_DATA_ROOT

app = typer.Typer(
    help="clout: grade social-media influence on a curve, and catch people who game it.",
    no_args_is_help=True,
    add_completion=False,
)

DataRoot = Annotated[
    Path,
    typer.Option(
        "--data-root",
        help="Folder holding landing/, the lake and warehouse/ (env CLOUT_DATA_ROOT).",
        envvar="CLOUT_DATA_ROOT",
    ),
]


def setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    for noisy in ("great_expectations", "py4j"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _published_warehouse(data_root: Path) -> Path:
    from transforms.layout import Layout

    warehouse = Layout(data_root).warehouse
    if not warehouse.exists():
        raise typer.BadParameter(
            f"no warehouse at {warehouse}: run `clout run` first", param_hint="--data-root"
        )
    return warehouse


def _date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date like 2026-01-31", param_hint=option
        ) from None


@app.command()
def generate(
    data_root: DataRoot = DEFAULT_DATA_ROOT,
    users: Annotated[int, typer.Option(min=100, help="Users in the network.")] = 20_000,
    days: Annotated[int, typer.Option(min=1, help="Days of dumps to write.")] = 30,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2026-01-01",
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    family: Annotated[
        str,
        typer.Option(
            help="World family: classic, or one of transforms/worlds.py's "
            "(broadcast, conversation, crossnet, young).",
        ),
    ] = "classic",
) -> None:
    """Write a synthetic social network as daily dumps in the landing contract."""
    from transforms.generate import generate as generate_network
    from transforms.worlds import FAMILIES, generate_world

    if family != "classic" and family not in FAMILIES:
        raise typer.BadParameter(
            f"{family!r} is not one of: classic, {', '.join(FAMILIES)}", param_hint="--family"
        )
    setup_logging()
    began = time.monotonic()
    progress = lambda line: logging.info("generate %s", line)  # noqa: E731
    if family == "classic":
        summary = generate_network(
            data_root,
            users=users,
            days=days,
            start=_date(start, "--start"),
            seed=seed,
            progress=progress,
        )
    else:
        summary = generate_world(
            data_root,
            family,
            users=users,
            days=days,
            start=_date(start, "--start"),
            seed=seed,
            progress=progress,
        )
    typer.echo(
        f"Wrote {summary.events_written:,} events for {summary.users:,} users over "
        f"{summary.days} days to {Path(data_root) / 'landing'} in {time.monotonic() - began:.1f} s "
        f"(news day {summary.news_day}; {summary.bad_rows_injected:,} bad and "
        f"{summary.duplicate_rows_injected:,} duplicate rows injected)."
    )


@app.command()
def run(
    data_root: DataRoot = DEFAULT_DATA_ROOT,
    day: Annotated[str | None, typer.Option("--date", help="The one day to run.")] = None,
    start: Annotated[str | None, typer.Option(help="First day of a range.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of a range (inclusive).")] = None,
    shards: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Split the per-user steps into this many shards, run one after another "
            "(default: CLOUT_SHARDS, or 1). The warehouse is the same for any count.",
        ),
    ] = None,
) -> None:
    """Run the nightly job for one day (--date) or a range (--start/--end), in date order."""
    from transforms.pipeline import run_range
    from transforms.readiness import RerunRefused
    from transforms.shards import shard_count_from_env

    if day and (start or end):
        raise typer.BadParameter("give either --date or --start/--end, not both")
    if day:
        first = last = _date(day, "--date")
    elif start and end:
        first, last = _date(start, "--start"), _date(end, "--end")
    else:
        raise typer.BadParameter("give --date D, or --start D1 --end D2")
    setup_logging()
    began = time.monotonic()
    try:
        warehouse = run_range(data_root, first, last, shards or shard_count_from_env())
    except RerunRefused as refused:
        typer.echo(f"error: {refused}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Published {first} to {last} in {time.monotonic() - began:.1f} s: {warehouse}")


@app.command()
def bench(
    events: Annotated[
        int, typer.Option(min=1000, help="Events in the measured day.")
    ] = 100_000_000,
    users: Annotated[
        int, typer.Option(min=100, help="Users the events are spread over.")
    ] = 10_000_000,
    fmt: Annotated[
        str, typer.Option("--format", help="Input format: parquet, jsonl.gz, or both.")
    ] = "parquet",
    history_days: Annotated[
        int, typer.Option(min=1, help="Earlier days of the same size run first as full nights.")
    ] = 1,
    cache: Annotated[
        Path, typer.Option(help="Folder for the generated days, reused by later runs.")
    ] = Path(".bench/cache"),
    work: Annotated[Path, typer.Option(help="Folder for the measured data roots.")] = Path(
        ".bench/work"
    ),
    seed: Annotated[int, typer.Option(help="The same seed gives the same days.")] = 7,
    shards: Annotated[
        int, typer.Option(min=1, help="Shards the per-user steps run in, one after another.")
    ] = 1,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures here (JSON).")
    ] = None,
) -> None:
    """Time one full night on a synthetic day against the engine ceiling; print a table."""
    from transforms.bench import FORMATS, render_table, run_bench, write_json

    formats = list(FORMATS) if fmt == "both" else [fmt]
    if any(f not in FORMATS for f in formats):
        raise typer.BadParameter("give parquet, jsonl.gz or both", param_hint="--format")
    setup_logging()
    results = []
    for one in formats:
        result = run_bench(
            work, cache, events, users, one, history_days, seed, shards, progress=logging.info
        )
        typer.echo(render_table(result))
        results.append(result)
    target = json_out or work / "bench.json"
    for result in results:
        write_json(result, target.with_name(f"{target.stem}-{result.format}.json"))
    typer.echo(f"Figures written to {target.parent}/{target.stem}-<format>.json")


@app.command()
def summary(data_root: DataRoot = DEFAULT_DATA_ROOT) -> None:
    """Print what the published warehouse holds: counts, score spread, top users, flags."""
    from transforms.summary import render_summary

    typer.echo(render_summary(data_root))


@app.command()
def evaluate(
    data_root: DataRoot = DEFAULT_DATA_ROOT,
    truth: Annotated[
        Path | None,
        typer.Option(
            help="The generator's truth users.parquet (default: DIR/truth/users.parquet if any).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", help="The day to evaluate (default: the last one).")
    ] = None,
    higgs_source: Annotated[
        Path | None,
        typer.Option(
            "--higgs-source",
            help="The SNAP Higgs activity file, for the top-100 overlap (default: env "
            "CLOUT_HIGGS_FILE, on a Higgs replay without truth).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
) -> None:
    """Measure the published score: against the truth or Higgs, stability, archetypes."""
    from transforms.evaluate import EvaluationError
    from transforms.evaluate import evaluate as run_evaluation

    try:
        evaluation = run_evaluation(
            data_root,
            day=_date(day, "--date") if day else None,
            truth=truth,
            higgs_source=higgs_source,
        )
    except EvaluationError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(evaluation.report())


@app.command("evaluate-worlds")
def evaluate_worlds(
    families: Annotated[
        str | None,
        typer.Option(help="Comma list of world families (default: every one, classic included)."),
    ] = None,
    seeds: Annotated[str, typer.Option(help="Comma list of seeds; each family runs each.")] = (
        "1,2,3"
    ),
    users: Annotated[int, typer.Option(min=100, help="Users in each world.")] = 20_000,
    days: Annotated[
        int, typer.Option(min=2, help="Days of each world; the last is evaluated.")
    ] = 28,
    start: Annotated[str, typer.Option(help="First day of each world, YYYY-MM-DD.")] = "2026-01-01",
    work: Annotated[
        Path,
        typer.Option(
            help="Where the worlds are built, DIR/<family>-s<seed>/; a finished one is reused."
        ),
    ] = Path(".bench/worlds"),
    higgs_source: Annotated[
        Path | None,
        typer.Option(
            "--higgs-source",
            help="The SNAP Higgs activity file: also replay its week and report the overlap.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the report here (Markdown).")] = None,
    keep: Annotated[
        bool, typer.Option("--keep", help="Keep each world's dumps (landing/) once evaluated.")
    ] = False,
) -> None:
    """Build worlds of every family and seed, evaluate each, and report the worst per figure."""
    from transforms.worlds_eval import (
        all_families,
        quiet_step_logs,
        render_markdown,
        source_state,
    )
    from transforms.worlds_eval import evaluate_worlds as run_worlds

    chosen = [f.strip() for f in families.split(",") if f.strip()] if families else None
    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter(f"{seeds!r} is not a comma list of integers", "--seeds") from None
    first = _date(start, "--start")
    setup_logging()
    try:
        with quiet_step_logs():
            outcome = run_worlds(
                work,
                chosen or list(all_families()),
                seed_list,
                users,
                days,
                first,
                higgs_source=higgs_source,
                keep=keep,
            )
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    command = " ".join(
        [
            "clout evaluate-worlds",
            f"--families {','.join(outcome.families)}",
            f"--seeds {','.join(str(s) for s in seed_list)}",
            f"--users {users}",
            f"--days {days}",
            f"--start {first}",
            *([f"--higgs-source {higgs_source.name}"] if higgs_source else []),
        ]
    )
    markdown = render_markdown(outcome, command, source_state())
    typer.echo(markdown)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(markdown)
        typer.echo(f"Written to {out}; each world's figures are in {work}/<world>/evaluation.json")
    if outcome.failures:
        raise typer.Exit(1)


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SQL query over the warehouse's tables.")],
    data_root: DataRoot = DEFAULT_DATA_ROOT,
) -> None:
    """Run one read-only SQL query against the published warehouse and print the result."""
    import duckdb

    with duckdb.connect(str(_published_warehouse(data_root)), read_only=True) as con:
        con.sql(sql).show(max_rows=50, max_width=200)


@app.command()
def report(
    day: Annotated[str, typer.Option("--date", help="The day to report on.")],
    data_root: DataRoot = DEFAULT_DATA_ROOT,
) -> None:
    """Write the day's HTML report (reports/dt=D/index.html) from its outputs; print its path."""
    from transforms.report import ReportError, write_report

    setup_logging()
    try:
        typer.echo(write_report(data_root, _date(day, "--date")))
    except ReportError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def forget(
    user_id: Annotated[str, typer.Argument(help="The person to forget, as in scores.user_id.")],
    data_root: DataRoot = DEFAULT_DATA_ROOT,
) -> None:
    """Remove a person from everything clout keeps, and keep them out of every later run."""
    from transforms.erasure import forget as forget_person

    setup_logging()
    erasure = forget_person(data_root, user_id)
    typer.echo(
        f"Forgot the person (register entry {erasure.user_hash[:12]}): "
        f"{erasure.files_rewritten} of {erasure.files_scanned} Parquet files rewritten, "
        f"{erasure.rows_removed:,} rows removed, {erasure.text_files_rewritten} text files "
        f"scrubbed, {erasure.reports_written} reports and the warehouse written again, "
        f"in {erasure.seconds} s. The landing zone is the provider's: see README, Erasure."
    )


@app.command()
def export(
    user_id: Annotated[str, typer.Argument(help="The person, as in scores.user_id.")],
    data_root: DataRoot = DEFAULT_DATA_ROOT,
    out: Annotated[
        Path | None, typer.Option(help="The JSON file to write (default: ./clout-export-ID.json).")
    ] = None,
) -> None:
    """Write a person's scores, features, explanations and flags as JSON, for them."""
    from transforms.erasure import UnknownUser, export_person

    target = out or Path(f"clout-export-{re.sub(r'[^A-Za-z0-9_.-]', '_', user_id)}.json")
    try:
        typer.echo(export_person(data_root, user_id, target))
    except UnknownUser as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def dictionary(data_root: DataRoot = DEFAULT_DATA_ROOT) -> None:
    """Print the warehouse's data dictionary (every table, view and column) as Markdown."""
    from transforms.warehouse import dictionary_markdown

    typer.echo(dictionary_markdown(_published_warehouse(data_root)), nl=False)


@app.command()
def explain(
    user_id: Annotated[str, typer.Argument(help="The user to explain, as in scores.user_id.")],
    day: Annotated[
        str | None, typer.Option("--date", help="The day (default: the latest published one).")
    ] = None,
    data_root: DataRoot = DEFAULT_DATA_ROOT,
) -> None:
    """Print why a user's score is what it is on a day, and why it moved since yesterday."""
    from transforms.explain import ExplainError, render_card

    try:
        card = render_card(data_root, user_id, _date(day, "--date") if day else None)
    except ExplainError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(card)


@app.command()
def airflow(
    data_root: DataRoot = DEFAULT_DATA_ROOT,
    home: Annotated[
        Path,
        typer.Option(
            "--airflow-home",
            help="AIRFLOW_HOME: its SQLite database, logs and password (env AIRFLOW_HOME).",
            envvar="AIRFLOW_HOME",
        ),
    ] = Path(".airflow"),
    port: Annotated[int, typer.Option(help="Port of the api-server (the UI and REST API).")] = 8080,
) -> None:
    """Run Airflow locally (api-server, scheduler, dag-processor, triggerer) until Ctrl-C."""
    from transforms.airflow_stack import AirflowStackError, serve

    setup_logging()
    try:
        serve(home.resolve(), data_root, port)
    except AirflowStackError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None


# `import` is a Python keyword, hence a sub-app: `clout import higgs ...` leaves room for
# other real data sets beside it.
import_app = typer.Typer(
    help="Turn a real public data set into daily dumps in the landing contract.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


@import_app.command("higgs")
def import_higgs(
    source: Annotated[
        Path,
        typer.Option(
            "--source",
            help="The SNAP Higgs activity file, higgs-activity_time.txt.gz (read, never copied).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    data_root: DataRoot = DEFAULT_DATA_ROOT,
) -> None:
    """Replay the Higgs Twitter activity (1-7 July 2012) as seven daily dumps."""
    from transforms.higgs import HiggsFormatError
    from transforms.higgs import import_higgs as run_import

    try:
        summary = run_import(source, data_root)
    except (HiggsFormatError, FileExistsError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(summary.report())
    first, last = min(summary.events_by_day), max(summary.events_by_day)
    typer.echo(f"Next: clout run --data-root {data_root} --start {first} --end {last}")


if __name__ == "__main__":
    app()
