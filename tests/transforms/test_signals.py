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
    # Per item (no like names a post made today, so every item counts whole), with one
    # item more at the posters' median rates (the background posters': 1 and 0.1):
    # amplification P (10 + 1) / 21, F (10 + 1) / 3; network impact P (1 + 0.1) / 21,
    # F (1 + 0.1) / 3.
    events = crowd()
    events += [("P", "post")] * 20 + likes([f"p{n}" for n in range(10)], "P", each=2)
    events += [("F", "post")] * 2 + likes([f"f{n}" for n in range(10)], "F")
    scores, features = night(lake, DAY, events)
    p, f = features["P"], features["F"]
    assert p["reactions_received"] == 20 and f["reactions_received"] == 10
    assert (p["reach"], f["reach"]) == (10, 10)
    assert p["network_impact"] == pytest.approx(1.1 / 21)
    assert f["network_impact"] == pytest.approx(1.1 / 3)
    assert (p["amplification"], f["amplification"]) == (
        pytest.approx(11 / 21),
        pytest.approx(11 / 3),
    )
    assert scores["F"]["raw_score"] > scores["P"]["raw_score"]
    assert scores["F"]["score"] > scores["P"]["score"]
    assert scores["F"]["percentile"] > scores["P"]["percentile"]


def item_crowd() -> list[tuple]:
    """Ten background posters, each post liked once by a fan of their own, the like naming
    the post: the population's posts draw reactions, so item reactivity is measured."""
    events: list[tuple] = []
    for n in range(10):
        at = len(events)
        events += [
            (f"bg{n}", "post"),
            (f"fan{n}", "like", f"bg{n}", None, "testnet", f"p-bg{n}-{at}"),
        ]
    return events


def reacted(events: list[tuple], author: str, action: str, givers: list[str]) -> list[tuple]:
    """``author`` makes one item (post, reply or share) and each giver likes that item."""
    item = f"p-{author}-{len(events)}"
    target = None if action == "post" else "bg0"
    return [(author, action, target)] + [
        (giver, "like", author, None, "testnet", item) for giver in givers
    ]


def test_replies_that_draw_nothing_do_not_dilute_amplification(lake):
    # C and D each post twice, each post liked by five people who like nothing else: 10
    # weighted reactions each. C also replies ten times. Nobody's replies draw anything
    # here, so a reply weighs 0 as an item (item_reactivity.sql): C's eligible items are
    # 2, like D's, and both have amplification (10 + 1) / (2 + 1), the 1 being the posters'
    # median rate (v3 divided C's 10 by 12). Network impact (1 + 0.1) / 3 alike.
    events = item_crowd()
    for post in range(2):
        events += reacted(events, "C", "post", [f"c{post}-{n}" for n in range(5)])
        events += reacted(events, "D", "post", [f"d{post}-{n}" for n in range(5)])
    events += [("C", "reply", "bg1")] * 10
    scores, features = night(lake, DAY, events)
    c, d = features["C"], features["D"]
    assert (c["content_items"], d["content_items"]) == (12, 2)
    assert c["eligible_items"] == d["eligible_items"] == 2.0
    assert c["amplification"] == pytest.approx(d["amplification"]) == pytest.approx(11 / 3)
    assert c["network_impact"] == pytest.approx(d["network_impact"]) == pytest.approx(1.1 / 3)
    assert scores["C"]["raw_score"] == pytest.approx(scores["D"]["raw_score"])


def test_where_replies_draw_reactions_each_counts_as_the_share_of_a_post_it_draws(lake):
    # Posts draw (10 background likes + 8 of R's) / 12 posts = 1.5 reactions each today;
    # R's two replies draw 1 each, so a reply weighs 1 / 1.5 = 0.6667 (rounded) of a post.
    # R: eligible items 2 + 2 * 0.6667 = 3.3334; ten givers of one like each weigh 10;
    # amplification (10 + 1) / (3.3334 + 1), 1 being the posters' median rate.
    events = item_crowd()
    for post in range(2):
        events += reacted(events, "R", "post", [f"rp{post}-{n}" for n in range(4)])
        events += reacted(events, "R", "reply", [f"rr{post}"])
    _, features = night(lake, DAY, events)
    r = features["R"]
    assert r["content_items"] == 4
    assert r["eligible_items"] == pytest.approx(3.3334)
    assert r["amplification"] == pytest.approx(11 / 4.3334)


def test_eight_times_the_posts_with_a_few_reactions_each_does_not_lift_the_score(lake):
    # Klout's first rule where extra posts do draw something. S posts once and eight
    # people like it. V posts eight times and two new people like each post: twice S's
    # reactions and reach (16 against 8), but 2 reactions a post against 8. With one item
    # more at the posters' median rates (1 and 0.1): amplification V (16 + 1) / 9 against
    # S (8 + 1) / 2, network impact V (1.6 + 0.1) / 9 against S (0.8 + 0.1) / 2.
    # V must not outrank S.
    events = item_crowd()
    events += reacted(events, "S", "post", [f"s{n}" for n in range(8)])
    for post in range(8):
        events += reacted(events, "V", "post", [f"v{post}-{n}" for n in range(2)])
    scores, features = night(lake, DAY, events)
    s, v = features["S"], features["V"]
    assert (s["reach"], v["reach"]) == (8, 16)
    assert (s["amplification"], v["amplification"]) == (pytest.approx(4.5), pytest.approx(17 / 9))
    assert (s["network_impact"], v["network_impact"]) == (
        pytest.approx(0.45),
        pytest.approx(1.7 / 9),
    )
    assert scores["V"]["raw_score"] < scores["S"]["raw_score"]
    assert scores["V"]["score"] < scores["S"]["score"]


