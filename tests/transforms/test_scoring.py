"""Steps 4 and 5: score_users grades on the population curve, assign_archetypes places users.

The SQL is exercised both through the steps (from real features and state) and directly
on hand-made input views; every expected number is worked by hand in the comments.
"""

from __future__ import annotations

import itertools
import math
import random
from datetime import date, timedelta

import duckdb
import pytest

from transforms import engine
from transforms.features import build_daily_features
from transforms.scoring import (
    ARCHETYPES,
    MODEL_VERSION,
    STYLE_X_CUTS,
    STYLE_Y_CUTS,
    assign_archetypes,
    bind_model,
    score_users,
)
from transforms.state import update_state

DAY = date(2026, 3, 10)
SIGNALS = ("reach", "amplification", "network_impact", "audience")


def grade(
    users: dict[str, tuple[float, float, float, float]],
    prev=None,
    five_days_ago=None,
    with_held_out: dict[str, tuple[float, float, float, float]] | None = None,
) -> dict[str, dict]:
    """Run sql/scoring/graded.sql on a user_features view of the four signals, and of the
    four signals with gaming's held-out engagement counted (the same unless given)."""
    with_held_out = with_held_out or {}
    con = duckdb.connect()
    try:
        con.execute(
            "create temp table user_features (user_id varchar, reach double, "
            "amplification double, network_impact double, audience double, "
            "reach_with_held_out double, amplification_with_held_out double, "
            "network_impact_with_held_out double, audience_with_held_out double)"
        )
        con.executemany(
            "insert into user_features values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(u, *map(float, s), *map(float, with_held_out.get(u, s))) for u, s in users.items()],
        )
        con.execute("create temp table prev_scores (user_id varchar, score double)")
        if prev:
            con.executemany("insert into prev_scores values (?, ?)", list(prev.items()))
        con.execute("create temp table scores_5d_ago (user_id varchar, score double)")
        if five_days_ago:
            con.executemany("insert into scores_5d_ago values (?, ?)", list(five_days_ago.items()))
        bind_model(con)
        rel = con.execute(engine.sql("scoring/graded"))
        names = [d[0] for d in rel.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in rel.fetchall()}
    finally:
        con.close()


def reach_only(values: dict[str, float]) -> dict[str, tuple[float, float, float, float]]:
    return {u: (v, 0.0, 0.0, 0.0) for u, v in values.items()}


# ---------------------------------------------------------------------------- raw score


def test_raw_score_is_the_weighted_sum_of_scaled_log_signals():
    # ln(1 + 1) = ln 2 and ln(1 + 3) = 2 ln 2. Each signal's scale is the 99th percentile
    # of its positive logs: quantile_cont([ln 2, 2 ln 2], 0.99) = ln 2 + 0.99 ln 2 = 1.99 ln 2.
    graded = grade({"z": (0, 0, 0, 0), "u1": (1, 1, 1, 1), "u3": (3, 3, 3, 3)})
    u1, u3, z = graded["u1"], graded["u3"], graded["z"]
    # u1: each signal is 1 / 1.99 of its scale; weights 0.05 + 0.9 + 0.05 + 0 = 1
    assert u1["reach_points"] == pytest.approx(0.05 / 1.99)  # 0.0251256
    assert u1["amplification_points"] == pytest.approx(0.9 / 1.99)  # 0.4522613
    assert u1["network_impact_points"] == pytest.approx(0.05 / 1.99)
    assert u1["audience_points"] == 0
    assert u1["raw_score"] == pytest.approx(0.502512562814, abs=1e-12)  # 1 / 1.99
    assert u3["raw_score"] == pytest.approx(1.005025125628, abs=1e-12)  # 2 / 1.99
    assert z["raw_score"] == 0.0
    # percentile among all 3: 0, 50, 100; graded among the 2 with raw > 0: ranks 0 and 100
    assert (z["percentile"], u1["percentile"], u3["percentile"]) == (0.0, 50.0, 100.0)
    assert (z["score"], u1["score"], u3["score"]) == (1.0, 1.0, 100.0)


# ------------------------------------------------------------------------------- curve


