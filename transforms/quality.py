"""Step 7, data-quality checks: Great Expectations suites from ``expectations/``.

Each suite guards one compact table of the day (never the raw events). An expectation
of GX severity ``critical`` stops the publish when it fails, so yesterday's warehouse
stays in place; ``warning`` ones are logged and kept in the results. Every run also
renders GX's HTML Data Docs of the suites and their results under
``<data_root>/reports/dt=D/data_docs/``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from transforms import engine
from transforms.ingest import read_counts
from transforms.layout import Layout, partition
from transforms.scoring import PREV_SCORES_SCHEMA

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"
# How many days before the run date the batch_profile suite compares today with.
TRAILING_DAYS = 7
PROFILE_SCHEMA = (
    "network varchar, action varchar, events bigint, distinct_actors bigint, "
    "distinct_targets bigint, late_events bigint, tagged_events bigint"
)
DOCS_SITE = "clout"


class QualityCheckFailed(RuntimeError):
    """A critical expectation failed: the day must not be published."""


@dataclass(frozen=True)
class CheckResult:
    suite: str
    expectation: str
    column: str | None
    critical: bool
    success: bool
    observed: Any

    def describe(self) -> str:
        target = f" on {self.column}" if self.column else ""
        return f"{self.suite}: {self.expectation}{target} (observed {self.observed})"


def data_docs_dir(data_root: Path, day: date) -> Path:
    """Where ``check_quality`` writes the day's Data Docs site (``index.html`` inside)."""
    return Layout(data_root).root / "reports" / partition(day) / "data_docs"


def check_quality(data_root: Path, day: date) -> Path:
    """Validate the day's outputs; write results and Data Docs; raise if a critical one failed.

    The Data Docs site is built beside its final place and swapped in whole, so a reader
    never sees half of it; failing to render it is logged, never a reason to stop.
    """
    layout = Layout(data_root)
    started = time.monotonic()
    frames = _frames(layout, day)
    docs = data_docs_dir(layout.root, day)
    building = engine.temporary_sibling(docs)
    index = None
    try:
        results = validate(frames, data_docs=building, run_name=day.isoformat())
        if (building / "index.html").exists():
            _replace_dir(building, docs)
            index = docs / "index.html"
    finally:
        shutil.rmtree(building, ignore_errors=True)
    failed = [r for r in results if not r.success]
    critical = [r for r in failed if r.critical]
    engine.write_json(
        layout.checks(day),
        {
            "run_date": day,
            "passed": not critical,
            "data_docs": str(index) if index else None,
            "evaluated": len(results),
            "failed_critical": [r.describe() for r in critical],
            "failed_warning": [r.describe() for r in failed if not r.critical],
            "results": [r.__dict__ for r in results],
        },
    )
    for warning in (r for r in failed if not r.critical):
        log.warning("check %s: warning: %s", day, warning.describe())
    log.info(
        "checks %s: %d expectations, %d failed (%d critical) in %.1f s",
        day,
        len(results),
        len(failed),
        len(critical),
        time.monotonic() - started,
    )
    if critical:
        raise QualityCheckFailed(
            f"{len(critical)} critical data-quality check(s) failed for {day}, so it is not "
            f"published and the warehouse keeps the previous night: "
            + "; ".join(r.describe() for r in critical)
            + f". Details: {layout.checks(day)}"
        )
    return layout.checks(day)


def _frames(layout: Layout, day: date) -> dict[str, pd.DataFrame]:
    counts = read_counts(layout.root, day)
    run_counts = pd.DataFrame([counts.__dict__])
    run_counts["events_accounted"] = (
        run_counts.events_accepted
        + run_counts.events_quarantined
        + run_counts.events_duplicate
        + run_counts.events_erased
    )
    run_counts["quarantine_rate"] = run_counts.events_quarantined / run_counts.events_read.clip(
        lower=1
    )
    with engine.connect(layout.duckdb_temp) as con:
        scores = con.execute(f"select * from {engine.parquet_source(layout.scores(day))}").df()
        features = con.execute(
            "select user_id, reach, amplification, network_impact, audience, participating, "
            f"creating, broad, consistent, top_topic, content_items "
            f"from {engine.parquet_source(layout.user_features(day))}"
        ).df()
        engine.view(con, "today_scores", layout.scores(day))
        engine.view(con, "prev_scores", layout.scores(day - timedelta(days=1)), PREV_SCORES_SCHEMA)
        drift = con.execute(engine.sql("quality/score_drift")).df()
        jumps = con.execute(
            "select user_id, rule, verdict, suspicious_share "
            f"from {engine.parquet_source(layout.gaming_jumps(day))}"
        ).df()
        profile = batch_profile_vs_trailing(con, layout, day)
    return {
        "run_counts": run_counts,
        "scores": scores,
        "user_features": features,
        "score_drift": drift,
        "batch_profile": profile,
        "gaming_jumps": jumps,
    }


