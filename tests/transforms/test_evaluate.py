"""``clout evaluate``: the sql/evaluate queries on hand-made inputs, answers worked by hand.

The section functions run on an in-memory DuckDB holding tables named like the warehouse's
views; the last tests build a tiny warehouse file of views over Parquet files, as publish
does, and run the whole command on it.
"""

from __future__ import annotations

import json
import math
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from transforms import engine
from transforms.cli import app
from transforms.evaluate import (
    HIGGS_FILE_ENV,
    EvaluationError,
    archetype_mix,
    evaluate,
    gaming_detection,
    higgs_overlap,
    spearman,
    stability,
)
from transforms.higgs import DUMP_FILE
from transforms.layout import Layout, partition
from transforms.scoring import ARCHETYPES

DAY = date(2026, 3, 10)

SCORES_SCHEMA = (
    "user_id varchar, score_date date, score double, raw_score double, archetype varchar, "
    "delta_1d double"
)
FEATURES_SCHEMA = (
    "user_id varchar, feature_date date, posts bigint, last_active date, reach bigint, "
    "amplification double, network_impact double, audience bigint"
)
TRUTH_SCHEMA = "user_id varchar, influence double, kind varchar, scenario varchar"


def day(offset: int) -> date:
    return DAY + timedelta(days=offset)


