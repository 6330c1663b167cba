"""Klout's rules at the level of the published score, on hand-built networks.

Each test runs the real steps (features, state, score, archetypes) over a small crowd of
background users, so the subjects are graded on a curve like everyone else; the numbers in
the comments are worked by hand from the definitions in README ("The score").
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from tests.transforms.conftest import Lake
from transforms.features import build_daily_features
from transforms.scoring import assign_archetypes, score_users
from transforms.state import update_state

DAY = date(2026, 3, 10)


def crowd() -> list[tuple]:
    """Ten background posters, each liked once by a fan of their own: a curve to grade on."""
    events: list[tuple] = []
    for n in range(10):
        events += [(f"bg{n}", "post"), (f"fan{n}", "like", f"bg{n}")]
    return events


def night(lake: Lake, when: date, events: list[tuple]) -> tuple[dict, dict]:
    """Run one night's steps on ``events``; return (scores, user_features) by user."""
    lake.events(when, events)
    build_daily_features(lake.root, when)
    update_state(lake.root, when)
    score_users(lake.root, when)
    scores = lake.by_user(assign_archetypes(lake.root, when))
    return scores, lake.by_user(lake.layout.user_features(when))


def likes(givers: list[str], target: str, each: int = 1) -> list[tuple]:
    return [(giver, "like", target) for giver in givers for _ in range(each)]


def test_fewer_posts_with_more_reactions_each_outrank_a_prolific_poster(lake):
    # P posts 20 times and ten people like P twice each: 20 reactions, 1 per post.
    # F posts twice and ten other people like F once each: 10 reactions, 5 per post.
    # Each giver gives only to one user, so every pair weighs sqrt(k / k) = 1: both have
    # weighted reactions 10, reach 10, impact 10 * 0.1 (unscored givers) = 1.
    # Amplification: P 10 / 20 = 0.5, F 10 / 2 = 5.
    events = crowd()
    events += [("P", "post")] * 20 + likes([f"p{n}" for n in range(10)], "P", each=2)
    events += [("F", "post")] * 2 + likes([f"f{n}" for n in range(10)], "F")
    scores, features = night(lake, DAY, events)
    p, f = features["P"], features["F"]
    assert p["reactions_received"] == 20 and f["reactions_received"] == 10
    assert (p["reach"], f["reach"]) == (10, 10)
    assert p["network_impact"] == pytest.approx(f["network_impact"]) == pytest.approx(1.0)
    assert (p["amplification"], f["amplification"]) == (pytest.approx(0.5), pytest.approx(5.0))
    assert scores["F"]["raw_score"] > scores["P"]["raw_score"]
    assert scores["F"]["score"] > scores["P"]["score"]
    assert scores["F"]["percentile"] > scores["P"]["percentile"]


def test_a_share_from_an_influential_account_outweighs_one_from_a_newcomer(lake):
    # I and N each post once and get one share. I's comes from V, who scored 90 yesterday;
    # N's from a newcomer with no score (standing 0.1). Same reach (1) and amplification
    # (sqrt(1/1) / 1 = 1); network impact 0.9 against 0.1.
    lake.scores(DAY - timedelta(days=1), {"V": 90.0})
    events = [
        *crowd(),
        ("I", "post"),
        ("V", "share", "I"),
        ("N", "post"),
        ("newcomer", "share", "N"),
    ]
    scores, features = night(lake, DAY, events)
    i, n = features["I"], features["N"]
    assert (i["reach"], i["amplification"]) == (n["reach"], n["amplification"]) == (1, 1.0)
    assert i["network_impact"] == pytest.approx(0.9)
    assert n["network_impact"] == pytest.approx(0.1)
    assert scores["I"]["score"] > scores["N"]["score"]


def test_posting_ten_times_more_for_the_same_reactions_does_not_raise_the_score(tmp_path):
    # Two worlds, identical but for S: S posts once, or ten times, and the same five people
    # like S once. Amplification 5 / 1 against 5 / 10; everything else is equal.
    def world(name: str, posts: int) -> tuple[dict, dict]:
        events = crowd() + [("S", "post")] * posts + likes([f"s{n}" for n in range(5)], "S")
        return night(Lake(tmp_path / name), DAY, events)

    once_scores, once = world("once", 1)
    tenfold_scores, tenfold = world("tenfold", 10)
    assert (once["S"]["amplification"], tenfold["S"]["amplification"]) == (5.0, 0.5)
    assert tenfold["S"]["reach"] == once["S"]["reach"] == 5
    assert tenfold_scores["S"]["raw_score"] < once_scores["S"]["raw_score"]
    assert tenfold_scores["S"]["score"] <= once_scores["S"]["score"]


