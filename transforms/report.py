"""The nightly report: ``<data_root>/reports/dt=D/index.html``, one self-contained page.

Today's curve against yesterday's, the archetype mix, the top movers with their reasons,
the flagged users with evidence, the data-quality results (linking the run's Great
Expectations Data Docs beside it) and the run's counts. No script, no font, no image from
the network: it opens from a file, a share or a phone. Publish writes it; ``clout report``
writes it again for any day.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import jinja2

from transforms import engine
from transforms.ingest import read_counts
from transforms.layout import Layout, partition
from transforms.quality import data_docs_dir
from transforms.warehouse import DAILY_TABLES, LATEST_SCHEMA, RUN_LOG_COLUMNS

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Rows shown of the movers and of the flags (the warehouse has them all).
MOVERS_SHOWN = 10
FLAGS_SHOWN = 25
# Percentiles printed under the curve.
CURVE_MARKS = (10, 25, 50, 75, 90, 95, 99, 100)


class ReportError(RuntimeError):
    """The day has no outputs to report on."""


def report_path(data_root: Path, day: date) -> Path:
    return Layout(data_root).root / "reports" / partition(day) / "index.html"


def write_report(data_root: Path, day: date) -> Path:
    """Write the day's report from its step outputs; return its path."""
    layout = Layout(data_root)
    began = time.monotonic()
    if not layout.scores(day).exists():
        raise ReportError(
            f"no scores for {day} under {layout.root}: run the night first "
            f"(clout run --data-root {layout.root} --date {day})"
        )
    with engine.connect(layout.duckdb_temp) as con:
        _day_views(con, layout, day)
        page = _render(con, layout, day)
    target = report_path(layout.root, day)
    engine.write_bytes(target, page.encode())
    log.info("report %s: %s in %.1f s", day, target, time.monotonic() - began)
    return target


def _day_views(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> None:
    """The day's outputs as the warehouse's latest.<table>, so the report runs the analysts'
    own views (sql/warehouse/) on any day; and the two days' scores for the curve."""
    con.execute(f"create schema {LATEST_SCHEMA}")
    for table in DAILY_TABLES:
        source = engine.parquet_source(getattr(layout, table)(day))
        con.execute(f"create view {LATEST_SCHEMA}.{table} as select * from {source}")
    engine.view(con, "scores_today", layout.scores(day))
    engine.view(
        con,
        "scores_yesterday",
        layout.scores(day - timedelta(days=1)),
        empty_schema="score double, archetype varchar",
    )


def _rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    return engine.rows_as_dicts(con.execute(query))


def _render(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> str:
    curve = _rows(con, engine.sql("report/curve"))
    has_yesterday = curve[0]["yesterday_score"] is not None
    archetypes = _rows(con, engine.sql("report/archetype_shift"))
    movers = _rows(
        con,
        f"select * from ({engine.sql('warehouse/top_movers')}) "
        f"order by mover_rank limit {MOVERS_SHOWN}",
    )
    review = f"({engine.sql('warehouse/flag_review')})"
    flags = _rows(
        con,
        f"select * from {review} order by severity, points_held_out desc nulls last, "
        f"user_id, rule limit {FLAGS_SHOWN}",
    )
    flags_total = con.execute(f"select count(*) from {review}").fetchall()[0][0]
    run = _last_run(con, layout, day)
    checks = engine.read_json(layout.checks(day)) if layout.checks(day).exists() else None
    docs = data_docs_dir(layout.root, day) / "index.html"
    template = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    ).get_template("report.html")
    return template.render(
        day=day,
        yesterday=day - timedelta(days=1),
        written_at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        run=run or {},
        counts=_counts(run),
        # The ingest step's own reconciliation, from its counts file.
        reconciles=(
            read_counts(layout.root, day).reconciles if layout.ingest_counts(day).exists() else None
        ),
        plot=_plot(curve, has_yesterday),
        has_yesterday=has_yesterday,
        curve_marks=[point for point in curve if point["percentile"] in CURVE_MARKS],
        archetypes=archetypes,
        max_archetype_users=max((row["users"] for row in archetypes), default=1) or 1,
        movers=movers,
        flags=flags,
        flags_total=flags_total,
        checks=checks,
        suites=_suites(checks),
        # Relative, so the link survives a copy of the reports folder.
        data_docs="data_docs/index.html" if docs.exists() else None,
    )


def _last_run(con: duckdb.DuckDBPyConnection, layout: Layout, day: date) -> dict | None:
    files = sorted(layout.run_log_dir(day).glob("run-*.parquet"))
    if not files:
        return None
    source = engine.parquet_source(files, union_by_name=True)
    rows = _rows(con, f"select * from {source} order by started_at desc limit 1")
    return {**dict.fromkeys(RUN_LOG_COLUMNS), **rows[0]}


def _counts(run: dict | None) -> list[tuple[str, str]]:
    if not run or run.get("events_read") is None:
        return []
    shown = (
        ("events read", "events_read"),
        ("accepted", "events_accepted"),
        ("quarantined", "events_quarantined"),
        ("duplicates", "events_duplicate"),
        ("erased", "events_erased"),
        ("late", "events_late"),
        ("files quarantined", "files_quarantined"),
        ("users scored", "users_scored"),
        ("gaming flags", "gaming_flags"),
    )
    return [(label, f"{run[key]:,}") for label, key in shown if run[key] is not None]


def _suites(checks: dict | None) -> list[dict[str, Any]]:
    if not checks:
        return []
    evaluated = Counter(result["suite"] for result in checks["results"])
    failed = Counter(result["suite"] for result in checks["results"] if not result["success"])
    return [
        {"name": suite, "evaluated": evaluated[suite], "failed": failed[suite]}
        for suite in sorted(evaluated)
    ]


def _plot(curve: list[dict[str, Any]], has_yesterday: bool) -> dict[str, Any]:
    """Screen coordinates of the two curves (percentile across, score up, 1-100)."""
    width, height = 640, 320
    left, right, top, bottom = 48, width - 12, 12, height - 36

    def x(percentile: float) -> float:
        return left + (right - left) * percentile / 100

    def y(score: float) -> float:
        return bottom - (bottom - top) * (score - 1) / 99

    def points(column: str) -> str:
        return " ".join(
            f"{x(p['percentile']):.1f},{y(p[column]):.1f}" for p in curve if p[column] is not None
        )

    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "today": points("today_score"),
        "yesterday": points("yesterday_score") if has_yesterday else "",
        "x_ticks": [{"x": x(p), "label": str(p)} for p in range(0, 101, 20)],
        "y_ticks": [{"y": y(s), "label": str(s)} for s in (1, 20, 40, 60, 80, 100)],
    }