def tables(**contents: tuple[str, list[tuple[Any, ...]]]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one table per keyword: name=(schema, rows)."""
    con = duckdb.connect()
    for name, (schema, rows) in contents.items():
        con.execute(f"create table {name} ({schema})")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"insert into {name} values ({marks})", rows)
    return con


def score(user: str, on: date, raw: float, delta: float | None = None, style: str = "Pundit"):
    """A scores row; the score is only ever read for ordering, so it follows raw."""
    return (user, on, 1.0 + 99.0 * raw, raw, style, delta)


def features(user: str, on: date, posts: int = 1, active: bool = True, signals=(0, 0.0, 0.0, 0)):
    """A user_features row: active means last_active is the feature date itself."""
    last_active = on if active else on - timedelta(days=5)
    return (user, on, posts, last_active, *signals)


# -- 1. Spearman against the latent influence ---------------------------------------------

# Five honest posters, influence 1..5 (influence ranks 1..5, mean 3, sum of squares 10).
# Per measure, the values for u1..u5 and the correlation worked by hand:
#   raw_score       0.1 .. 0.5        same order: +1
#   reach           50, 40, 30, 20, 10 reversed: -1
#   amplification   1, 2, 2, 3, 3      average ranks 1, 2.5, 2.5, 4.5, 4.5 (mean 3):
#                   deviations -2, -.5, -.5, 1.5, 1.5; products with -2..2 sum to 9, squares
#                   to 9, so 9 / sqrt(9 * 10) = 3 / sqrt(10)
#   network_impact  0 for everyone     a constant rank: undefined (None)
#   audience        0, 0, 0, 0, 5      average ranks 2.5 x4, 5: deviations -.5 x4, 2;
#                   products sum to 5, squares to 5: 5 / sqrt(5 * 10) = 1 / sqrt(2)
HONEST = {
    "u1": (1.0, 0.1, (50, 1.0, 0.0, 0)),
    "u2": (2.0, 0.2, (40, 2.0, 0.0, 0)),
    "u3": (3.0, 0.3, (30, 2.0, 0.0, 0)),
    "u4": (4.0, 0.4, (20, 3.0, 0.0, 0)),
    "u5": (5.0, 0.5, (10, 3.0, 0.0, 5)),
}


def spearman_inputs() -> duckdb.DuckDBPyConnection:
    scores, feats, truth = [], [], []
    for user, (influence, raw, signals) in HONEST.items():
        scores.append(score(user, DAY, raw))
        feats.append(features(user, DAY, signals=signals))
        truth.append((user, influence, "honest", "none"))
    # Users outside the population, each placed to break every correlation if counted: a
    # top raw score and top signals with the lowest influence.
    top = (1000, 1000.0, 1000.0, 1000)
    outsiders = {
        "lurker": ("lurker", "none", 1),
        "customer": ("honest", "like_farm", 1),
        "viral": ("viral", "viral", 1),
        "silent": ("honest", "none", 0),  # no post in the window
    }
    for user, (kind, scenario, posts) in outsiders.items():
        scores.append(score(user, DAY, 0.9))
        feats.append(features(user, DAY, posts=posts, signals=top))
        truth.append((user, 0.01, kind, scenario))
    scores.append(score("no_truth", DAY, 0.9))
    feats.append(features("no_truth", DAY, signals=top))
    # u1 on another day, top of everything: only DAY counts.
    scores.append(score("u1", day(-1), 0.9))
    feats.append(features("u1", day(-1), signals=top))
    return tables(
        scores=(SCORES_SCHEMA, scores),
        user_features=(FEATURES_SCHEMA, feats),
        truth=(TRUTH_SCHEMA, truth),
    )


def test_spearman_perfect_reversed_tied_and_undefined() -> None:
    rows = {row["measure"]: row for row in spearman(spearman_inputs(), DAY)}
    assert list(rows) == ["raw_score", "reach", "amplification", "network_impact", "audience"]
    assert {row["users"] for row in rows.values()} == {5}
    assert rows["raw_score"]["spearman"] == pytest.approx(1.0)
    assert rows["reach"]["spearman"] == pytest.approx(-1.0)
    assert rows["amplification"]["spearman"] == pytest.approx(3 / math.sqrt(10))
    assert rows["network_impact"]["spearman"] is None
    assert rows["audience"]["spearman"] == pytest.approx(1 / math.sqrt(2))


def test_spearman_with_ties_in_the_influence_too() -> None:
    # influence 1, 1, 2, 3 -> average ranks 1.5, 1.5, 3, 4 (mean 2.5: deviations -1, -1, .5,
    # 1.5; squares 4.5); raw 0.1, 0.2, 0.3, 0.4 -> ranks 1..4 (deviations -1.5, -.5, .5, 1.5;
    # squares 5). Products: 1.5 + .5 + .25 + 2.25 = 4.5, so 4.5 / sqrt(4.5 * 5) = 3 / sqrt(10).
    users = {"a": (1.0, 0.1), "b": (1.0, 0.2), "c": (2.0, 0.3), "d": (3.0, 0.4)}
    con = tables(
        scores=(SCORES_SCHEMA, [score(u, DAY, raw) for u, (_, raw) in users.items()]),
        user_features=(FEATURES_SCHEMA, [features(u, DAY) for u in users]),
        truth=(TRUTH_SCHEMA, [(u, inf, "honest", "none") for u, (inf, _) in users.items()]),
    )
    rows = {row["measure"]: row for row in spearman(con, DAY)}
    assert rows["raw_score"]["users"] == 4
    assert rows["raw_score"]["spearman"] == pytest.approx(3 / math.sqrt(10))


def test_spearman_of_nobody_is_undefined() -> None:
    con = tables(
        scores=(SCORES_SCHEMA, []),
        user_features=(FEATURES_SCHEMA, []),
        truth=(TRUTH_SCHEMA, []),
    )
    rows = spearman(con, DAY)
    assert [(row["users"], row["spearman"]) for row in rows] == [(0, None)] * 5


# -- 2. Stability ---------------------------------------------------------------------------

# Three days (DAY-2 .. DAY) instead of seven keep the table small; the rule is the same.
#   a  graded and active all 3 days, deltas 1, -2, 3          steady
#   b  graded and active all 3 days, deltas .5, .5, -.5       steady
#   c  graded all 3 days, inactive on DAY-1, deltas 10, -10, 20  graded only
#   d  new on DAY-1 (delta null), delta 4 on DAY              graded only
#   e  graded with deltas 6, 7, then at the floor on DAY (delta -5: not graded that day)
#   a  on DAY-3, before the window, with delta 100: ignored
# Steady |deltas| .5 .5 .5 1 2 3: median (.5 + 1) / 2 = .75; p99 at position 5 * .99 = 4.95,
#   2 + .95 * (3 - 2) = 2.95.
# Graded |deltas| .5 .5 .5 1 2 3 4 6 7 10 10 20: median (3 + 4) / 2 = 3.5; p99 at position
#   11 * .99 = 10.89, 10 + .89 * (20 - 10) = 18.9.
STABILITY_ROWS = [
    ("a", -3, 0.5, 100.0, True),
    ("a", -2, 0.5, 1.0, True),
    ("a", -1, 0.5, -2.0, True),
    ("a", 0, 0.5, 3.0, True),
    ("b", -2, 0.4, 0.5, True),
    ("b", -1, 0.4, 0.5, True),
    ("b", 0, 0.4, -0.5, True),
    ("c", -2, 0.3, 10.0, True),
    ("c", -1, 0.3, -10.0, False),
    ("c", 0, 0.3, 20.0, True),
    ("d", -1, 0.2, None, True),
    ("d", 0, 0.2, 4.0, True),
    ("e", -2, 0.1, 6.0, True),
    ("e", -1, 0.1, 7.0, True),
    ("e", 0, 0.0, -5.0, True),
]


def test_stability_of_steady_and_of_all_graded_users() -> None:
    con = tables(
        scores=(
            SCORES_SCHEMA,
            [score(u, day(o), raw, delta) for u, o, raw, delta, _ in STABILITY_ROWS],
        ),
        user_features=(
            FEATURES_SCHEMA,
            [features(u, day(o), active=active) for u, o, _, _, active in STABILITY_ROWS],
        ),
    )
    steady, graded = stability(con, DAY, days=3)
    assert steady["population"] == "steady"
    assert (steady["first_day"], steady["last_day"]) == (day(-2), DAY)
    assert (steady["users"], steady["deltas"]) == (2, 6)
    assert steady["median_abs_delta"] == pytest.approx(0.75)
    assert steady["p99_abs_delta"] == pytest.approx(2.95)
    assert graded["population"] == "graded"
    assert (graded["users"], graded["deltas"]) == (5, 12)
    assert graded["median_abs_delta"] == pytest.approx(3.5)
    assert graded["p99_abs_delta"] == pytest.approx(18.9)


@pytest.mark.parametrize(
    ("days", "steady_figures", "graded_deltas"),
    [
        # Over 4 days only a has a delta on every day: |deltas| 1 2 3 100, median 2.5, p99 at
        # position 3 * .99 = 2.97, 3 + .97 * (100 - 3) = 97.09.
        (4, (1, 4, 2.5, 97.09), 13),
        # Over 5 days nobody does (nothing was published on DAY-4): the row still comes back.
        (5, (0, 0, None, None), 13),
    ],
)
def test_a_steady_user_has_a_delta_on_every_day_of_the_window(
    days: int, steady_figures: tuple[Any, ...], graded_deltas: int
) -> None:
    con = tables(
        scores=(
            SCORES_SCHEMA,
            [score(u, day(o), raw, delta) for u, o, raw, delta, _ in STABILITY_ROWS],
        ),
        user_features=(
            FEATURES_SCHEMA,
            [features(u, day(o), active=active) for u, o, _, _, active in STABILITY_ROWS],
        ),
    )
    steady, graded = stability(con, DAY, days=days)
    figures = ("users", "deltas", "median_abs_delta", "p99_abs_delta")
    assert tuple(steady[k] for k in figures) == pytest.approx(steady_figures)
    assert graded["deltas"] == graded_deltas  # the 12 above and a's 100


# -- 3. Archetype mix -----------------------------------------------------------------------


def test_archetype_mix_counts_graded_users_of_the_day() -> None:
    rows = [
        score("p1", DAY, 0.9, style="Pundit"),
        score("p2", DAY, 0.8, style="Pundit"),
        score("p3", DAY, 0.7, style="Pundit"),
        score("o1", DAY, 0.1, style="Observer"),
        score("f1", DAY, 0.0, style="Observer"),  # at the floor: not graded
        score("f2", DAY, 0.0, style="Dabbler"),  # at the floor: not graded
        score("x1", day(-1), 0.5, style="Celebrity"),  # another day
    ]
    mix = archetype_mix(tables(scores=(SCORES_SCHEMA, rows)), DAY)
    assert mix["graded"] == 4
    assert mix["styles"] == [
        {"archetype": "Pundit", "users": 3, "share": 0.75},
        {"archetype": "Observer", "users": 1, "share": 0.25},
    ]
    assert mix["styles_present"] == 2
    assert mix["styles_absent"] == [a for a in ARCHETYPES if a not in ("Pundit", "Observer")]


# -- 4. Higgs overlap -----------------------------------------------------------------------

# Retweets (RT lines) per target: 0007 (user "7") 4, 1 3, 2 2, 3 2; 4 is only mentioned
# (5 MT) and replied to. Most retweeted, ties by id: 7, 1, 2, 3.
HIGGS_LINES = [
    *["10 0007 1341100800 RT"] * 4,
    *["11 1 1341100801 RT"] * 3,
    *["12 2 1341100802 RT"] * 2,
    *["13 3 1341100803 RT"] * 2,
    *["14 4 1341100804 MT"] * 5,
    "15 4 1341100805 RE",
]
# Scores on DAY, best first: 4, 3, 1, 7, 2; another day puts 2 first.
HIGGS_SCORES = [
    score("4", DAY, 0.9),
    score("3", DAY, 0.8),
    score("1", DAY, 0.7),
    score("7", DAY, 0.6),
    score("2", DAY, 0.5),
    score("2", day(-1), 1.0),
]


@pytest.mark.parametrize(
    ("top_n", "overlap", "users"),
    [
        (3, 1, ["1"]),  # top scored 4, 3, 1; most retweeted 7, 1, 2
        (4, 3, ["3", "1", "7"]),  # top scored 4, 3, 1, 7; most retweeted 7, 1, 2, 3
    ],
)
def test_higgs_overlap_counts_the_most_retweeted_among_the_top_scores(
    tmp_path: Path, top_n: int, overlap: int, users: list[str]
) -> None:
    source = tmp_path / "higgs-activity_time.txt"
    source.write_text("\n".join(HIGGS_LINES) + "\n")
    result = higgs_overlap(tables(scores=(SCORES_SCHEMA, HIGGS_SCORES)), DAY, source, top_n)
    assert result == {
        "top_n": top_n,
        "top_scored": top_n,
        "most_retweeted": top_n,
        "overlap": overlap,
        "overlap_users": users,
    }


# -- The command, on a tiny published warehouse ---------------------------------------------


def write_parquet(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con.execute(f"copy {table} to {engine.quote_path(path)} (format parquet)")
    return path


@pytest.fixture
def published(tmp_path: Path) -> Path:
    """A data root whose warehouse holds views over the Spearman inputs, plus its truth."""
    root = tmp_path / "data"
    layout = Layout(root)
    con = spearman_inputs()
    views = {
        table: write_parquet(con, table, layout.published / table / partition(DAY) / "t.parquet")
        for table in ("scores", "user_features")
    }
    write_parquet(con, "truth", layout.truth / "users.parquet")
    layout.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(layout.warehouse)) as warehouse:
        for table, path in views.items():
            warehouse.execute(f"create view {table} as select * from {engine.parquet_source(path)}")
    return root


# -- 5. Gaming against the generator's labels ------------------------------------------------

GAMING_TRUTH_SCHEMA = (
    "user_id varchar, kind varchar, scenario varchar, role varchar, gaming_start date, "
    "viral_day date"
)
FLAGS_SCHEMA = "user_id varchar, score_date date, rule varchar"


def test_gaming_detection_recall_precision_viral_and_news_day() -> None:
    # Days 0..4 published; the news day is day 3. Truth:
    #   farm customers c1 (caught day 2: start 1, within two days) and c2 (caught day 4:
    #   too late); farm bots b1, b2 (b1 caught day 1); pod members p1, p2 from day 3 (p1
    #   caught day 4); pod member p3 starts day 4 = eval day: not yet measurable.
    #   honest h1 (flagged on day 3, a false alarm on the news day), h2, h3; viral v1
    #   (viral day 2, not flagged), v2 (viral day 4, flagged day 4).
    truth = [
        ("c1", "honest", "like_farm", "customer", day(1), None),
        ("c2", "honest", "like_farm", "customer", day(1), None),
        ("b1", "bot", "like_farm", "operator", day(1), None),
        ("b2", "bot", "like_farm", "operator", day(1), None),
        ("p1", "honest", "engagement_pod", "member", day(3), None),
        ("p2", "honest", "engagement_pod", "member", day(3), None),
        ("p3", "honest", "engagement_pod", "member", day(4), None),
        ("h1", "honest", "none", "none", None, None),
        ("h2", "honest", "none", "none", None, None),
        ("h3", "lurker", "none", "none", None, None),
        ("v1", "viral", "viral", "none", None, day(2)),
        ("v2", "viral", "viral", "none", None, day(4)),
    ]
    flags = [
        ("c1", day(2), "lockstep"),
        ("c2", day(4), "lockstep"),
        ("b1", day(1), "lockstep"),
        ("p1", day(4), "engagement_pod"),
        ("h1", day(3), "jump_distinct_engagers"),
        ("v2", day(4), "jump_distinct_engagers"),
    ]
    # active on the news day (day 3): h1, h2, h3, v1 and the gamers c1, p1
    users = [f"{u}" for u, *_ in truth]
    feats = [
        features(u, day(d), active=(d == 3 and u in {"h1", "h2", "h3", "v1", "c1", "p1"}))
        for u in users
        for d in range(5)
    ]
    con = tables(
        truth=(GAMING_TRUTH_SCHEMA, truth),
        truth_days=("date date, news_day boolean", [(day(d), d == 3) for d in range(5)]),
        gaming_flags=(FLAGS_SCHEMA, flags),
        user_features=(FEATURES_SCHEMA, feats),
    )
    got = {
        (r["measure"], r["subject"]): (r["hits"], r["total"]) for r in gaming_detection(con, day(4))
    }
    assert got == {
        ("recall", "like_farm"): (1, 2),  # c1 only: c2 was caught on day 4, too late
        ("operator_recall", "like_farm"): (1, 2),
        ("recall", "engagement_pod"): (1, 2),  # p1 and p2; p3 starts on the evaluated day
        # established (organic) accounts ever flagged: c1, c2, p1 (gamers), h1, v2 (not)
        ("precision", "all rules"): (3, 5),
        ("precision", "lockstep"): (2, 2),
        ("precision", "engagement_pod"): (1, 1),
        ("precision", "jump_distinct_engagers"): (0, 2),
        ("viral_flagged", "viral honest users"): (1, 2),
        # honest users active on the news day: h1, h2, h3, v1; h1 flagged
        ("news_day_flagged", day(3).isoformat()): (1, 4),
    }


def test_evaluate_finds_the_last_day_and_the_truth(
    published: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # CI sets the Higgs variable: a generated data root must not pick it up.
    source = tmp_path / "higgs.txt"
    source.write_text("\n".join(HIGGS_LINES) + "\n")
    monkeypatch.setenv(HIGGS_FILE_ENV, str(source))
    evaluation = evaluate(published)
    assert evaluation.day == DAY
    assert evaluation.truth == str(Layout(published).truth / "users.parquet")
    assert evaluation.spearman is not None
    assert evaluation.spearman[0]["spearman"] == pytest.approx(1.0)
    assert evaluation.higgs_overlap is None
    assert evaluation.archetypes["graded"] == 10
    report = evaluation.report()
    for heading in ("1. Score against", "2. Stability", "3. Archetypes", "4. Higgs", "JSON:"):
        assert heading in report
    payload = json.loads(report.split("JSON:\n", 1)[1])
    assert payload["spearman"][1] == {
        "measure": "reach",
        "users": 5,
        "spearman": pytest.approx(-1.0),
    }


def test_evaluate_takes_the_higgs_file_from_the_environment_on_a_replay(
    published: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (Layout(published).truth / "users.parquet").unlink()
    landing = Layout(published).landing(date(2012, 7, 1))
    landing.mkdir(parents=True)
    (landing / DUMP_FILE).write_bytes(b"")
    source = tmp_path / "higgs.txt"
    source.write_text("\n".join(HIGGS_LINES) + "\n")
    monkeypatch.setenv(HIGGS_FILE_ENV, str(source))
    evaluation = evaluate(published)
    assert evaluation.spearman is None
    assert evaluation.higgs_overlap is not None
    # The top 100 by score are the 10 users scored on DAY (ids u1, lurker, ...), the most
    # retweeted the 4 targets of the file (ids 7, 1, 2, 3): no overlap.
    overlap = evaluation.higgs_overlap
    assert (overlap["top_scored"], overlap["most_retweeted"], overlap["overlap"]) == (10, 4, 0)
    assert "skipped: no truth file" in evaluation.report()


def test_evaluate_rejects_a_day_that_is_not_published(published: Path) -> None:
    with pytest.raises(EvaluationError, match="not published"):
        evaluate(published, day=day(5))


def test_the_command_prints_the_report(published: Path) -> None:
    result = CliRunner().invoke(app, ["evaluate", "--data-root", str(published)])
    assert result.exit_code == 0, result.output
    assert f"on {DAY}" in result.output
    assert "n = 5 users" in result.output
    missing = CliRunner().invoke(
        app, ["evaluate", "--data-root", str(published), "--date", "2026-01-01"]
    )
    assert missing.exit_code == 1
    assert "not published" in missing.output
