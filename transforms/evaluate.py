"""``clout evaluate``: does the published score measure what it claims to?

Four checks, each one SQL file in ``sql/evaluate/`` run on the published warehouse, opened
read-only like ``clout summary`` (so a night can run meanwhile):

1. **Against the truth** (a generated data root): Spearman's rank correlation between the
   day's raw score and the generator's latent ``influence`` over honest users who post, and
   the same for each signal, so one can see which signal carries the score.
2. **Stability**: the median and 99th percentile of ``|delta_1d|`` over the last 7 days, for
   steady users (graded and active on each of those days) and for every graded user.
3. **Archetype mix** among the graded users of the day: counts, shares, styles that occur.
4. **Higgs overlap** (a Higgs replay, where no latent influence exists): how many of the
   100 highest scores go to the 100 accounts retweeted most in the SNAP source file.
5. **Gaming** (a generated data root): recall per scenario within two days of the gaming
   starting, precision among established accounts, the share of viral honest users flagged
   and the share of active users flagged on the news day.

Spearman is computed in DuckDB (Pearson's ``corr`` of average ranks): it needs no SciPy,
and every number stays one SQL file away from its definition.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from transforms import engine
from transforms.higgs import DUMP_FILE
from transforms.layout import Layout
from transforms.scoring import ARCHETYPES

__all__ = [
    "HIGGS_FILE_ENV",
    "STEADY_DAYS",
    "TOP_N",
    "Evaluation",
    "EvaluationError",
    "archetype_mix",
    "evaluate",
    "gaming_detection",
    "higgs_overlap",
    "spearman",
    "stability",
]

# Days of deltas the stability figures cover; a steady user is graded and active on each.
STEADY_DAYS = 7
# Size of the two lists the Higgs overlap compares.
TOP_N = 100
# Where the Higgs source comes from when --higgs-source is not given (as in the replay test).
HIGGS_FILE_ENV = "CLOUT_HIGGS_FILE"


class EvaluationError(ValueError):
    """The warehouse cannot be evaluated as asked (none yet, or the date is not published)."""


@dataclass(frozen=True)
class Evaluation:
    """What ``clout evaluate`` measured on one day of one warehouse."""

    warehouse: str
    day: date
    truth: str | None
    higgs_source: str | None
    spearman: list[dict[str, Any]] | None
    stability: list[dict[str, Any]]
    archetypes: dict[str, Any]
    higgs_overlap: dict[str, Any] | None
    gaming: list[dict[str, Any]] | None = None

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def report(self) -> str:
        """A readable report, then the same figures as a JSON block."""
        lines = [f"clout evaluation of {self.warehouse} on {self.day}", ""]
        for section in (
            self._spearman_lines,
            self._stability_lines,
            self._archetype_lines,
            self._higgs_lines,
            self._gaming_lines,
        ):
            lines += [*section(), ""]
        lines += ["JSON:", self.as_json()]
        return "\n".join(lines)

    def _spearman_lines(self) -> list[str]:
        title = "1. Score against latent influence (Spearman, honest users who post)"
        if self.spearman is None:
            return [title, "   skipped: no truth file (give --truth, or generate the data root)"]
        users = self.spearman[0]["users"] if self.spearman else 0
        lines = [title, f"   truth {self.truth}; n = {users:,} users"]
        for row in self.spearman:
            lines.append(f"   {row['measure']:<16} {_fmt(row['spearman'], '+.3f')}")
        return lines

    def _stability_lines(self) -> list[str]:
        first, last = self.stability[0]["first_day"], self.stability[0]["last_day"]
        lines = [f"2. Stability: |delta_1d| from {first} to {last} ({STEADY_DAYS} days)"]
        labels = {
            "steady": f"steady users (graded and active on all {STEADY_DAYS} days)",
            "graded": "all graded users (raw score > 0, with a delta)",
        }
        for row in self.stability:
            lines.append(
                f"   {labels[row['population']]}: {row['users']:,} users, "
                f"{row['deltas']:,} deltas: median {_fmt(row['median_abs_delta'], '.2f')}, "
                f"p99 {_fmt(row['p99_abs_delta'], '.2f')}"
            )
        if self.stability[0]["users"] == 0:
            # Deltas start on a user's second day: the window needs one more published day.
            lines.append(
                f"   (no steady user: each needs a delta on all {STEADY_DAYS} days, so at least "
                f"{STEADY_DAYS + 1} published days)"
            )
        return lines

    def _archetype_lines(self) -> list[str]:
        mix = self.archetypes
        lines = [
            f"3. Archetypes among {mix['graded']:,} graded users: "
            f"{mix['styles_present']} of {len(ARCHETYPES)} styles occur"
        ]
        for row in mix["styles"]:
            lines.append(
                f"   {row['archetype']:<18} {row['users']:>8,}  {100 * row['share']:5.1f}%"
            )
        if mix["styles_absent"]:
            lines.append(f"   absent: {', '.join(mix['styles_absent'])}")
        return lines

    def _higgs_lines(self) -> list[str]:
        title = f"4. Higgs: top {TOP_N} by score against the {TOP_N} most retweeted"
        if self.higgs_overlap is None:
            return [
                title,
                f"   skipped: not a Higgs replay (give --higgs-source, or set {HIGGS_FILE_ENV} "
                "for a data root imported with `clout import higgs`)",
            ]
        overlap = self.higgs_overlap
        return [
            title,
            f"   source {self.higgs_source}",
            f"   overlap {overlap['overlap']} of {overlap['top_scored']} top-scored users "
            f"(against {overlap['most_retweeted']} most retweeted)",
        ]

    def _gaming_lines(self) -> list[str]:
        title = "5. Gaming flags against the generator's labels"
        if self.gaming is None:
            return [title, "   skipped: no truth file (give --truth, or generate the data root)"]
        labels = {
            "recall": "recall, flagged within 2 days of starting",
            "operator_recall": "recall of the accounts doing it, within 2 days",
            "precision": "precision among established accounts flagged",
            "viral_flagged": "viral honest users flagged on their day or the next",
            "news_day_flagged": "active honest users flagged on the news day",
        }
        lines = [title]
        for row in self.gaming:
            lines.append(
                f"   {labels[row['measure']]:<52} {row['subject']:<18} "
                f"{row['hits']:>7,} of {row['total']:>7,}  {_fmt(row['share'], '.3f')}"
            )
        return lines


def evaluate(
    data_root: Path,
    day: date | None = None,
    truth: Path | None = None,
    higgs_source: Path | None = None,
) -> Evaluation:
    """Evaluate the published warehouse of ``data_root`` on ``day`` (default: its last day).

    ``truth`` defaults to ``<data_root>/truth/users.parquet`` when it exists. The Higgs
    overlap runs with ``higgs_source``, or with ``$CLOUT_HIGGS_FILE`` when the data root is a
    Higgs replay without truth (so the variable, set for CI, never leaks into an evaluation
    of a generated network).
    """
    layout = Layout(data_root)
    if not layout.warehouse.exists():
        raise EvaluationError(f"no warehouse at {layout.warehouse}: run `clout run` first")
    truth = truth if truth is not None else _default_truth(layout)
    if higgs_source is None and truth is None:
        higgs_source = _higgs_source_from_env(layout)
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        # A read-only database still takes temp views and session variables.
        con.execute("set TimeZone = 'UTC'")
        day = _evaluation_day(con, day)
        correlations = None
        detection = None
        if truth is not None:
            engine.view(con, "truth", truth)
            correlations = spearman(con, day)
            days_file = Path(truth).with_name("days.parquet")
            if days_file.exists() and "gaming_flags" in _tables(con):
                engine.view(con, "truth_days", days_file)
                detection = gaming_detection(con, day)
        overlap = higgs_overlap(con, day, higgs_source) if higgs_source is not None else None
        return Evaluation(
            warehouse=str(layout.warehouse),
            day=day,
            truth=str(truth) if truth is not None else None,
            higgs_source=str(higgs_source) if higgs_source is not None else None,
            spearman=correlations,
            stability=stability(con, day),
            archetypes=archetype_mix(con, day),
            higgs_overlap=overlap,
            gaming=detection,
        )


def spearman(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Spearman of raw_score and of each signal against ``influence``, over honest posters.

    Reads the views ``scores``, ``user_features`` and ``truth``. Rows: measure, users,
    spearman (None when undefined: fewer than two users, or one of the ranks is constant).
    """
    engine.set_variables(con, eval_date=day)
    rows = _rows(con, "evaluate/spearman")
    for row in rows:
        row["spearman"] = _finite(row["spearman"])
    return rows