def test_raw_score_zero_gets_exactly_the_floor():
    graded = grade({"quiet": (0, 0, 0, 0), "also_quiet": (0, 0, 0, 0), "heard": (5, 0, 0, 0)})
    assert graded["quiet"]["raw_score"] == 0.0
    assert graded["quiet"]["score"] == 1.0
    assert graded["also_quiet"]["score"] == 1.0
    assert graded["quiet"]["percentile"] == 0.0


def test_graded_users_follow_the_published_curve():
    # 1,001 users with raw > 0 (reach 1..1001) and 500 with raw 0. User k (0-based) has
    # graded rank 100 * k / 1000 = k / 10 among the graded, whatever the floor's size.
    users = reach_only({f"g{k:04d}": k + 1 for k in range(1001)})
    users |= reach_only({f"z{k:03d}": 0 for k in range(500)})
    graded = grade(users)
    expected = {
        0: 1.0,  # knot (0, 1)
        250: 10.5,  # 1 + 19 * 25 / 50
        500: 20.0,  # knot (50, 20)
        650: 30.0,  # 20 + 20 * 15 / 30
        800: 40.0,  # knot (80, 40)
        900: 55.33,  # 40 + 23 * 10 / 15 = 55.333
        950: 63.0,  # knot (95, 63)
        970: 71.5,  # 63 + 17 * 2 / 4
        990: 80.0,  # knot (99, 80)
        995: 86.67,  # 80 + 12 * 0.5 / 0.9 = 86.667
        999: 92.0,  # knot (99.9, 92)
        1000: 100.0,  # knot (100, 100)
    }
    for k, score in expected.items():
        assert graded[f"g{k:04d}"]["score"] == score, k
    # percentile is among all 1,501 users: user k has 500 + k users below -> (500 + k) / 1500
    assert graded["g0000"]["percentile"] == pytest.approx(100 * 500 / 1500)  # 33.33
    assert graded["g0500"]["percentile"] == pytest.approx(100 * 1000 / 1500)  # 66.67
    assert graded["g1000"]["percentile"] == pytest.approx(100.0)
    assert all(graded[f"z{k:03d}"]["score"] == 1.0 for k in range(500))

    # The floor's size does not move the graded users: without the 500 zeros, same scores.
    alone = grade(reach_only({f"g{k:04d}": k + 1 for k in range(1001)}))
    for k in range(0, 1001, 50):
        assert alone[f"g{k:04d}"]["score"] == graded[f"g{k:04d}"]["score"], k


def test_ties_share_score_and_percentile():
    # reach 1, 2, 2, 3, 4 graded (+ one zero). Graded mid-ranks over 5 users: 0; the tied
    # pair spans ranks 2-3, so (1 + 0.5) / 4 = 37.5 for both; 75; 100.
    # Scores: 1; 1 + 19 * 37.5/50 = 15.25 (both); 20 + 20 * 25/30 = 36.67; 100.
    # Percentile over 6 users: 0 (zero); 20; 40 (both ties); 80; 100.
    graded = grade(reach_only({"z": 0, "a": 1, "b1": 2, "b2": 2, "c": 3, "d": 4}))
    got = {u: (r["score"], r["percentile"]) for u, r in graded.items()}
    assert got == {
        "z": (1.0, 0.0),
        "a": (1.0, pytest.approx(20.0)),
        "b1": (15.25, pytest.approx(40.0)),
        "b2": (15.25, pytest.approx(40.0)),
        "c": (36.67, pytest.approx(80.0)),
        "d": (100.0, pytest.approx(100.0)),
    }
    assert graded["b1"]["raw_score"] == graded["b2"]["raw_score"]


def test_score_and_percentile_are_monotone_in_raw_score():
    rng = random.Random(7)
    users = {
        f"u{i:03d}": tuple(0.0 if rng.random() < 0.3 else rng.expovariate(0.1) for _ in SIGNALS)
        for i in range(300)
    }
    rows = sorted(grade(users).values(), key=lambda r: r["raw_score"])
    for lower, higher in itertools.pairwise(rows):
        assert lower["score"] <= higher["score"]
        assert lower["percentile"] <= higher["percentile"]
        if lower["raw_score"] < higher["raw_score"]:
            assert lower["percentile"] < higher["percentile"]
    assert rows[0]["score"] == 1.0
    assert rows[-1]["score"] == 100.0
    assert all(1.0 <= r["score"] <= 100.0 for r in rows)