def test_hundred_reactions_from_hundred_people_beat_hundred_from_one(lake):
    # M gets one like from each of 100 people; O gets 100 likes from one person.
    # M: reach 100, weighted 100 * sqrt(1/1) = 100. O: reach 1, weighted sqrt(100/100) = 1.
    events = [*crowd(), ("M", "post"), ("O", "post")]
    events += likes([f"m{n}" for n in range(100)], "M") + likes(["superfan"], "O", each=100)
    scores, features = night(lake, DAY, events)
    assert (features["M"]["reach"], features["O"]["reach"]) == (100, 1)
    assert features["M"]["weighted_reactions"] == pytest.approx(100.0)
    assert features["O"]["weighted_reactions"] == pytest.approx(1.0)
    assert scores["M"]["score"] > scores["O"]["score"]


def test_reach_counts_people_over_the_window_not_engager_days(lake):
    # A is liked by the same person on three days; X by three different people.
    # Engager-days (distinct_engagers, a window sum) are 3 for both; reach is 1 against 3.
    for n, fan in enumerate(("x1", "x2", "x3")):
        night(
            lake, DAY + timedelta(days=n), [("A", "post"), ("B", "like", "A"), (fan, "like", "X")]
        )
    last = DAY + timedelta(days=2)
    features = lake.by_user(lake.layout.user_features(last))
    assert (features["A"]["distinct_engagers"], features["X"]["distinct_engagers"]) == (3, 3)
    assert (features["A"]["reach"], features["X"]["reach"]) == (1, 3)
    graded = lake.by_user(lake.layout.graded(last))
    assert graded["X"]["reach_points"] > graded["A"]["reach_points"]


def test_signals_per_network_are_graded_within_each_network(lake):
    # A is big on tw (three fans) and small on ig (one fan, who also follows A there);
    # B is only on ig with two fans. On ig, B outranks A; on tw, A is alone.
    events = [
        ("A", "post", None, None, "tw"),
        *[(fan, "like", "A", None, "tw") for fan in ("t1", "t2", "t3")],
        ("A", "post", None, None, "ig"),
        ("i1", "like", "A", None, "ig"),
        ("i1", "follow", "A", None, "ig"),
        ("B", "post", None, None, "ig"),
        *[(fan, "like", "B", None, "ig") for fan in ("i2", "i3")],
    ]
    night(lake, DAY, events)
    rows = lake.rows(lake.layout.user_networks(DAY), order_by="user_id, network")
    got = {(r["user_id"], r["network"]): r for r in rows}
    a_tw, a_ig, b_ig = got[("A", "tw")], got[("A", "ig")], got[("B", "ig")]
    assert (a_tw["reach"], a_tw["content_items"], a_tw["amplification"]) == (3, 1, 3.0)
    assert (a_ig["reach"], a_ig["audience"], a_ig["amplification"]) == (1, 1, 1.0)
    assert (b_ig["reach"], b_ig["amplification"]) == (2, 2.0)
    assert b_ig["percentile"] > a_ig["percentile"]
    # tw: A is the only user with a signal, above the three fans (raw 0)
    assert a_tw["percentile"] == 100.0
    assert {got[(fan, "tw")]["raw_score"] for fan in ("t1", "t2", "t3")} == {0.0}
    # combined reach counts A's four people once each across both networks
    assert lake.by_user(lake.layout.user_features(DAY))["A"]["reach"] == 4
    assert {r["feature_date"] for r in rows} == {DAY}
    assert all(math.isfinite(r["raw_score"]) for r in rows)


def test_consistent_is_one_over_one_plus_the_variation_of_daily_activity(lake):
    # E likes one post every day; C gives three likes on the first day and nothing after.
    # Over three window days: E's daily actions 1, 1, 1: no variation, consistent 1.
    # C's 3, 0, 0: mean 1, mean square 3, variance 3 - 1 = 2, CV sqrt(2),
    # consistent 1 / (1 + sqrt 2) = 0.4142136. Q follows once, on day 2: 0, 1, 0 has mean
    # 1/3, variance 1/3 - 1/9 = 2/9, CV sqrt(2) too. A posts once a day: 1.
    night(lake, DAY, [("A", "post"), ("E", "like", "A"), *likes(["C"], "A", each=3)])
    night(lake, DAY + timedelta(days=1), [("A", "post"), ("E", "like", "A"), ("Q", "follow", "A")])
    night(lake, DAY + timedelta(days=2), [("A", "post"), ("E", "like", "A")])
    features = lake.by_user(lake.layout.user_features(DAY + timedelta(days=2)))
    assert features["E"]["consistent"] == pytest.approx(1.0)
    assert features["C"]["consistent"] == pytest.approx(1 / (1 + math.sqrt(2)))
    assert features["A"]["consistent"] == pytest.approx(1.0)
    assert features["Q"]["actions_given_squared"] == 1
    assert features["Q"]["consistent"] == pytest.approx(1 / (1 + math.sqrt(2)))
