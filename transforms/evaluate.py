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
6. **Gaming recall** per scenario and overall, flagged on any day since the gaming began
   and within its first two days, for the gamers and for the accounts doing it.
7. **Honest look-alikes** (viral posts, friend cliques, superfan clubs, celebrity
   newcomers, volume posters): the share of each kind's subjects and crowds ever flagged.
8. **Gaming gain**: what gaming bought, the gamers' score change since the day before it
   began less the median change of honest controls who scored the same then.
9. **Volume posters**: whether posting a lot lifts a score above its influence, as median
   percentiles of score and of influence among honest posters.

The truth may be an older generator's, without the look-alike columns: ``truth.sql`` adds
them as 'none', so every query reads one shape.

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
    "CONTROL_BAND",
    "GAMING_SCENARIOS",
    "HIGGS_FILE_ENV",
    "LOOKALIKES",
    "MIN_CONTROLS",
    "STEADY_DAYS",
    "TOP_N",
    "Evaluation",
    "EvaluationError",
    "archetype_mix",
    "attach_truth",
    "evaluate",
    "gaming_detection",
    "gaming_gain",
    "gaming_recall",
    "higgs_overlap",
    "lookalike_flags",
    "spearman",
    "stability",
    "truth_view",
    "volume_posters",
    "world_of",
]