def test_held_out_engagement_gives_a_would_be_score_on_todays_curve():
    # Raw scores (reach only, scale = p99 of ln(1 + reach) over a, b, c, f):
    # a 1, b 3, c 7 graded at ranks 0, 50... F's own signal is 1 (like a); with its
    # held-out engagement counted its reach would be 3, exactly b's raw score, so it
    # would have b's score. Nobody else changes.
    users = {"z": (0, 0, 0, 0), "a": (1, 0, 0, 0), "b": (3, 0, 0, 0), "c": (7, 0, 0, 0)}
    users["f"] = (1, 0, 0, 0)
    graded = grade(users, with_held_out={"f": (3, 0, 0, 0)})
    f, a, b = graded["f"], graded["a"], graded["b"]
    assert f["raw_score"] == a["raw_score"] and f["score"] == a["score"]
    assert f["raw_score_with_held_out"] == pytest.approx(b["raw_score"], abs=1e-12)
    assert f["score_with_held_out"] == b["score"]
    for user in ("z", "a", "b", "c"):
        assert graded[user]["score_with_held_out"] == graded[user]["score"]
        assert graded[user]["raw_score_with_held_out"] == graded[user]["raw_score"]


def test_delta_and_model_version():
    # scores: z 1 (floor), u1 1 (graded rank 0), u3 100 (see the raw score test)
    graded = grade(
        {"z": (0, 0, 0, 0), "u1": (1, 1, 1, 1), "u3": (3, 3, 3, 3)},
        prev={"u1": 0.5, "u3": 90.25, "gone": 50.0},
        five_days_ago={"u3": 60.0, "z": 4.0},
    )
    assert graded["u1"]["delta_1d"] == 0.5  # 1 - 0.5
    assert graded["u3"]["delta_1d"] == 9.75  # 100 - 90.25
    assert graded["z"]["delta_1d"] is None  # no score yesterday
    assert graded["u3"]["delta_5d"] == 40.0  # 100 - 60
    assert graded["z"]["delta_5d"] == -3.0  # 1 - 4
    assert graded["u1"]["delta_5d"] is None  # no score five days ago
    assert "gone" not in graded
    assert {r["model_version"] for r in graded.values()} == {MODEL_VERSION}
    assert MODEL_VERSION == "clout-score-v5"


# ---------------------------------------------------------------- through the real steps


