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
    gaming_gain,
    gaming_recall,
    higgs_overlap,
    lookalike_flags,
    spearman,
    stability,
    truth_view,
    volume_posters,
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


# -- 6-9. Recall on any day, look-alikes, gaming gain, volume posters ------------------------

FULL_TRUTH_SCHEMA = (
    "user_id varchar, influence double, kind varchar, scenario varchar, role varchar, "
    "gaming_start date, viral_day date, lookalike varchar, lookalike_role varchar, created date"
)


def truth_row(
    user: str,
    kind: str = "honest",
    scenario: str = "none",
    role: str = "none",
    start: date | None = None,
    lookalike: str = "none",
    lookalike_role: str = "none",
    influence: float = 1.0,
) -> tuple[Any, ...]:
    """A truth row in the new shape (look-alike columns included)."""
    return (user, influence, kind, scenario, role, start, None, lookalike, lookalike_role, None)


def points(user: str, on: date, value: float) -> tuple[Any, ...]:
    """A scores row with the score given in points (gaming gain reads the score itself)."""
    return (user, on, value, value / 100, "Pundit", None)


# Days 0..6 are published; the evaluation is on day 6. Gamers (customers and members):
#   bf1 bought_followers from day 1, flagged day 2     any day, within 2 days
#   bf2 bought_followers from day 1, flagged day 5     any day only
#   bf3 bought_followers from day 1, flagged day 0     neither: before the gaming
#   df1 drip_followers from day 2, never flagged       neither
#   df2 drip_followers from day 2, flagged day 7       neither: after the evaluated day
#   pod1 engagement_pod from day 3, flagged day 6      any day only (day 6 is not day 3 or 4)
#   pod2 engagement_pod from day 6                     left out: began on the evaluated day
#   lf1 like_farm from day -3                          left out: not a published day
# Operators: o1, o2 bought_followers from day 1, flagged days 1 and 4; o3 camouflaged_farm
# from day 2, never flagged.
RECALL_TRUTH = [
    truth_row("bf1", scenario="bought_followers", role="customer", start=day(1)),
    truth_row("bf2", scenario="bought_followers", role="customer", start=day(1)),
    truth_row("bf3", scenario="bought_followers", role="customer", start=day(1)),
    truth_row("df1", scenario="drip_followers", role="customer", start=day(2)),
    truth_row("df2", scenario="drip_followers", role="customer", start=day(2)),
    truth_row("pod1", scenario="engagement_pod", role="member", start=day(3)),
    truth_row("pod2", scenario="engagement_pod", role="member", start=day(6)),
    truth_row("lf1", scenario="like_farm", role="customer", start=day(-3)),
    truth_row("o1", "new_follower_account", "bought_followers", "operator", day(1)),
    truth_row("o2", "new_follower_account", "bought_followers", "operator", day(1)),
    truth_row("o3", "bot", "camouflaged_farm", "operator", day(2)),
    truth_row("cf1", scenario="camouflaged_farm", role="customer", start=day(7)),
    truth_row("h1"),
    truth_row("h2", "lurker"),
    truth_row("la1", lookalike="friend_clique", lookalike_role="crowd"),
]
RECALL_FLAGS = [
    ("bf1", day(2), "follower_burst"),
    ("bf2", day(5), "jump_new_followers"),
    ("bf3", day(0), "lockstep"),
    ("df2", day(7), "follower_burst"),
    ("pod1", day(6), "engagement_pod"),
    ("lf1", day(1), "lockstep"),
    ("o1", day(1), "follower_burst"),
    ("o2", day(4), "follower_burst"),
    ("cf1", day(3), "lockstep"),
    ("h1", day(3), "lockstep"),
    ("h2", day(5), "jump_distinct_engagers"),
    ("la1", day(4), "engagement_pod"),
]


