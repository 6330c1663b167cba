"""Step 2, build_daily_features: what each user gave and received on a day, and their topics.

Every expected number below is worked out by hand from the few events of its test.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from transforms.features import UNSCORED_STANDING, build_daily_features

DAY = date(2026, 3, 10)
YESTERDAY = DAY - timedelta(days=1)


def test_counts_given_and_received(lake):
    lake.events(
        DAY,
        [
            ("A", "post"),
            ("A", "post"),
            ("A", "reply", "B"),
            ("A", "share", "B"),
            ("A", "like", "B"),
            ("A", "mention", "B"),
            ("A", "follow", "B"),
            ("B", "unfollow", "A"),
            ("B", "like", "A"),
            ("C", "like", "A"),
            ("C", "reply", "A"),
            ("A", "follow", "D"),  # D never acts: present only as a receiver
        ],
    )
    path = build_daily_features(lake.root, DAY)
    assert path == lake.layout.daily_features(DAY)
    rows = lake.by_user(path)
    assert sorted(rows) == ["A", "B", "C", "D"]

    a = rows["A"]
    # given: 2 posts, 1 reply, 1 share, 1 like, 1 mention, 2 follows = 8 actions,
    # content = posts + replies + shares = 4
    assert (a["posts"], a["replies"], a["shares"], a["likes"]) == (2, 1, 1, 1)
    assert (a["mentions"], a["follows"], a["unfollows"]) == (1, 2, 0)
    assert a["actions_given"] == 8
    assert a["content_items"] == 4
    # received: B's unfollow and like, C's like and reply
    assert a["likes_received"] == 2
    assert a["replies_received"] == 1
    assert a["unfollows_received"] == 1
    assert (a["shares_received"], a["mentions_received"], a["follows_received"]) == (0, 0, 0)
    # reactions are like/share/reply/mention: 2 likes + 1 reply (the unfollow is not one)
    assert a["reactions_received"] == 3
    assert a["distinct_engagers"] == 2  # B and C
    assert (a["active_days"], a["present_days"]) == (1, 1)

    b = rows["B"]
    assert (b["likes"], b["unfollows"], b["actions_given"], b["content_items"]) == (1, 1, 2, 0)
    received = ("likes", "shares", "replies", "mentions", "follows", "unfollows")
    assert [b[f"{kind}_received"] for kind in received] == [1, 1, 1, 1, 1, 0]
    assert b["reactions_received"] == 4  # A's reply, share, like and mention
    assert b["distinct_engagers"] == 1

    c = rows["C"]
    assert (c["likes"], c["replies"], c["actions_given"], c["content_items"]) == (1, 1, 2, 1)
    assert c["reactions_received"] == 0
    assert c["distinct_engagers"] == 0
    assert c["weighted_reactions"] == 0.0
    assert c["impact"] == 0.0

    d = rows["D"]
    assert d["actions_given"] == 0
    assert d["follows_received"] == 1
    # a follow is not a reaction: no engagers, no weight
    assert (d["reactions_received"], d["distinct_engagers"], d["weighted_reactions"]) == (0, 0, 0)
    # present (acted upon) but not active (gave nothing)
    assert (d["active_days"], d["present_days"]) == (0, 1)


def test_self_interactions_are_given_but_never_received(lake):
    lake.events(
        DAY,
        [
            ("A", "post"),
            ("A", "like", "A"),
            ("A", "like", "A"),
            ("A", "reply", "A"),
            ("A", "mention", "A"),
            ("A", "follow", "A"),
        ],
    )
    a = lake.by_user(build_daily_features(lake.root, DAY))["A"]
    # all six are A's own actions...
    assert (a["posts"], a["likes"], a["replies"], a["mentions"], a["follows"]) == (1, 2, 1, 1, 1)
    assert a["actions_given"] == 6
    # ...and none of them is influence A received
    for kind in ("likes", "shares", "replies", "mentions", "follows", "unfollows"):
        assert a[f"{kind}_received"] == 0, kind
    assert a["reactions_received"] == 0
    assert a["distinct_engagers"] == 0
    assert a["weighted_reactions"] == 0.0
    assert a["impact"] == 0.0


def test_weighted_reactions_are_sqrt_of_the_givers_share(lake):
    lake.events(
        DAY,
        [
            # g: 4 likes to A and nothing else -> k/n = 4/4 -> 1.0 to A
            ("g", "like", "A"),
            ("g", "like", "A"),
            ("g", "like", "A"),
            ("g", "like", "A"),
            # h: 1 reaction to A and 3 to B (n = 4) -> sqrt(1/4) = 0.5 to A, sqrt(3/4) to B;
            # h's follow of C is not a reaction: it neither counts in n nor weighs for C
            ("h", "like", "A"),
            ("h", "like", "B"),
            ("h", "share", "B"),
            ("h", "mention", "B"),
            ("h", "follow", "C"),
        ],
    )
    rows = lake.by_user(build_daily_features(lake.root, DAY))
    # A: 1.0 + 0.5 = 1.5 from 5 reactions by 2 engagers
    assert rows["A"]["weighted_reactions"] == pytest.approx(1.5)
    assert rows["A"]["reactions_received"] == 5
    assert rows["A"]["distinct_engagers"] == 2
    # B: sqrt(3/4) = 0.8660254 from 3 reactions by 1 engager
    assert rows["B"]["weighted_reactions"] == pytest.approx(math.sqrt(0.75))
    assert rows["B"]["weighted_reactions"] == pytest.approx(0.8660254, abs=1e-7)
    assert rows["B"]["reactions_received"] == 3
    assert rows["B"]["distinct_engagers"] == 1
    assert rows["C"]["weighted_reactions"] == 0.0
    assert rows["C"]["follows_received"] == 1
    # no scores yesterday: every giver has the unscored standing 0.1
    assert UNSCORED_STANDING == 0.1
    assert rows["A"]["impact"] == pytest.approx(0.15)  # 1.0 * 0.1 + 0.5 * 0.1
    assert rows["B"]["impact"] == pytest.approx(0.0866025, abs=1e-7)  # 0.866 * 0.1


def test_hundred_reactions_from_one_person_weigh_far_less_than_from_hundred_people(lake):
    events = [("fan", "like", "A")] * 100
    events += [(f"g{i:03d}", "like", "B") for i in range(100)]
    lake.events(DAY, events)
    rows = lake.by_user(build_daily_features(lake.root, DAY))
    a, b = rows["A"], rows["B"]
    # the same raw volume...
    assert a["reactions_received"] == b["reactions_received"] == 100
    assert a["likes_received"] == b["likes_received"] == 100
    # ...but A has one engager worth at most 1 (sqrt(100/100)), B 100 engagers worth 1 each
    assert (a["distinct_engagers"], b["distinct_engagers"]) == (1, 100)
    assert a["weighted_reactions"] == pytest.approx(1.0)
    assert b["weighted_reactions"] == pytest.approx(100.0)
    assert a["impact"] == pytest.approx(0.1)  # 1.0 * 0.1
    assert b["impact"] == pytest.approx(10.0)  # 100 * 1.0 * 0.1


def test_impact_weighs_each_pair_by_the_givers_score_yesterday(lake):
    lake.scores(YESTERDAY, {"g": 80.0, "h": 20.0, "A": 55.0})
    # An older score file must not be read: u stays unscored.
    lake.scores(DAY - timedelta(days=2), {"u": 100.0})
    lake.events(
        DAY,
        [
            *[("g", "like", "A")] * 4,  # pair weight 1.0, standing 0.8
            ("h", "like", "A"),  # pair weight 0.5, standing 0.2
            *[("h", "reply", "B")] * 3,  # pair weight sqrt(3/4), standing 0.2
            ("u", "like", "A"),  # pair weight 1.0, unscored: standing 0.1
            ("A", "like", "B"),  # pair weight 1.0, standing 0.55
        ],
    )
    rows = lake.by_user(build_daily_features(lake.root, DAY))
    # A: 1.0 * 0.8 + 0.5 * 0.2 + 1.0 * 0.1 = 1.0; weighted 1.0 + 0.5 + 1.0 = 2.5
    assert rows["A"]["impact"] == pytest.approx(1.0)
    assert rows["A"]["weighted_reactions"] == pytest.approx(2.5)
    # B: sqrt(0.75) * 0.2 + 1.0 * 0.55 = 0.17320508 + 0.55 = 0.72320508
    assert rows["B"]["impact"] == pytest.approx(0.72320508, abs=1e-8)
    assert rows["B"]["weighted_reactions"] == pytest.approx(math.sqrt(0.75) + 1.0)


def test_topics_are_counted_per_user_lower_cased_on_content_only(lake):
    lake.events(
        DAY,
        [
            ("A", "post", None, ["AI", "Sports"]),
            ("A", "reply", "B", ["ai"]),
            ("A", "share", "B", [" AI "]),
            ("A", "like", "B", ["ai"]),  # a like is not content: its topics do not count
            ("A", "post"),  # no topics at all
            ("B", "post", None, ["", "  ", "Music"]),  # blank tags are dropped
            ("C", "post", None, ["music"]),
        ],
    )
    build_daily_features(lake.root, DAY)
    rows = lake.rows(lake.layout.daily_topics(DAY), order_by="user_id, topic")
    assert [(r["user_id"], r["topic"], r["mentions"]) for r in rows] == [
        ("A", "ai", 3),  # AI + ai + " AI "
        ("A", "sports", 1),
        ("B", "music", 1),
        ("C", "music", 1),
    ]


def test_a_day_without_events_writes_empty_files(lake):
    lake.events(DAY, [])
    build_daily_features(lake.root, DAY)
    assert lake.rows(lake.layout.daily_features(DAY)) == []
    assert lake.rows(lake.layout.daily_topics(DAY)) == []