def test_same_reactions_over_more_posts_is_less_amplification(lake):
    # Klout rule 1. A posts once, B four times; three givers each like A once and B once,
    # so each pair weighs sqrt(1/2) and both get 3 * sqrt(1/2) = 2.1213203 weighted
    # reactions from 3 engagers. Amplification is per piece of content, with one more
    # item at the posters' median rate, median(2.1213203, 0.5303301) = 1.3258252:
    # A (2.1213203 + 1.3258252) / 2 = 1.7235728, B (2.1213203 + 1.3258252) / 5 = 0.6894291.
    events = [("A", "post"), *[("B", "post")] * 4]
    for giver in ("g1", "g2", "g3"):
        events += [(giver, "like", "A"), (giver, "like", "B")]
    lake.events(DAY, events)
    build_daily_features(lake.root, DAY)
    update_state(lake.root, DAY)
    lake.scores(DAY - timedelta(days=1), {"A": 30.0})
    graded = lake.by_user(score_users(lake.root, DAY))
    features = lake.by_user(lake.layout.user_features(DAY))

    a, b = features["A"], features["B"]
    assert a["weighted_reactions"] == pytest.approx(b["weighted_reactions"])
    assert a["weighted_reactions"] == pytest.approx(3 / math.sqrt(2))
    assert a["reach"] == b["reach"] == 3
    assert a["amplification"] == pytest.approx(1.7235728, abs=1e-7)
    assert b["amplification"] == pytest.approx(0.6894291, abs=1e-7)
    assert graded["A"]["amplification_points"] > graded["B"]["amplification_points"]
    assert graded["A"]["reach_points"] == graded["B"]["reach_points"]
    assert graded["A"]["raw_score"] > graded["B"]["raw_score"]
    assert graded["A"]["score"] > graded["B"]["score"]
    # the givers were acted on by nobody: raw 0, the floor
    assert {graded[g]["score"] for g in ("g1", "g2", "g3")} == {1.0}
    # graded ranks among {B, A}: 0 and 100 -> scores 1 and 100; A had 30 yesterday
    assert (graded["B"]["score"], graded["A"]["score"]) == (1.0, 100.0)
    assert graded["A"]["delta_1d"] == 70.0
    assert graded["B"]["delta_1d"] is None

    scores = lake.by_user(assign_archetypes(lake.root, DAY))
    assert sorted(scores) == ["A", "B", "g1", "g2", "g3"]
    assert {r["score_date"] for r in scores.values()} == {DAY}
    assert {r["model_version"] for r in scores.values()} == {MODEL_VERSION}
    assert scores["A"]["score"] == 100.0
    # A: creating 1 (1 post, 0 shares), consistent 1 (one day, so no variation), score 100
    # -> x = 1; participating 1 (its only action is a post), broad 0.5 (no topics)
    # -> y = 0.75: column 3 (>= 0.45), row 0 (>= 0.62).
    # B: x = (1 + 1 + 0.01) / 3 = 0.67 (score 1), y 0.75: also a Celebrity.
    # Givers: only likes -> creating 0, participating 0; consistent 1, score 1
    # -> x = 1.01 / 3 = 0.3367 (column 1), y = (0 + 0.5) / 2 = 0.25 (row 3).
    got = {u: (r["archetype"], r["style_x"], r["style_y"]) for u, r in scores.items()}
    assert got == {
        "A": ("Celebrity", 1.0, 0.75),
        "B": ("Celebrity", 0.67, 0.75),
        "g1": ("Explorer", 0.3367, 0.25),
        "g2": ("Explorer", 0.3367, 0.25),
        "g3": ("Explorer", 0.3367, 0.25),
    }


def test_style_axes_from_state(lake):
    lake.events(
        DAY,
        [
            ("A", "post", None, ["AI"]),
            ("A", "post", None, ["ai", "Sports"]),
            ("A", "share", "B", ["AI"]),
            ("A", "like", "B"),
            *[("B", "post")] * 4,
            ("L", "like", "B"),
        ],
    )
    build_daily_features(lake.root, DAY)
    update_state(lake.root, DAY)
    score_users(lake.root, DAY)
    features = lake.by_user(lake.layout.user_features(DAY))
    a, b, lurker = features["A"], features["B"], features["L"]
    # A: participating = (2 posts + 1 share) / 4 actions = 0.75; creating = 2 / (2 + 1);
    # topics ai 3, sports 1 -> broad = 1 - 3/4 = 0.25; active 1 of 1 window day
    assert a["participating"] == pytest.approx(0.75)
    assert a["creating"] == pytest.approx(2 / 3)
    assert a["broad"] == pytest.approx(0.25)
    assert (a["top_topic"], a["topics_used"]) == ("ai", 2)
    assert a["consistent"] == 1.0
    assert a["feature_date"] == DAY
    # B: only posts -> participating 1, creating 1; no topics -> broad 0.5
    assert (b["participating"], b["creating"], b["broad"]) == (1.0, 1.0, 0.5)
    assert (b["top_topic"], b["topics_used"]) == (None, 0)
    # L: only likes -> participating 0, creating 0 (no content)
    assert (lurker["participating"], lurker["creating"]) == (0.0, 0.0)


# -------------------------------------------------------------------------- archetypes

# The documented matrix: rows from participating/broad (top) to listening/focused,
# columns from sharing/casual (left) to creating/consistent.
MATRIX = [
    ["Curator", "Broadcaster", "Taste Maker", "Celebrity"],
    ["Syndicator", "Feeder", "Thought Leader", "Pundit"],
    ["Dabbler", "Conversationalist", "Socializer", "Networker"],
    ["Observer", "Explorer", "Activist", "Specialist"],
]