def test_a_share_from_an_influential_account_outweighs_one_from_a_newcomer(lake):
    # I and N each post once and get one share. I's comes from V, who scored 90 yesterday;
    # N's from a newcomer with no score (standing 0.1). Same reach (1) and amplification
    # ((1 + 1) / 2 = 1, with one item at the posters' median rate, 1); network impact
    # (0.9 + 0.1) / 2 = 0.5 against (0.1 + 0.1) / 2 = 0.1 (the posters' median impact 0.1).
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
    assert i["network_impact"] == pytest.approx(0.5)
    assert n["network_impact"] == pytest.approx(0.1)
    assert scores["I"]["score"] > scores["N"]["score"]


def test_posting_ten_times_more_for_the_same_reactions_does_not_raise_the_score(tmp_path):
    # Two worlds, identical but for S: S posts once, or ten times, and the same five people
    # like S once. Amplification (5 + 1) / 2 against (5 + 1) / 11 (one item more at the
    # posters' median rate, the background's 1); everything else is equal.
    def world(name: str, posts: int) -> tuple[dict, dict]:
        events = crowd() + [("S", "post")] * posts + likes([f"s{n}" for n in range(5)], "S")
        return night(Lake(tmp_path / name), DAY, events)

    once_scores, once = world("once", 1)
    tenfold_scores, tenfold = world("tenfold", 10)
    assert once["S"]["amplification"] == pytest.approx(3.0)
    assert tenfold["S"]["amplification"] == pytest.approx(6 / 11)
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


def test_once_a_group_is_caught_what_it_gave_before_the_catch_leaves_the_score_too(lake):
    # Day 1: G posts; three ring accounts and two fans like it (5 givers of one like each,
    # weight 1 apiece). Day 2: G posts, the ring likes again, and the ring is caught: its
    # pairs are held out from day 2 on. The window holds 8 weighted reactions over 2 items;
    # the ring gave 6 of them (3 on each day). With one item more at the posters' median
    # rate (the background's 2 / 2 = 1, and G's own (8 - 6) / 2 = 1), amplification is
    # (8 - 6 + 1) / 3 = 1, not the (8 - 3 + 1) / 3 = 2 it would be were the day before the
    # catch still counted; with the ring counted, (8 + 1) / 3 = 3.
    from transforms.groups import HELD_OUT_SCHEMA

    ring = ["r1", "r2", "r3"]
    first = DAY - timedelta(days=1)
    night(lake, first, [*crowd(), ("G", "post"), *likes([*ring, "f1", "f2"], "G")])
    lake._write(
        HELD_OUT_SCHEMA,
        [(r, "G", "sock_puppets", "sock_puppets-x-1", DAY) for r in ring],
        lake.layout.held_out_pairs(DAY),
    )
    scores, features = night(lake, DAY, [*crowd(), ("G", "post"), *likes(ring, "G")])
    g = features["G"]
    assert g["weighted_reactions"] == pytest.approx(8.0)
    assert g["held_out_weighted_reactions"] == pytest.approx(6.0)
    assert g["held_out_reactions"] == 6
    assert g["amplification"] == pytest.approx(1.0)
    assert g["amplification_with_held_out"] == pytest.approx(3.0)
    assert g["reach"] == 2 and g["reach_with_held_out"] == 5
    assert scores["G"]["raw_score_with_held_out"] > scores["G"]["raw_score"]


def test_audience_counts_followers_above_the_floor_only(lake):
    # A gains 55 followers today: 5 accounts scored 30 yesterday, 20 at the floor (1: they
    # made nothing and nobody acted on them) and 30 with no score at all. Klout's audience
    # leaves out inactive and spam accounts: audience is 5, whoever sold the other 50. One
    # of the five unfollowing B makes B's audience 0, never negative.
    scored = [f"r{n}" for n in range(5)]
    lake.scores(
        DAY - timedelta(days=1),
        dict.fromkeys(scored, 30.0) | {f"floor{n}": 1.0 for n in range(20)},
    )
    events = [*crowd(), ("A", "post"), ("B", "post")]
    events += [(f, "follow", "A") for f in scored]
    events += [(f"floor{n}", "follow", "A") for n in range(20)]
    events += [(f"new{n}", "follow", "A") for n in range(30)]
    events += [("r0", "unfollow", "B")]
    _, features = night(lake, DAY, events)
    a, b = features["A"], features["B"]
    assert (a["follows_received"], a["follows_from_scored"], a["audience"]) == (55, 5, 5)
    assert (b["unfollows_received"], b["audience"]) == (1, 0)
