"""Step 7, data-quality checks: Great Expectations suites from ``expectations/``.

Each suite guards one compact table of the day (never the raw events). An expectation
of GX severity ``critical`` stops the publish when it fails, so yesterday's warehouse
stays in place; ``warning`` ones are logged and kept in the results.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from transforms import engine
from transforms.ingest import read_counts
from transforms.layout import Layout
from transforms.scoring import PREV_SCORES_SCHEMA

log = logging.getLogger(__name__)

EXPECTATIONS_DIR = Path(__file__).resolve().parent.parent / "expectations"


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


def check_quality(data_root: Path, day: date) -> Path:
    """Validate the day's outputs; write the results; raise if a critical check failed."""
    layout = Layout(data_root)
    started = time.monotonic()
    frames = _frames(layout, day)
    results = validate(frames)
    failed = [r for r in results if not r.success]
    critical = [r for r in failed if r.critical]
    engine.write_json(
        layout.checks(day),
        {
            "run_date": day,
            "passed": not critical,
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
        run_counts.events_accepted + run_counts.events_quarantined + run_counts.events_duplicate
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
    return {
        "run_counts": run_counts,
        "scores": scores,
        "user_features": features,
        "score_drift": drift,
    }


def validate(frames: dict[str, pd.DataFrame]) -> list[CheckResult]:
    """Run ``expectations/<name>.json`` over each frame ``name``."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    source = context.data_sources.add_pandas("clout")
    results = []
    for suite_name, frame in frames.items():
        suite_json = json.loads((EXPECTATIONS_DIR / f"{suite_name}.json").read_text())
        suite = gx.ExpectationSuite(**suite_json)
        batch = (
            source.add_dataframe_asset(suite_name)
            .add_batch_definition_whole_dataframe("day")
            .get_batch(batch_parameters={"dataframe": frame})
        )
        for result in batch.validate(suite).results:
            config = result.expectation_config
            details = result.result
            observed = details.get("observed_value")
            if observed is None and "unexpected_count" in details:
                observed = {
                    "unexpected_count": details["unexpected_count"],
                    "examples": [_plain(v) for v in details.get("partial_unexpected_list", [])[:5]],
                }
            results.append(
                CheckResult(
                    suite=suite_name,
                    expectation=config.type,
                    column=config.kwargs.get("column") or config.kwargs.get("column_A"),
                    critical=config.severity == "critical",
                    success=bool(result.success),
                    observed=_plain(observed),
                )
            )
    return results


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
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