def place(users: dict[str, tuple[float, float, float, float, float]]) -> dict[str, dict]:
    """Run sql/scoring/scores.sql; users map to (creating, consistent, score,
    participating, broad)."""
    con = duckdb.connect()
    try:
        con.execute(
            "create temp table graded (user_id varchar, raw_score double, percentile double, "
            "score double, delta_1d double, delta_5d double, model_version varchar, "
            "score_with_held_out double, raw_score_with_held_out double)"
        )
        con.execute(
            "create temp table user_features (user_id varchar, creating double, "
            "consistent double, participating double, broad double)"
        )
        for user, (creating, consistent, score, participating, broad) in users.items():
            con.execute(
                "insert into graded values (?, 0.5, 61.5, ?, -1.5, 3.0, ?, ?, 0.5)",
                [user, score, MODEL_VERSION, score],
            )
            con.execute(
                "insert into user_features values (?, ?, ?, ?, ?)",
                [user, creating, consistent, participating, broad],
            )
        engine.set_variables(con, score_date=DAY)
        bind_model(con)
        rel = con.execute(engine.sql("scoring/scores"))
        names = [d[0] for d in rel.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in rel.fetchall()}
    finally:
        con.close()


def band_middles(cuts: tuple[float, ...]) -> list[float]:
    """A position inside each of the four bands the three cuts make, lowest first."""
    edges = (0.0, *cuts, 1.0)
    return [round((low + high) / 2, 4) for low, high in itertools.pairwise(edges)]


def test_all_sixteen_archetypes_are_reachable():
    # x in the middle of each column band (creating = consistent = score / 100 = x),
    # y in the middle of each row band from the top row (participating = broad = y)
    xs = band_middles(STYLE_X_CUTS)
    ys = band_middles(STYLE_Y_CUTS)[::-1]
    users = {
        f"r{row}c{col}": (x, x, 100 * x, y, y)
        for row, y in enumerate(ys)
        for col, x in enumerate(xs)
    }
    placed = place(users)
    for row in range(4):
        for col in range(4):
            got = placed[f"r{row}c{col}"]
            assert got["archetype"] == MATRIX[row][col], (row, col)
            assert got["style_x"] == pytest.approx(xs[col], abs=1e-4)
            assert got["style_y"] == pytest.approx(ys[row], abs=1e-4)
    assert {r["archetype"] for r in placed.values()} == set(ARCHETYPES)
    assert [name for row in MATRIX for name in row] == list(ARCHETYPES)
    some = placed["r0c0"]
    assert (some["score"], some["delta_1d"], some["delta_5d"], some["score_date"]) == (
        16.5,  # x = 0.165, the middle of column 0
        -1.5,
        3.0,
        DAY,
    )
    assert some["model_version"] == MODEL_VERSION


def test_archetype_positions_are_means_cut_at_the_documented_thresholds():
    assert (STYLE_X_CUTS, STYLE_Y_CUTS) == ((0.33, 0.39, 0.45), (0.50, 0.54, 0.62))
    placed = place(
        {
            # x = (0.3 + 0.5 + 0.4) / 3 = 0.4 -> column 2 (0.39-0.45);
            # y = (0.5 + 0.7) / 2 = 0.6 -> row 1 (0.54-0.62): Thought Leader
            "mixed": (0.3, 0.5, 40.0, 0.5, 0.7),
            # exactly on the lowest cuts: x = 0.33 -> column 1, y = 0.50 -> row 2
            "on_low_cuts": (0.33, 0.33, 33.0, 0.5, 0.5),
            # just under them: column 0, row 3
            "under_low_cuts": (0.3299, 0.3299, 32.99, 0.4999, 0.4999),
            # on the top cuts: x = 0.45 -> column 3, y = 0.62 -> row 0
            "on_top_cuts": (0.45, 0.45, 45.0, 0.62, 0.62),
            # the corners
            "zero": (0.0, 0.0, 0.0, 0.0, 0.0),
            "one": (1.0, 1.0, 100.0, 1.0, 1.0),
        }
    )
    got = {u: r["archetype"] for u, r in placed.items()}
    assert got == {
        "mixed": "Thought Leader",
        "on_low_cuts": "Conversationalist",
        "under_low_cuts": "Observer",
        "on_top_cuts": "Celebrity",
        "zero": "Observer",
        "one": "Celebrity",
    }
    assert (placed["mixed"]["style_x"], placed["mixed"]["style_y"]) == (0.4, 0.6)