def recall_inputs() -> duckdb.DuckDBPyConnection:
    return tables(
        truth=(FULL_TRUTH_SCHEMA, RECALL_TRUTH),
        truth_days=("date date, news_day boolean", [(day(d), False) for d in range(7)]),
        gaming_flags=(FLAGS_SCHEMA, RECALL_FLAGS),
        user_features=(FEATURES_SCHEMA, [features("h1", day(d)) for d in range(7)]),
    )


def test_gaming_recall_on_any_day_and_within_two_days() -> None:
    rows = [
        (r["population"], r["scenario"], r["hits"], r["hits_within_2_days"], r["total"])
        for r in gaming_recall(recall_inputs(), day(6))
    ]
    assert rows == [
        # bf1, bf2, bf3, df1, df2, pod1 (cf1 starts after the evaluated day)
        ("gamers", "all scenarios", 3, 1, 6),
        ("gamers", "bought_followers", 2, 1, 3),
        ("gamers", "drip_followers", 0, 0, 2),
        ("gamers", "engagement_pod", 1, 0, 1),
        ("operators", "all scenarios", 2, 1, 3),
        ("operators", "bought_followers", 2, 1, 2),
        ("operators", "camouflaged_farm", 0, 0, 1),
    ]
    shares = {(r["population"], r["scenario"]): r for r in gaming_recall(recall_inputs(), day(6))}
    assert shares["gamers", "all scenarios"]["share"] == pytest.approx(0.5)
    assert shares["gamers", "all scenarios"]["share_within_2_days"] == pytest.approx(1 / 6)


def test_precision_and_two_day_recall_cover_the_new_scenarios() -> None:
    got = {
        (r["measure"], r["subject"]): (r["hits"], r["total"])
        for r in gaming_detection(recall_inputs(), day(6))
        if r["measure"] in ("precision", "recall")
    }
    # Established accounts flagged up to day 6: bf1, bf2, bf3, pod1, lf1, cf1 (gamers: a
    # customer flagged before its gaming still is one) and h1, h2, la1 (not: a look-alike
    # with no scenario is honest). df2's flag is after the evaluated day.
    assert got == {
        ("recall", "bought_followers"): (1, 3),
        ("recall", "drip_followers"): (0, 2),
        ("recall", "engagement_pod"): (0, 1),
        ("precision", "all rules"): (6, 9),
        ("precision", "follower_burst"): (1, 1),
        ("precision", "jump_new_followers"): (1, 1),
        ("precision", "lockstep"): (3, 4),
        ("precision", "engagement_pod"): (1, 2),
        ("precision", "jump_distinct_engagers"): (0, 1),
    }


def test_lookalikes_flagged_by_kind_and_role() -> None:
    truth = [
        truth_row("vs1", lookalike="viral", lookalike_role="subject"),
        truth_row("vs2", lookalike="viral", lookalike_role="subject"),
        truth_row("vc1", lookalike="viral", lookalike_role="crowd"),
        truth_row("vc2", lookalike="viral", lookalike_role="crowd"),
        truth_row("vc3", lookalike="viral", lookalike_role="crowd"),
        truth_row("fc1", lookalike="friend_clique", lookalike_role="subject"),
        truth_row("fcc1", lookalike="friend_clique", lookalike_role="crowd"),
        truth_row("fcc2", lookalike="friend_clique", lookalike_role="crowd"),
        # a superfan club's subject that also bought puppets: flagging it is right
        truth_row(
            "sf1",
            scenario="sock_puppets",
            role="customer",
            start=day(1),
            lookalike="superfan_club",
            lookalike_role="subject",
        ),
        truth_row("vp1", lookalike="volume_poster", lookalike_role="subject"),
        truth_row("h1"),
    ]
    flags = [
        ("vs1", day(2), "jump_distinct_engagers"),
        ("vs1", day(3), "jump_weighted_reactions"),  # one account, however many flags
        ("vc1", day(7), "lockstep"),  # after the evaluated day
        ("fcc2", day(1), "engagement_pod"),
        ("sf1", day(2), "sock_puppets"),
        ("h1", day(2), "lockstep"),
    ]
    con = tables(truth=(FULL_TRUTH_SCHEMA, truth), gaming_flags=(FLAGS_SCHEMA, flags))
    rows = [
        (r["lookalike"], r["lookalike_role"], r["hits"], r["total"], r["share"])
        for r in lookalike_flags(con, day(6))
    ]
    assert rows == [
        ("viral", "subject", 1, 2, 0.5),
        ("viral", "crowd", 0, 3, 0.0),
        ("friend_clique", "subject", 0, 1, 0.0),
        ("friend_clique", "crowd", 1, 2, 0.5),
        ("superfan_club", "subject", 0, 0, None),
        ("superfan_club", "crowd", 0, 0, None),
        ("celebrity_newcomer", "subject", 0, 0, None),
        ("celebrity_newcomer", "crowd", 0, 0, None),
        ("volume_poster", "subject", 0, 1, 0.0),
        ("volume_poster", "crowd", 0, 0, None),
    ]