def batch_profile_vs_trailing(con: Any, layout: Layout, day: date) -> pd.DataFrame:
    """Today's batch profile beside the trailing days' (the few tiny files that exist)."""
    engine.view(con, "today_profile", layout.batch_profile(day))
    trailing = [
        (earlier, layout.batch_profile(earlier))
        for earlier in (day - timedelta(days=n) for n in range(1, TRAILING_DAYS + 1))
        if layout.batch_profile(earlier).exists()
    ]
    if trailing:
        union = " union all by name ".join(
            f"select ?::date as profile_date, * from {engine.parquet_source(path)}"
            for _, path in trailing
        )
        con.execute(
            f"create or replace temp table trailing_profiles as {union}", [d for d, _ in trailing]
        )
    else:
        con.execute(
            f"create or replace temp table trailing_profiles (profile_date date, {PROFILE_SCHEMA})"
        )
    return con.execute(engine.sql("quality/batch_profile_vs_trailing")).df()


def validate(
    frames: dict[str, pd.DataFrame], data_docs: Path | None = None, run_name: str = "clout"
) -> list[CheckResult]:
    """Run ``expectations/<name>.json`` over each frame ``name``.

    With ``data_docs``, GX also renders its HTML Data Docs of the suites and this run's
    results into that folder (``index.html`` at its top).
    """
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if data_docs is not None:
        context.add_data_docs_site(
            DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(data_docs),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
                "show_how_to_buttons": False,
                "site_section_builders": {"profiling": "None"},
            },
        )
    source = context.data_sources.add_pandas("clout")
    run_id = gx.RunIdentifier(run_name=run_name)
    results = []
    for suite_name, frame in frames.items():
        suite_json = json.loads((EXPECTATIONS_DIR / f"{suite_name}.json").read_text())
        suite = context.suites.add(gx.ExpectationSuite(**suite_json))
        batch_definition = source.add_dataframe_asset(
            suite_name
        ).add_batch_definition_whole_dataframe("day")
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite_name, data=batch_definition, suite=suite)
        )
        # A suite whose meta names row_keys reports its failing rows by those columns.
        row_keys = suite_json.get("meta", {}).get("row_keys")
        result_format: dict[str, Any] = {"result_format": "SUMMARY"}
        if row_keys:
            # COMPLETE lists every failing row by its keys, and Data Docs render that list.
            result_format = {
                "result_format": "COMPLETE",
                "unexpected_index_column_names": row_keys,
            }
        # Each suite runs as a GX Checkpoint of its one validation definition (a dataframe
        # asset takes its frame as a batch parameter, so definitions cannot share one run);
        # the run keeps its result in the context's store, where the Data Docs read it.
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{suite_name}_checkpoint",
                validation_definitions=[definition],
                result_format=result_format,
            )
        )
        checkpoint_result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=run_id)
        validation = next(iter(checkpoint_result.run_results.values()))
        for result in validation.results:
            config = result.expectation_config
            details = result.result
            observed = details.get("observed_value")
            if observed is None and "unexpected_count" in details:
                examples = details.get("partial_unexpected_list", [])
                if row_keys and "partial_unexpected_index_list" in details:
                    examples = details["partial_unexpected_index_list"]
                observed = {
                    "unexpected_count": details["unexpected_count"],
                    "examples": [_plain(v) for v in examples[:5]],
                }
            results.append(
                CheckResult(
                    suite=suite_name,
                    expectation=config.type,
                    column=config.kwargs.get("column")
                    or config.kwargs.get("column_A")
                    or ",".join(config.kwargs.get("column_list") or [])
                    or None,
                    critical=config.severity == "critical",
                    success=bool(result.success),
                    observed=_plain(observed),
                )
            )
    if data_docs is not None:
        try:
            context.build_data_docs(site_names=[DOCS_SITE])
        except Exception:
            # The docs show the results; they are not a check: a rendering bug must not
            # stop a night whose data passed.
            log.warning("Data Docs could not be rendered into %s", data_docs, exc_info=True)
            shutil.rmtree(data_docs, ignore_errors=True)
    return results


def _replace_dir(new: Path, target: Path) -> None:
    """Put the finished folder ``new`` at ``target``, replacing the old one.

    Two renames on one filesystem: a reader sees the whole old site or the whole new
    one (or, for an instant, none), never a half-written one. Files a reader already
    opened stay readable until it closes them. Then, as ``engine`` does for files, the
    temporaries of ``target`` that killed runs left (``.<name>.<8 hex>.tmp``) are removed:
    one check runs a day at a time, so none of them is still being written.
    """
    old = engine.temporary_sibling(target)
    if target.exists():
        os.rename(target, old)
    try:
        os.rename(new, target)
    except BaseException:
        if old.exists():
            os.rename(old, target)
        raise
    for entry in engine.stale_temporaries(target):
        shutil.rmtree(entry, ignore_errors=True)


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "item"):
        return value.item()
    return value


def _gx() -> Any:
    # GX takes seconds to import and logs hundreds of lines: load it only when checking.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations

    # GX sets some of its loggers to INFO itself, which bypasses the parent's level.
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("great_expectations"):
            logging.getLogger(name).setLevel(logging.WARNING)
    return great_expectations