# Days of deltas the stability figures cover; a steady user is graded and active on each.
STEADY_DAYS = 7
# Size of the two lists the Higgs overlap compares.
TOP_N = 100
# Where the Higgs source comes from when --higgs-source is not given (as in the replay test).
HIGGS_FILE_ENV = "CLOUT_HIGGS_FILE"
# The truth's scenarios that are gaming, in report order (the classic generator writes the
# first, third, fifth and sixth; the worlds of transforms/worlds.py add the other two).
GAMING_SCENARIOS: tuple[str, ...] = (
    "bought_followers",
    "drip_followers",
    "like_farm",
    "camouflaged_farm",
    "sock_puppets",
    "engagement_pod",
)
# The honest look-alikes of gaming the truth labels, in the order lookalikes.sql reports.
LOOKALIKES: tuple[str, ...] = (
    "viral",
    "friend_clique",
    "superfan_club",
    "celebrity_newcomer",
    "volume_poster",
)
# Gaming gain's controls: honest users within this many points of the gamer the day before
# the gaming, or the MIN_CONTROLS nearest when fewer are that close. Two points is about a
# week of a steady user's moves (a quarter point a day, README "Evaluating the score"): the
# controls started where the gamer did, so the curve treats them alike.
CONTROL_BAND = 2.0
MIN_CONTROLS = 20


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
    world: dict[str, Any] | None = None
    gaming_recall: list[dict[str, Any]] | None = None
    lookalikes: list[dict[str, Any]] | None = None
    gaming_gain: list[dict[str, Any]] | None = None
    volume_posters: list[dict[str, Any]] | None = None

    def as_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def report(self) -> str:
        """A readable report, then the same figures as a JSON block."""
        lines = [f"clout evaluation of {self.warehouse} on {self.day}"]
        if self.world is not None:
            shown = ", ".join(
                f"{key} {self.world[key]}"
                for key in ("family", "seed", "users", "days", "start")
                if key in self.world
            )
            lines.append(f"world: {shown}")
        lines.append("")
        for section in (
            self._spearman_lines,
            self._stability_lines,
            self._archetype_lines,
            self._higgs_lines,
            self._gaming_lines,
            self._recall_lines,
            self._lookalike_lines,
            self._gain_lines,
            self._volume_lines,
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

    def _recall_lines(self) -> list[str]:
        title = "6. Gaming recall: flagged on any day since the gaming began, and within 2 days"
        if self.gaming_recall is None:
            return [title, _NO_LABELS]
        lines = [title]
        for row in self.gaming_recall:
            lines.append(
                f"   {row['population']:<10} {row['scenario']:<18} "
                f"any day {row['hits']:>7,} of {row['total']:>7,} {_fmt(row['share'], '.3f')}"
                f"   within 2 days {row['hits_within_2_days']:>7,} "
                f"{_fmt(row['share_within_2_days'], '.3f')}"
            )
        if not self.gaming_recall:
            lines.append("   no gaming began on a published day before this one")
        return lines

    def _lookalike_lines(self) -> list[str]:
        title = "7. Honest look-alikes of gaming flagged on any day (target: 3% or fewer)"
        if self.lookalikes is None:
            return [title, _NO_LABELS]
        lines = [title]
        for row in self.lookalikes:
            if row["total"]:
                lines.append(
                    f"   {row['lookalike']:<20} {row['lookalike_role']:<8} "
                    f"{row['hits']:>7,} of {row['total']:>7,}  {_fmt(row['share'], '.3f')}"
                )
        absent = sorted(
            {row["lookalike"] for row in self.lookalikes}
            - {row["lookalike"] for row in self.lookalikes if row["total"]},
            key=LOOKALIKES.index,
        )
        if absent:
            lines.append(f"   none in this world: {', '.join(absent)}")
        return lines

    def _gain_lines(self) -> list[str]:
        title = (
            "8. Gaming gain: gamers' score change since the day before the gaming, less "
            "matched honest controls' (target: 1 point or less)"
        )
        if self.gaming_gain is None:
            return [title, _NO_LABELS]
        lines = [title]
        for row in self.gaming_gain:
            lines.append(
                f"   {row['scenario']:<18} {row['gamers']:>6,} gamers: change "
                f"{_fmt(row['mean_change'], '+.2f')}, "
                f"controls {_fmt(row['mean_control_change'], '+.2f')}, "
                f"net gain {_fmt(row['mean_net_gain'], '+.2f')} "
                f"(largest {_fmt(row['max_net_gain'], '+.2f')})"
            )
        if not self.gaming_gain:
            lines.append("   no gamer with a score the day before their gaming began")
        return lines

    def _volume_lines(self) -> list[str]:
        title = (
            "9. Volume posters: median percentile among honest posters, by score and by "
            "influence (target: score no higher)"
        )
        if self.volume_posters is None:
            return [title, "   skipped: no truth file (give --truth, or generate the data root)"]
        labels = {
            "volume_posters": "labelled volume posters",
            "top_decile_posts": "top tenth by posts",
        }
        lines = [title]
        for row in self.volume_posters:
            lines.append(
                f"   {labels[row['population']]:<24} {row['users']:>7,} of "
                f"{row['honest_posters']:>7,}: score {_fmt(row['median_score_percentile'], '.1f')}"
                f", influence {_fmt(row['median_influence_percentile'], '.1f')}"
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
        correlations = detection = recall = lookalikes = gain = volume = world = None
        if truth is not None:
            attach_truth(con, truth)
            world = world_of(truth)
            correlations = spearman(con, day)
            volume = volume_posters(con, day)
            days_file = Path(truth).with_name("days.parquet")
            # The labels the gaming measures read (role, gaming_start) come with a
            # generator's full truth, which always has its days.parquet beside it.
            if days_file.exists() and "gaming_flags" in _tables(con):
                engine.view(con, "truth_days", days_file)
                detection = gaming_detection(con, day)
                recall = gaming_recall(con, day)
                lookalikes = lookalike_flags(con, day)
                gain = gaming_gain(con, day)
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
            world=world,
            gaming_recall=recall,
            lookalikes=lookalikes,
            gaming_gain=gain,
            volume_posters=volume,
        )


def attach_truth(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Expose the truth file ``path`` as the view ``truth``, with the look-alike columns
    filled in when an older generator wrote it without them."""
    engine.view(con, "truth_file", path)
    truth_view(con)


def truth_view(con: duckdb.DuckDBPyConnection) -> None:
    """Create the view ``truth`` over ``truth_file`` (a view or table the caller made)."""
    con.execute(f"create or replace temp view truth as {engine.sql('evaluate/truth')}")


def world_of(truth: Path) -> dict[str, Any]:
    """What world the truth describes: ``world.json`` beside it, or, on roots generated
    before worlds had names, the classic generator's."""
    path = Path(truth).with_name("world.json")
    if path.exists():
        return json.loads(path.read_text())
    return {"family": "classic"}


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
    engine.set_variables(con, eval_date=day, gaming_scenarios=list(GAMING_SCENARIOS))
    return _rows(con, "evaluate/gaming_detection")


def gaming_recall(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Per scenario and overall, the gamers and the operators flagged on any day since
    their gaming began, and within its first two days.

    Reads the views ``gaming_flags``, ``user_features`` and ``truth``. Rows: population
    (``gamers``, ``operators``), scenario (or ``all scenarios``), hits, hits_within_2_days,
    total, share, share_within_2_days.
    """
    engine.set_variables(con, eval_date=day, gaming_scenarios=list(GAMING_SCENARIOS))
    return _rows(con, "evaluate/gaming_recall")


def lookalike_flags(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Per look-alike kind and role (subject, crowd), the honest accounts flagged at least
    once up to ``day``; every kind and role has a row, 0 accounts where none were written.

    Reads the views ``gaming_flags`` and ``truth``. Rows: lookalike, lookalike_role, hits,
    total, share.
    """
    engine.set_variables(con, eval_date=day, gaming_scenarios=list(GAMING_SCENARIOS))
    return _rows(con, "evaluate/lookalikes")


def gaming_gain(
    con: duckdb.DuckDBPyConnection,
    day: date,
    band: float = CONTROL_BAND,
    min_controls: int = MIN_CONTROLS,
) -> list[dict[str, Any]]:
    """The gamers' score change from the day before their gaming to ``day``, net of the
    median change of honest controls who scored within ``band`` points of them then (or
    the ``min_controls`` nearest), averaged per scenario and over all.

    Reads the views ``scores`` and ``truth``. Rows: scenario (or ``all scenarios``, first),
    gamers, mean_change, mean_control_change, mean_net_gain, max_net_gain, fewest_controls.
    """
    engine.set_variables(
        con,
        eval_date=day,
        gaming_scenarios=list(GAMING_SCENARIOS),
        control_band=float(band),
        min_controls=int(min_controls),
    )
    return _rows(con, "evaluate/gaming_gain")


def volume_posters(con: duckdb.DuckDBPyConnection, day: date) -> list[dict[str, Any]]:
    """Median percentiles of score and of influence among the honest posters of ``day``,
    for the labelled volume posters and for the top tenth by posts.

    Reads the views ``scores``, ``user_features`` and ``truth``. Rows: population
    (``volume_posters``, ``top_decile_posts``), honest_posters, users,
    median_score_percentile, median_influence_percentile.
    """
    engine.set_variables(con, eval_date=day)
    return _rows(con, "evaluate/volume_posters")


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


_NO_LABELS = "   skipped: no generator's labels (truth users.parquet with days.parquet beside it)"


def _finite(value: float | None) -> float | None:
    # corr() of a constant column is NaN, which JSON cannot carry: report it as undefined.
    return None if value is None or math.isnan(value) else float(value)


def _fmt(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