# Gaming gain, evaluated on day 4 with a band of 2 points and at least 3 controls:
#   g1 like_farm from day 2: 50 on day 1 (the day before), 60 on day 4: change +10.
#      Controls on day 1 within 2 points of 50: c1 49 -> 51 (+2), c2 51 -> 55 (+4),
#      c3 52 -> 52 (0; exactly 2 away counts); c4 60 -> 70 is 10 away. Three are enough:
#      median +2, net gain 10 - 2 = +8.
#   g2 engagement_pod from day 3: 30 on day 2, 31 on day 4: change +1. On day 2 only c2
#      (31, +24) is within 2 points, so the 3 nearest: c2 (1 away), c3 (20: 10 away, +32),
#      c1 (45: 15 away, +6): median +24, net gain 1 - 24 = -23.
#   la1, a friend-clique look-alike at 50 on day 1 rising to 90, and the lurker lu1 at 30
#   on day 2 rising to 99, would move both medians if they were counted: they are not
#   controls. g3 has no score the day before its gaming; g4 begins after day 4.
GAIN_TRUTH = [
    truth_row("g1", scenario="like_farm", role="customer", start=day(2)),
    truth_row("g2", scenario="engagement_pod", role="member", start=day(3)),
    truth_row("g3", scenario="sock_puppets", role="customer", start=day(1)),
    truth_row("g4", scenario="like_farm", role="customer", start=day(5)),
    truth_row("c1"),
    truth_row("c2"),
    truth_row("c3"),
    truth_row("c4"),
    truth_row("la1", lookalike="friend_clique", lookalike_role="subject"),
    truth_row("lu1", "lurker"),
]
GAIN_SCORES = [
    points("g1", day(1), 50),
    points("g1", day(4), 60),
    points("g2", day(2), 30),
    points("g2", day(4), 31),
    points("g3", day(1), 40),
    points("g3", day(4), 90),
    points("g4", day(4), 20),
    points("c1", day(1), 49),
    points("c2", day(1), 51),
    points("c3", day(1), 52),
    points("c4", day(1), 60),
    points("c1", day(2), 45),
    points("c2", day(2), 31),
    points("c3", day(2), 20),
    points("c4", day(2), 60),
    points("c4", day(3), 65),
    points("c1", day(4), 51),
    points("c2", day(4), 55),
    points("c3", day(4), 52),
    points("c4", day(4), 70),
    points("la1", day(1), 50),
    points("la1", day(2), 30),
    points("la1", day(4), 90),
    points("lu1", day(2), 30),
    points("lu1", day(4), 99),
]