def stability(
    con: duckdb.DuckDBPyConnection, day: date, days: int = STEADY_DAYS
) -> list[dict[str, Any]]:
    """|delta_1d| over the ``days`` days up to ``day``, for steady users, then all graded.

    Reads the views ``scores`` and ``user_features``. Rows: population (``steady``,
    ``graded``), first_day, last_day, users, deltas, median_abs_delta, p99_abs_delta.
    """
    engine.set_variables(con, eval_date=day, steady_days=days)
    return _rows(con, "evaluate/stability")


def archetype_mix(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, Any]:
    """The styles of the users graded on ``day``: counts and shares, and which occur.

    Reads the view ``scores``.
    """
    engine.set_variables(con, eval_date=day)
    styles = _rows(con, "evaluate/archetype_mix")
    present = {row["archetype"] for row in styles}
    return {
        "graded": sum(row["users"] for row in styles),
        "styles_present": len(present),
        "styles": styles,
        "styles_absent": [name for name in ARCHETYPES if name not in present],
    }


def higgs_overlap(
    con: duckdb.DuckDBPyConnection, day: date, source: Path, top_n: int = TOP_N
) -> dict[str, Any]:
    """How many of the ``top_n`` scores on ``day`` go to the ``top_n`` most retweeted accounts.

    Reads the view ``scores`` and the SNAP file ``source`` (its path is bound, never
    formatted into the SQL). Keys: top_n, top_scored, most_retweeted, overlap, overlap_users.
    """
    if not Path(source).is_file():
        raise EvaluationError(f"Higgs source {source} is not a file")
    engine.set_variables(con, eval_date=day, higgs_source=str(source), top_n=top_n)
    (row,) = _rows(con, "evaluate/higgs_overlap")
    return row