def test_gaming_gain_is_net_of_matched_honest_controls() -> None:
    con = tables(scores=(SCORES_SCHEMA, GAIN_SCORES), truth=(FULL_TRUTH_SCHEMA, GAIN_TRUTH))
    rows = gaming_gain(con, day(4), band=2.0, min_controls=3)
    figures = ("gamers", "mean_change", "mean_control_change", "mean_net_gain", "max_net_gain")
    got = {r["scenario"]: tuple(r[k] for k in (*figures, "fewest_controls")) for r in rows}
    assert [r["scenario"] for r in rows] == ["all scenarios", "like_farm", "engagement_pod"]
    assert got["like_farm"] == pytest.approx((1, 10, 2, 8, 8, 3))
    assert got["engagement_pod"] == pytest.approx((1, 1, 24, -23, -23, 3))
    assert got["all scenarios"] == pytest.approx((2, 5.5, 13, -7.5, 8, 3))
    # With at least 4 controls, g1 takes c4 too (4 nearest: +2, +4, 0, +10; median +3).
    wider = {r["scenario"]: r for r in gaming_gain(con, day(4), band=2.0, min_controls=4)}
    assert wider["like_farm"]["mean_net_gain"] == pytest.approx(10 - 3)


def test_volume_posters_median_percentiles() -> None:
    # Honest posters on DAY, percentile = 100 * (average rank - 1) / 4:
    #   user  raw  influence  posts  label          score pct  influence pct
    #   a     .1   5          1                     0          100
    #   b     .2   4          2                     25         75
    #   c     .3   3          3                     62.5 (tie) 50
    #   d     .3   2          4      volume_poster  62.5 (tie) 25
    #   e     .5   1          100    volume_poster  100        0
    # Volume posters d, e: medians (62.5 + 100) / 2 = 81.25 and (25 + 0) / 2 = 12.5.
    # Top tenth by posts (percent_rank of posts >= .9): e alone.
    posters = {
        "a": (0.1, 5.0, 1, "none"),
        "b": (0.2, 4.0, 2, "none"),
        "c": (0.3, 3.0, 3, "none"),
        "d": (0.3, 2.0, 4, "volume_poster"),
        "e": (0.5, 1.0, 100, "volume_poster"),
    }
    scores = [score(u, DAY, raw) for u, (raw, *_) in posters.items()]
    feats = [features(u, DAY, posts=n) for u, (_, _, n, _) in posters.items()]
    truth = [
        truth_row(u, influence=inf, lookalike=label, lookalike_role="subject")
        for u, (_, inf, _, label) in posters.items()
    ]
    # Not honest posters: a lurker labelled a volume poster, and a silent honest account.
    scores += [score("lu", DAY, 0.9), score("quiet", DAY, 0.9)]
    feats += [features("lu", DAY, posts=500), features("quiet", DAY, posts=0)]
    truth += [
        truth_row("lu", "lurker", lookalike="volume_poster", lookalike_role="subject"),
        truth_row("quiet"),
    ]
    con = tables(
        scores=(SCORES_SCHEMA, scores),
        user_features=(FEATURES_SCHEMA, feats),
        truth=(FULL_TRUTH_SCHEMA, truth),
    )
    volume, top = volume_posters(con, DAY)
    assert volume == {
        "population": "volume_posters",
        "honest_posters": 5,
        "users": 2,
        "median_score_percentile": pytest.approx(81.25),
        "median_influence_percentile": pytest.approx(12.5),
    }
    assert top == {
        "population": "top_decile_posts",
        "honest_posters": 5,
        "users": 1,
        "median_score_percentile": pytest.approx(100.0),
        "median_influence_percentile": pytest.approx(0.0),
    }


OLD_TRUTH_SCHEMA = (
    "user_id varchar, influence double, kind varchar, scenario varchar, role varchar, "
    "gaming_start date, viral_day date"
)


def test_an_old_truth_file_reads_as_having_no_look_alikes() -> None:
    # The classic generator's file has no look-alike columns: they read as 'none', so its
    # honest users are all controls and no look-alike kind has accounts.
    old = [row[:7] for row in GAIN_TRUTH if row[0] != "la1"]
    con = tables(
        truth_file=(OLD_TRUTH_SCHEMA, old),
        scores=(SCORES_SCHEMA, GAIN_SCORES),
        gaming_flags=(FLAGS_SCHEMA, [("c1", day(2), "lockstep")]),
    )
    truth_view(con)
    columns = con.execute("select lookalike, lookalike_role, created from truth").fetchall()
    assert set(columns) == {("none", "none", None)}
    assert {r["total"] for r in lookalike_flags(con, day(4))} == {0}
    rows = {r["scenario"]: r for r in gaming_gain(con, day(4), band=2.0, min_controls=3)}
    assert rows["like_farm"]["mean_net_gain"] == pytest.approx(8)


def test_a_new_truth_file_keeps_its_look_alike_columns() -> None:
    created = [(*truth_row("x", lookalike="viral", lookalike_role="subject")[:9], day(-2))]
    con = tables(truth_file=(FULL_TRUTH_SCHEMA, created))
    truth_view(con)
    assert con.execute("select lookalike, lookalike_role, created from truth").fetchall() == [
        ("viral", "subject", day(-2))
    ]


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    """A data root like a generated one: scores, features and flags published, the truth
    in the new shape with its days.parquet and world.json."""
    root = tmp_path / "gen"
    layout = Layout(root)
    con = tables(
        scores=(SCORES_SCHEMA, GAIN_SCORES),
        user_features=(
            FEATURES_SCHEMA,
            [features(u, day(d)) for u in ("g1", "c1", "c2") for d in range(1, 5)],
        ),
        gaming_flags=(FLAGS_SCHEMA, [("g1", day(3), "lockstep"), ("la1", day(4), "lockstep")]),
        truth=(FULL_TRUTH_SCHEMA, GAIN_TRUTH),
        truth_days=("date date, news_day boolean", [(day(d), d == 3) for d in range(1, 5)]),
    )
    views = {
        table: write_parquet(con, table, layout.published / table / "all" / "t.parquet")
        for table in ("scores", "user_features", "gaming_flags")
    }
    write_parquet(con, "truth", layout.truth / "users.parquet")
    write_parquet(con, "truth_days", layout.truth / "days.parquet")
    world = {"family": "young", "seed": 2, "users": 10, "days": 5, "start": "2026-03-10"}
    (layout.truth / "world.json").write_text(json.dumps(world))
    layout.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(layout.warehouse)) as warehouse:
        for table, path in views.items():
            warehouse.execute(f"create view {table} as select * from {engine.parquet_source(path)}")
    return root


def test_evaluate_reports_the_new_sections_on_a_generated_root(generated: Path) -> None:
    evaluation = evaluate(generated)
    assert evaluation.day == day(4)
    assert evaluation.world is not None and evaluation.world["family"] == "young"
    assert evaluation.gaming_recall is not None
    recall = {(r["population"], r["scenario"]): r for r in evaluation.gaming_recall}
    # g1 (flagged day 3) and g2, g3 (never); g4 begins after the evaluated day
    assert recall["gamers", "all scenarios"]["total"] == 3
    assert recall["gamers", "all scenarios"]["hits"] == 1
    assert evaluation.lookalikes is not None
    clique = [r for r in evaluation.lookalikes if r["lookalike"] == "friend_clique"]
    assert (clique[0]["hits"], clique[0]["total"]) == (1, 1)
    assert evaluation.gaming_gain is not None
    gain = {r["scenario"]: r for r in evaluation.gaming_gain}
    # the default 20 controls: all four honest controls for both gamers
    assert gain["like_farm"]["fewest_controls"] == 4
    assert gain["like_farm"]["mean_net_gain"] == pytest.approx(10 - 3)
    assert evaluation.volume_posters is not None
    report = evaluation.report()
    for heading in (
        "world: family young, seed 2",
        "5. Gaming flags",
        "6. Gaming recall",
        "7. Honest look-alikes",
        "8. Gaming gain",
        "9. Volume posters",
    ):
        assert heading in report
    payload = json.loads(report.split("JSON:\n", 1)[1])
    assert set(payload) >= {
        "spearman",
        "gaming",
        "world",
        "gaming_recall",
        "lookalikes",
        "gaming_gain",
        "volume_posters",
    }