def gaming_detection(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Recall, precision, viral and news-day figures of the gaming flags up to ``day``.

    Reads the views ``gaming_flags``, ``user_features``, ``truth`` and ``truth_days``. Rows:
    measure, subject (a scenario, a rule or a day), hits, total, share.
    """
    engine.set_variables(con, eval_date=day)
    return _rows(con, "evaluate/gaming_detection")


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The names of the warehouse's tables and views."""
    rows = con.execute(
        "select view_name from duckdb_views() union select table_name from duckdb_tables()"
    ).fetchall()
    return {name for (name,) in rows}


def _rows(con: duckdb.DuckDBPyConnection, name: str) -> list[dict[str, Any]]:
    return engine.rows_as_dicts(con.execute(engine.sql(name)))


def _evaluation_day(con: duckdb.DuckDBPyConnection, day: date | None) -> date:
    first, last = con.execute("select min(score_date), max(score_date) from scores").fetchone()
    if last is None:
        raise EvaluationError("the warehouse holds no scores yet")
    if day is None:
        return last
    published = con.execute("select count(*) from scores where score_date = ?", [day]).fetchone()
    if not published[0]:
        raise EvaluationError(f"{day} is not published: the warehouse holds {first} to {last}")
    return day


def _default_truth(layout: Layout) -> Path | None:
    path = layout.truth / "users.parquet"
    return path if path.exists() else None


def _higgs_source_from_env(layout: Layout) -> Path | None:
    """``$CLOUT_HIGGS_FILE``, when the data root holds dumps written by ``clout import higgs``."""
    configured = os.environ.get(HIGGS_FILE_ENV)
    if not configured:
        return None
    is_replay = any((layout.root / "landing").glob(f"dt=*/{DUMP_FILE}"))
    return Path(configured) if is_replay else None


def _finite(value: float | None) -> float | None:
    # corr() of a constant column is NaN, which JSON cannot carry: report it as undefined.
    return None if value is None or math.isnan(value) else float(value)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