def test_a_root_without_world_json_is_the_classic_family(published: Path) -> None:
    evaluation = evaluate(published)
    assert evaluation.world == {"family": "classic"}
    # Without days.parquet there are no gaming labels: those sections say they were skipped.
    assert evaluation.gaming_recall is None and evaluation.gaming_gain is None
    assert evaluation.volume_posters is not None
    assert "6. Gaming recall" in evaluation.report()


# -- clout evaluate-worlds: the worst seed, the worst family, the targets ---------------------


def world_result(family: str, seed: int, **figures: Any) -> dict[str, Any]:
    """A saved evaluation.json of one world, carrying only the figures given."""
    recall_hits, recall_total = figures.get("recall", (1, 1))
    evaluation: dict[str, Any] = {
        "day": "2026-01-28",
        "spearman": [{"measure": "raw_score", "users": 900, "spearman": figures["spearman"]}],
        "gaming_recall": [
            {
                "population": "gamers",
                "scenario": "all scenarios",
                "hits": recall_hits,
                "hits_within_2_days": 0,
                "total": recall_total,
                "share": recall_hits / recall_total,
                "share_within_2_days": 0.0,
            }
        ],
        "gaming": [
            {"measure": "precision", "subject": "all rules", "hits": 19, "total": 20, "share": 0.95}
        ],
        "lookalikes": [
            {"lookalike": "friend_clique", "lookalike_role": "crowd", **row}
            for row in figures.get("clique", [])
        ],
        "gaming_gain": [
            {"scenario": "all scenarios", "gamers": 7, "mean_net_gain": figures["gain"]}
        ],
        "volume_posters": [],
        "higgs_overlap": None,
    }
    world = {"family": family, "seed": seed, "users": 500, "days": 9, "start": "2026-01-20"}
    return {"world": world, "code_version": "test", "seconds": {}, "evaluation": evaluation}


def test_the_worlds_report_takes_the_worst_seed_and_the_worst_family() -> None:
    from transforms.worlds_eval import Outcome, render_markdown

    clique = [{"hits": 1, "total": 50, "share": 0.02}]
    outcome = Outcome(
        families=["classic", "young"],
        seeds=[1, 2],
        worlds={
            "classic-s1": world_result("classic", 1, spearman=0.93, recall=(9, 10), gain=0.4),
            "classic-s2": world_result("classic", 2, spearman=0.91, recall=(10, 10), gain=1.2),
            "young-s1": world_result(
                "young", 1, spearman=0.95, recall=(1, 2), gain=-0.5, clique=clique
            ),
            "young-s2": world_result("young", 2, spearman=0.94, recall=(2, 2), gain=0.0),
        },
        failures={"young-s3": "ValueError: broken"},
    )
    text = render_markdown(outcome, "clout evaluate-worlds --seeds 1,2", "0.1.0+gabc")
    assert "`clout evaluate-worlds --seeds 1,2`" in text.splitlines()[2]
    per_family = [
        "| figure | target | classic | young |",
        "| Spearman: raw score vs latent influence | ≥ 0.92 | 0.910 (s1 0.930, s2 0.910) "
        "| 0.940 (s1 0.950, s2 0.940) |",
        "| Recall of gamers, any day (all scenarios) | ≥ 0.9 | 0.900 (s1 9/10, s2 10/10) "
        "| 0.500 (s1 1/2, s2 2/2) |",
        "| Precision among established accounts flagged | ≥ 0.95 | 0.950 (s1 19/20, s2 19/20) "
        "| 0.950 (s1 19/20, s2 19/20) |",
        "| Look-alike flagged: friend_clique (crowd) | ≤ 0.03 | n/a | 0.020 (s1 1/50) |",
        "| Gamers' net score gain, points (all scenarios) | ≤ 1 | +1.20 (s1 +0.40, s2 +1.20) "
        "| +0.00 (s1 -0.50, s2 +0.00) |",
    ]
    worst = [
        "| Spearman: raw score vs latent influence | ≥ 0.92 | classic | 0.910 | **NO** |",
        "| Recall of gamers, any day (all scenarios) | ≥ 0.9 | young | 0.500 | **NO** |",
        "| Precision among established accounts flagged | ≥ 0.95 | classic | 0.950 | yes |",
        "| Look-alike flagged: friend_clique (crowd) | ≤ 0.03 | young | 0.020 | yes |",
        "| Gamers' net score gain, points (all scenarios) | ≤ 1 | classic | +1.20 | **NO** |",
    ]
    lines = text.splitlines()
    for line in per_family + worst:
        assert line in lines, line
    assert "Targets: 2 of 5 hold on every world measured." in lines
    assert "- young-s3: ValueError: broken" in lines


def test_a_finished_world_is_reused_and_a_foreign_folder_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms import worlds_eval
    from transforms.worlds_eval import MARKER_FILE, RESULT_FILE, WorldSpec, build_world

    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a finished world was built again")

    monkeypatch.setattr(worlds_eval, "_generate", must_not_run)
    monkeypatch.setattr(worlds_eval, "_run_nights", must_not_run)
    spec = WorldSpec("classic", 1, 500, 9, date(2026, 1, 20))
    saved = world_result("classic", 1, spearman=0.9, gain=0.0)
    engine.write_json(tmp_path / "classic-s1" / RESULT_FILE, saved)
    assert build_world(spec, tmp_path) == json.loads(json.dumps(saved))

    # A folder this command did not make is never replaced.
    other = WorldSpec("classic", 2, 500, 9, date(2026, 1, 20))
    (tmp_path / "classic-s2").mkdir()
    (tmp_path / "classic-s2" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match=MARKER_FILE):
        build_world(other, tmp_path)
    assert (tmp_path / "classic-s2" / "notes.txt").read_text() == "mine"


def test_a_world_whose_nights_are_all_published_is_only_evaluated_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transforms import worlds_eval
    from transforms.worlds_eval import MARKER_FILE, RESULT_FILE, WorldSpec, build_world

    def must_not_run(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a published world was built again")

    class Evaluated:
        def as_json(self) -> str:
            return json.dumps({"day": "2026-01-28"})

    evaluated_days = []

    def fake_evaluate(root: Path, day: date) -> Evaluated:
        evaluated_days.append(day)
        return Evaluated()

    monkeypatch.setattr(worlds_eval, "_generate", must_not_run)
    monkeypatch.setattr(worlds_eval, "_run_nights", must_not_run)
    monkeypatch.setattr(worlds_eval, "evaluate", fake_evaluate)
    spec = WorldSpec("classic", 1, 500, 9, date(2026, 1, 20))
    root = tmp_path / spec.name
    engine.write_json(root / MARKER_FILE, {"world": spec.as_json()})
    layout = Layout(root)
    layout.truth.mkdir(parents=True)
    (layout.truth / "users.parquet").write_bytes(b"")
    nights = [(spec.start + timedelta(days=d)).isoformat() for d in range(spec.days)]
    engine.write_json(layout.manifest, {"tables": {}, "published_dates": nights})
    result = build_world(spec, tmp_path)
    assert evaluated_days == [spec.end] == [date(2026, 1, 28)]
    assert result["evaluation"] == {"day": "2026-01-28"}
    assert (root / RESULT_FILE).exists()


def test_evaluate_worlds_refuses_an_unknown_family(tmp_path: Path) -> None:
    from transforms.worlds_eval import evaluate_worlds

    with pytest.raises(ValueError, match="unknown families nosuch"):
        evaluate_worlds(tmp_path, ["classic", "nosuch"], [1], 300, 6, date(2026, 1, 1))
