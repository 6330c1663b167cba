"""Step 2b and 6: the gaming-group rules and jump attribution on hand-built days.

Each test builds one day of timed events: a quiet town of established accounts that post
and react slowly, plus the scene under test (a farm, a pod, a puppet ring, a bought burst,
a viral post, a news day). The expected groups, flags and silences are worked out from the
thresholds in transforms/groups.py and transforms/gaming.py.
"""

from __future__ import annotations

import statistics
from datetime import date, timedelta

import pytest

from transforms import groups
from transforms.gaming import flag_gaming
from transforms.groups import detect_gaming_groups

DAY = date(2026, 3, 10)
YESTERDAY = DAY - timedelta(days=1)
LONG_AGO = DAY - timedelta(days=60)
HOUR = 3600
TOWN = [f"h{n:02d}" for n in range(20)]


def post(author: str, n: int, at: int) -> dict:
    return {"actor": author, "action": "post", "post": f"{author}-{n}", "at": at}


def react(actor: str, action: str, author: str, n: int, at: int) -> dict:
    return {
        "actor": actor,
        "action": action,
        "target": author,
        "on_post": f"{author}-{n}",
        "at": at,
    }


def town() -> list[dict]:
    """Twenty established accounts: each posts at 09:00 and likes three neighbours' posts
    one to three hours later, as people do."""
    events = [post(h, 1, 9 * HOUR) for h in TOWN]
    for i, h in enumerate(TOWN):
        for k in (1, 2, 3):
            events.append(react(h, "like", TOWN[(i + k) % 20], 1, 9 * HOUR + k * HOUR))
    return events


def detect(lake, events: list[dict], established: tuple[str, ...] = ()) -> list[dict]:
    """Write the day (town included) and run the group rules; return the groups.

    The town and ``established`` were first seen two months ago; everyone else is fresh.
    """
    lake.timed_events(DAY, town() + events)
    lake.known_accounts(YESTERDAY, dict.fromkeys([*TOWN, *established], LONG_AGO))
    return lake.rows(detect_gaming_groups(lake.root, DAY), order_by="group_id")


def flags(lake) -> list[dict]:
    """The day's gaming flags after detect(): no histories, so no jumps, only groups."""
    lake.histories(DAY, [])
    return lake.rows(flag_gaming(lake.root, DAY), order_by="rule, role, user_id")


def held_out(lake) -> list[tuple[str, str]]:
    rows = lake.rows(lake.layout.held_out_pairs(DAY), order_by="actor_id, target_user_id")
    return [(r["actor_id"], r["target_user_id"]) for r in rows]


def test_thresholds_the_hand_numbers_use():
    assert (groups.FAST_RESPONSE_S, groups.FRESH_DAYS) == (900, 7)
    # An established account is never judged by its own speed alone (fast humans share it).
    assert not hasattr(groups, "MIN_FAST_SHARE") and not hasattr(groups, "MIN_FAST_TARGETS")
    assert groups.MIN_FRESH_FAST_SHARE == 0.5
    assert (groups.MIN_LOCKSTEP_ACTORS, groups.MIN_GROUP_SHARE) == (10, 0.5)
    assert (groups.POD_TRIANGLES, groups.MIN_POD_SIZE, groups.MIN_POD_DENSITY) == (2, 5, 0.5)
    assert (groups.MIN_POD_SHARE, groups.MIN_POD_COVERAGE) == (0.5, 0.5)
    assert (groups.MIN_FOCUSED_ACTIONS, groups.MIN_FOCUS) == (2, 0.8)
    # No MAX_RING any more: a ring is as big as its owner makes it.
    assert not hasattr(groups, "MAX_RING")
    assert (groups.MIN_RING, groups.MIN_RING_SHARE, groups.ORDINARY_QUANTILE) == (2, 0.3, 0.99)
    assert groups.MIN_AMPLIFYING_SHARE == 0.5
    assert (groups.MIN_BURST_FOLLOWS, groups.MIN_BURST_SHARE) == (50, 0.5)
    assert groups.MAX_BURST_SPAN_HOURS == 6


def test_a_quiet_town_has_no_groups(lake):
    assert detect(lake, []) == []
    assert flags(lake) == []
    assert held_out(lake) == []


def test_a_like_farm_is_one_lockstep_group_of_bots_serving_its_customers(lake):
    # C1 and C2 post at 10:00 and 15:00. Twelve fresh bots like all four posts,
    # bot i 30 + 20 i seconds after each, and like one town post two hours late
    # (camouflage): 4 of 5 reactions fast (0.8 >= 0.7), fast to 2 people. Each customer
    # gets 24 reactions, all from the 12 lockstep bots (>= 10, 100% >= 50%).
    events = [post(c, n, at) for c in ("C1", "C2") for n, at in ((1, 10 * HOUR), (2, 15 * HOUR))]
    bots = [f"b{i:02d}" for i in range(12)]
    for i, bot in enumerate(bots):
        for c in ("C1", "C2"):
            for n, at in ((1, 10 * HOUR), (2, 15 * HOUR)):
                events.append(react(bot, "like", c, n, at + 30 + 20 * i))
        events.append(react(bot, "like", TOWN[i], 1, 11 * HOUR))
    (group,) = detect(lake, events)
    assert group["group_id"] == "lockstep-20260310-1"
    assert (group["rule"], group["size"], group["actions"]) == ("lockstep", 12, 48)
    assert group["members"] == bots
    assert group["beneficiaries"] == ["C1", "C2"]
    # median of the pairs' median delays: 30 + 20 * 5.5 = 140 seconds
    assert group["evidence"] == (
        "12 accounts (12 first seen in the last 7 days) reacted 48 times to the same-day "
        "posts of 2 people, a median 140 seconds after each post, and to almost nothing "
        "else; for example b00, b01, b02 acting for C1, C2"
    )
    got = flags(lake)
    assert [(f["user_id"], f["role"]) for f in got] == [
        *[(bot, "actor") for bot in bots],
        ("C1", "beneficiary"),
        ("C2", "beneficiary"),
    ]
    assert {(f["rule"], f["severity"], f["group_id"]) for f in got} == {
        ("lockstep", "high", "lockstep-20260310-1")
    }
    assert got[0]["evidence"].startswith("acting in lockstep-20260310-1: 12 accounts")
    assert got[-1]["evidence"].startswith("served by lockstep-20260310-1: 12 accounts")
    # the farm's likes of its customers are held out of the score; the camouflage is not
    assert held_out(lake) == sorted((bot, c) for bot in bots for c in ("C1", "C2"))


def test_an_account_that_covers_few_of_a_farms_customers_stays_out_of_it(lake):
    # Twelve fresh bots like the one post of each of five customers within a minute. L, an
    # established account, likes two of those posts fast too (fast to 2 people, 100% fast:
    # a lockstep candidate) but covers 2 of the farm's 5 people, under half.
    customers = [f"C{i}" for i in range(5)]
    events = [post(c, 1, 10 * HOUR + 600 * i) for i, c in enumerate(customers)]
    bots = [f"b{i:02d}" for i in range(12)]
    for i, c in enumerate(customers):
        events += [react(bot, "like", c, 1, 10 * HOUR + 600 * i + 40) for bot in bots]
    events += [
        react("L", "like", c, 1, 10 * HOUR + 600 * i + 50) for i, c in enumerate(customers[:2])
    ]
    (group,) = detect(lake, events, established=("L",))
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "lockstep",
        bots,
        customers,
    )
    assert "L" not in {f["user_id"] for f in flags(lake)}


def test_a_new_farm_serving_one_customer_is_lockstep(lake):
    # Twelve fresh bots like both posts of one customer within a minute: fast to one
    # person, but fresh and fast on 2 posts. Established fans doing the same are a crowd
    # (the next test).
    events = [post("C", n, at) for n, at in ((1, 10 * HOUR), (2, 15 * HOUR))]
    bots = [f"b{i:02d}" for i in range(12)]
    for n, at in ((1, 10 * HOUR), (2, 15 * HOUR)):
        events += [react(bot, "like", "C", n, at + 40) for bot in bots]
    (group,) = detect(lake, events)
    assert (group["rule"], group["members"], group["beneficiaries"]) == ("lockstep", bots, ["C"])


def test_eleven_fast_fans_of_one_creator_are_not_a_farm(lake):
    # Fans who like two of a creator's posts within minutes react fast to one person only:
    # a crowd, not lockstep.
    events = [post("K", n, at) for n, at in ((1, 10 * HOUR), (2, 15 * HOUR))]
    for i in range(11):
        for n, at in ((1, 10 * HOUR), (2, 15 * HOUR)):
            events.append(react(f"fan{i}", "like", "K", n, at + 60))
    assert detect(lake, events, established=tuple(f"fan{i}" for i in range(11))) == []


def test_an_engagement_pod_is_its_dense_core_and_a_pair_of_friends_is_not(lake):
    # P0..P4 post ten minutes apart; every other member likes each post within 2 minutes
    # and replies within 4: all 10 pairs reciprocal and fast, each pair in 3 triangles
    # (>= 2), density 10 / 10 = 1. F1 and F2 like each other's post within a minute: one
    # reciprocal pair in no triangle, pruned.
    pod = [f"P{i}" for i in range(5)]
    events = []
    for i, author in enumerate(pod):
        at = 10 * HOUR + 600 * i
        events.append(post(author, 1, at))
        for member in pod:
            if member != author:
                events.append(react(member, "like", author, 1, at + 120))
                events.append(react(member, "reply", author, 1, at + 240))
    for me, friend in (("F1", "F2"), ("F2", "F1")):
        events += [post(me, 1, 8 * HOUR), react(me, "like", friend, 1, 8 * HOUR + 60)]
    # P5, a member who did not post today, likes four of the five posts within a minute:
    # fast to 4 (>= 5 - 1) of the core, all of its day, it joins the pod.
    events += [react("P5", "like", p, 1, 10 * HOUR + 600 * i + 60) for i, p in enumerate(pod[:4])]
    (group,) = detect(lake, events, established=(*pod, "F1", "F2", "P5"))
    assert (group["rule"], group["size"], group["actions"]) == ("engagement_pod", 6, 44)
    assert group["members"] == [*pod, "P5"]
    assert group["beneficiaries"] == pod
    assert group["evidence"].startswith(
        "6 accounts reacted to each other's posts 44 times today, a median 180 seconds after "
        "each post; at the core, 10 of the 10 possible pairs of 5 accounts did so both ways "
        "(density 1.00) and they answered 100% of each other's posts within minutes"
    )
    got = flags(lake)
    assert [(f["user_id"], f["rule"], f["role"]) for f in got] == [
        (member, "engagement_pod", "member") for member in [*pod, "P5"]
    ]
    # every ordered pair of posting members (20), and P5 to each of the 5: every actor of a
    # group is held out from every one of its beneficiaries (group_pairs.sql)
    assert len(held_out(lake)) == 25


def test_a_sock_puppet_ring_is_flagged_but_a_creators_superfans_are_not(lake):
    # O posts at 10:00 and 16:00. Puppets S1..S3 share post 1, reply to post 2 and
    # mention O: 3 actions each, all on O (100% >= 80%), nobody reacts to them. O also gets
    # 2 slow likes from the town: the ring is 9 of O's 11 reactions (82% >= 30%).
    # K has 30 fans who like once, and 3 superfans doing what the puppets do: 9 of 39
    # reactions (23% < 30%), a fan base, not a ring.
    events = [post("O", 1, 10 * HOUR), post("O", 2, 16 * HOUR)]
    for s in ("S1", "S2", "S3"):
        events += [
            react(s, "share", "O", 1, 10 * HOUR + 300),
            react(s, "reply", "O", 2, 16 * HOUR + 1200),
            {"actor": s, "action": "mention", "target": "O", "at": 18 * HOUR},
        ]
    events += [react(h, "like", "O", 1, 13 * HOUR) for h in TOWN[:2]]
    events += [post("K", 1, 10 * HOUR), post("K", 2, 16 * HOUR)]
    events += [react(f"kfan{i}", "like", "K", 1, 12 * HOUR) for i in range(30)]
    for s in ("K1", "K2", "K3"):
        events += [
            react(s, "share", "K", 1, 10 * HOUR + 300),
            react(s, "reply", "K", 2, 16 * HOUR + 1200),
            {"actor": s, "action": "mention", "target": "K", "at": 18 * HOUR},
        ]
    (group,) = detect(lake, events)
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "sock_puppets",
        ["S1", "S2", "S3"],
        ["O"],
    )
    assert group["evidence"].startswith(
        "3 accounts spent at least 80% of their day on this one account (9 reshares, "
        "replies, mentions and likes, 82% of the 11 reactions it received) while nobody "
        "reacted to them"
    )
    got = flags(lake)
    assert [(f["user_id"], f["role"]) for f in got] == [
        ("S1", "actor"),
        ("S2", "actor"),
        ("S3", "actor"),
        ("O", "beneficiary"),
    ]
    assert held_out(lake) == [("S1", "O"), ("S2", "O"), ("S3", "O")]


def test_bought_followers_are_a_burst_and_a_popular_accounts_newcomers_are_not(lake):
    # B: 60 follows between 13:00 and 14:00 from fresh accounts that do nothing else,
    # plus 5 from the town: 60 >= 50, 60 / 65 = 92% >= 50%, the middle 80% within an hour.
    # R: 60 follows from fresh accounts that also like a town post: not single-purpose.
    events = [
        {"actor": f"n{i:02d}", "action": "follow", "target": "B", "at": 13 * HOUR + 60 * i}
        for i in range(60)
    ]
    events += [{"actor": h, "action": "follow", "target": "B", "at": 9 * HOUR} for h in TOWN[:5]]
    for i in range(60):
        events += [
            {"actor": f"r{i:02d}", "action": "follow", "target": "R", "at": 13 * HOUR + 60 * i},
            react(f"r{i:02d}", "like", TOWN[i % 20], 1, 17 * HOUR),
        ]
    (group,) = detect(lake, events)
    assert (group["rule"], group["size"], group["beneficiaries"]) == ("follower_burst", 60, ["B"])
    # 80% of the follows: the 10th to 90th percentile of 13:00 + 0..59 minutes = 47.2 minutes
    assert group["evidence"].startswith(
        "60 follows on testnet from accounts first seen in the last 7 days that did nothing "
        "else today (92% of the 65 follows received), 80% of them within 0.8 hours"
    )
    assert len(held_out(lake)) == 60


# ------------------------------------------------------------------- jump attribution


def jump_day(
    lake, crowd: list[str], established: bool, also: tuple[dict, ...] = ()
) -> tuple[list[dict], list[dict]]:
    """V posts at 10:00 and ``crowd`` likes it within half an hour, 20 of them sharing it
    too; V's history is 3 engagers a day for 14 days, today len(crowd). With
    ``established``, the crowd was first seen two months ago and each engaged five town
    accounts in the window; otherwise the crowd is brand new. ``also``: more of the day."""
    events = [post("V", 1, 10 * HOUR), *also]
    for i, fan in enumerate(crowd):
        events.append(react(fan, "like", "V", 1, 10 * HOUR + 60 + 25 * i))
        if i < 20:
            events.append(react(fan, "share", "V", 1, 10 * HOUR + 90 + 25 * i))
    detect(lake, events, established=tuple(crowd) if established else ())
    if established:
        # Five town accounts in the window before today, and V today.
        lake.breadth(DAY, {fan: 6 for fan in crowd})
    steady = [3] * 14
    rows = [(h, [*steady, 3], [3.0] * 15, [0] * 15) for h in TOWN[:8]]
    rows.append(("V", [*steady, len(crowd)], [3.0] * 14 + [float(len(crowd))], [0] * 15))
    lake.histories(DAY, rows)
    got_flags = lake.rows(flag_gaming(lake.root, DAY), order_by="rule, user_id")
    jumps = lake.rows(lake.layout.gaming_jumps(DAY), order_by="rule, user_id")
    return got_flags, jumps


def test_a_viral_post_from_many_established_accounts_is_virality_not_a_flag(lake):
    crowd = [f"e{i:02d}" for i in range(60)]
    got_flags, jumps = jump_day(lake, crowd, established=True)
    assert got_flags == []
    assert [(j["user_id"], j["rule"], j["verdict"]) for j in jumps] == [
        ("V", "jump_distinct_engagers", "virality"),
        ("V", "jump_weighted_reactions", "virality"),
    ]
    engagers = jumps[0]
    # 80 reactions (60 likes, 20 shares), none fresh, none narrow (6 people each), none grouped
    assert engagers["actions"] == 80
    assert (engagers["fresh_share"], engagers["narrow_share"], engagers["group_share"]) == (
        0.0,
        0.0,
        0.0,
    )
    assert (engagers["suspicious_share"], engagers["top_network_share"]) == (0.0, 1.0)
    # likes at 60 + 25 i (i < 60) and shares at 90 + 25 i (i < 20) seconds after the post
    delays = [60 + 25 * i for i in range(60)] + [90 + 25 * i for i in range(20)]
    assert engagers["median_response_s"] == pytest.approx(statistics.median(delays))


def test_the_same_jump_from_brand_new_accounts_is_gaming(lake):
    # The same crowd, never seen before: the jumps are gaming, and the 34 new accounts that
    # reacted within 15 minutes (60 + 25 i <= 900 for i <= 33), mostly fast, are a
    # lockstep group serving V too.
    crowd = [f"x{i:02d}" for i in range(60)]
    got_flags, jumps = jump_day(lake, crowd, established=False)
    assert {j["verdict"] for j in jumps} == {"gaming"}
    on_v = [(f["rule"], f["role"]) for f in got_flags if f["user_id"] == "V"]
    assert on_v == [
        ("jump_distinct_engagers", "beneficiary"),
        ("jump_weighted_reactions", "beneficiary"),
        ("lockstep", "beneficiary"),
    ]
    actors = sorted(f["user_id"] for f in got_flags if f["role"] == "actor")
    assert actors == crowd[:34]
    jump = next(f for f in got_flags if f["rule"] == "jump_distinct_engagers")
    assert jump["suspicious_share"] == 1.0
    assert "100% first seen in the last week" in jump["evidence"]
    assert jump["evidence"].endswith("; for example x00, x01, x02")


def test_attribution_sees_what_the_user_gave_back_and_what_the_crowd_followed_today(lake):
    # The brand-new crowd again, with more of the day around it: V likes back the town's
    # h00 and the first 10 of the crowd (reciprocal: their 10 likes and 10 shares, 20 of
    # the 80 reactions); the last 10 of the crowd follow four town accounts each (4 people
    # today: no longer narrow, so their 10 likes leave 70 of 80 narrow); everyone else's
    # day is the town's. The step reads only the edges near the jumps: these must be in.
    crowd = [f"x{i:02d}" for i in range(60)]
    gave_back = [react("V", "like", fan, 0, 11 * HOUR + i) for i, fan in enumerate(crowd[:10])]
    followed = [
        {"actor": fan, "action": "follow", "target": TOWN[k], "at": 12 * HOUR + i}
        for i, fan in enumerate(crowd[50:])
        for k in range(4)
    ]
    also = (react("V", "like", "h00", 1, 11 * HOUR), *gave_back, *followed)
    _, jumps = jump_day(lake, crowd, established=False, also=also)
    engagers = next(j for j in jumps if j["rule"] == "jump_distinct_engagers")
    assert engagers["actions"] == 80
    assert engagers["reciprocal_share"] == 0.25
    assert engagers["narrow_share"] == 0.875
    assert (engagers["fresh_share"], engagers["suspicious_share"]) == (1.0, 1.0)


def test_a_news_day_of_fast_reactions_to_the_news_raises_no_group(lake):
    # The outlet N posts six times; all 20 town accounts like three of the posts within
    # two minutes and reshare one, on top of their usual slow likes: a fast crowd on one
    # account, with most of their reactions slow, is neither lockstep nor a ring.
    events = [post("N", n, (8 + n) * HOUR) for n in range(6)]
    for i, h in enumerate(TOWN):
        for n in (i % 6, (i + 1) % 6, (i + 2) % 6):
            events.append(react(h, "like", "N", n, (8 + n) * HOUR + 60 + i))
        events.append(react(h, "share", "N", i % 6, (8 + i % 6) * HOUR + 100))
    assert detect(lake, events, established=("N",)) == []
    assert flags(lake) == []


# ------------------------------------------------- rules for any size, any age, many days
#
# These scenes run several nights in a row, as the pipeline does: each night writes its
# day's evidence file and judges the last EVIDENCE_DAYS of them. Accounts are given an age
# and an audience (reactions received in the 90-day window, from yesterday's user_state):
# the town and the honest look-alikes have audiences, bots, puppets and pools have none.

WEEK = [DAY - timedelta(days=back) for back in range(4, -1, -1)]  # five nights, DAY last
STATE_SCHEMA = "user_id varchar, first_seen date, reactions_received bigint"


def detect_nights(lake, scene, audiences: dict[str, int], days: list[date] = WEEK) -> list[dict]:
    """Run the group rules on each of ``days`` (the town's day plus ``scene(k)`` for the
    k-th day); return the last day's groups. The town (audience 90) and ``audiences``'
    accounts were first seen two months ago; everyone else is brand new."""
    known = {h: 90 for h in TOWN} | audiences
    for k, day in enumerate(days):
        lake.timed_events(day, town() + scene(k))
        rows = [(user, LONG_AGO, reactions) for user, reactions in known.items()]
        lake._write(STATE_SCHEMA, rows, lake.layout.state(day - timedelta(days=1)))
        found = detect_gaming_groups(lake.root, day)
    return lake.rows(found, order_by="group_id")


def test_the_week_rules_thresholds():
    assert (groups.NO_AUDIENCE_REACTIONS, groups.EVIDENCE_DAYS, groups.CO_ACTION_S) == (2, 7, 1800)
    assert groups.MIN_WEEK_POD_DENSITY == 0.3
    assert (groups.MIN_FARM_REPEATS, groups.MIN_FARM_POST_SHARE) == (2, 0.25)
    assert (groups.MIN_FARM_TARGET_SHARE, groups.MIN_MEMBER_RATE) == (0.3, 0.5)
    assert groups.MIN_FARM_TARGETS == 2
    assert (groups.MIN_COFOLLOW_JACCARD, groups.MIN_FOLLOW_FOCUS) == (0.1, 0.25)
    assert (groups.MIN_CUSTOMER_SHARE, groups.MAX_FEW_TARGETS) == (0.5, 20)


def test_a_ring_of_twenty_aged_puppets_is_one_ring(lake):
    # O posts at 10:00 and 16:00. Twenty puppets, first seen two months ago and never
    # engaged by anyone (audience 0), each share post 1, reply to post 2 and mention O:
    # 3 actions each, all on O (100% >= 80%). O also gets 2 slow town likes: the ring is
    # 60 of O's 62 reactions (97% >= 30%). No upper size: all twenty are one ring.
    puppets = [f"s{i:02d}" for i in range(20)]

    def scene(_: int) -> list[dict]:
        events = [post("O", 1, 10 * HOUR), post("O", 2, 16 * HOUR)]
        for s in puppets:
            events += [
                react(s, "share", "O", 1, 10 * HOUR + 300),
                react(s, "reply", "O", 2, 16 * HOUR + 1200),
                {"actor": s, "action": "mention", "target": "O", "at": 18 * HOUR},
            ]
        return events + [react(h, "like", "O", 1, 13 * HOUR) for h in TOWN[:2]]

    (group,) = detect_nights(lake, scene, {"O": 40} | dict.fromkeys(puppets, 0), days=[DAY])
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "sock_puppets",
        puppets,
        ["O"],
    )
    assert group["evidence"].startswith(
        "20 accounts spent at least 80% of their day on this one account (60 reshares, "
        "replies, mentions and likes, 97% of the 62 reactions it received)"
    )


def test_a_small_loyal_following_that_mostly_likes_is_not_a_ring(lake):
    # The same owner, followed by five loyal accounts nobody engages (new readers of a small
    # account, as on a young network): each likes both posts and replies once, 3 actions
    # all on O, a reply among them, 15 of O's 17 reactions. Everything a ring needs but
    # what puppets are for: 1 of each one's 3 actions amplifies (33% < 50%).
    fans = [f"f{i}" for i in range(5)]

    def scene(_: int) -> list[dict]:
        events = [post("O", 1, 10 * HOUR), post("O", 2, 16 * HOUR)]
        for f in fans:
            events += [
                react(f, "like", "O", 1, 10 * HOUR + 900),
                react(f, "like", "O", 2, 17 * HOUR),
                react(f, "reply", "O", 2, 17 * HOUR + 60),
            ]
        return events + [react(h, "like", "O", 1, 13 * HOUR) for h in TOWN[:2]]

    assert detect_nights(lake, scene, {"O": 40} | dict.fromkeys(fans, 0), days=[DAY]) == []


def pod_scene(k: int) -> list[dict]:
    """Thirty members M00..M29, the even ones on network A, the odd ones on B. Member a
    posts once in the five days, at 10:00 on day a % 5 (six posts a day). Member m answers
    a's post iff (m + a) % 10 < 7, with a like 900 + 20 (m + 1) seconds after it: 15 to 25
    minutes, slower than the one-day rules' 15 minutes, within the half hour."""
    events = []
    for a in range(30):
        if a % 5 != k:
            continue
        net = "netA" if a % 2 == 0 else "netB"
        author = f"M{a:02d}"
        events.append(post(author, k, 10 * HOUR) | {"network": net})
        for m in range(30):
            if m != a and (m + a) % 10 < 7:
                like = react(f"M{m:02d}", "like", author, k, 10 * HOUR + 900 + 20 * (m + 1))
                events.append(like | {"network": net})
    return events


def test_a_pod_that_answers_most_posts_within_the_half_hour_over_days_is_one_pod(lake):
    # Answers: a post of a is answered by the m != a with (m + a) % 10 in 0..6: 21 members
    # (3 of each last digit), less a itself when (2a) % 10 < 7, i.e. a % 10 not 4 or 9.
    # So 24 posts get 20 answers and 6 get 21: 606 of the 30 * 29 = 870 possible answers
    # (70% >= 50%). The rule is symmetric, so the reciprocal pairs are 606 / 2 = 303 of
    # 435 (density 0.70 >= 0.3), each in many triangles. No one day shows it: six posts
    # a day, answered after 15 minutes.
    members = [f"M{i:02d}" for i in range(30)]
    (group,) = detect_nights(lake, pod_scene, dict.fromkeys(members, 200))
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "engagement_pod",
        members,
        members,
    )
    assert group["group_id"] == "engagement_pod-20260310-1"
    assert group["evidence"].startswith(
        "30 accounts reacted to each other's posts 606 times within 30 minutes of each post "
        "over the last 7 days, on any network; at the core, 30 accounts answered 70% of "
        "each other's post-days that fast (606 of 870 possible answers) and 303 of their 435 "
        "possible pairs did so both ways (density 0.70)"
    )
    # every member is flagged as a member, and each answered pair is held out
    assert {f["role"] for f in flags(lake)} == {"member"}
    assert len(held_out(lake)) == 30 * 29  # every member from every other (group_pairs.sql)


def test_a_pod_that_cross_posts_is_judged_by_post_days(lake):
    # The same pod, but each member also posts a copy of the day's post on netC, which
    # nobody answers (the pod answers one copy). Per post, the members answered 606 of
    # 1,740 possible (35% < 50%); per post-day (an author's posts of a day ask for one
    # answer) it is 606 of 870 again (70%): still one pod of 30.
    members = [f"M{i:02d}" for i in range(30)]

    def scene(k: int) -> list[dict]:
        copies = [
            post(f"M{a:02d}", 100 + k, 10 * HOUR + 60) | {"network": "netC"}
            for a in range(30)
            if a % 5 == k
        ]
        return pod_scene(k) + copies

    (group,) = detect_nights(lake, scene, dict.fromkeys(members, 200))
    assert (group["rule"], group["members"]) == ("engagement_pod", members)
    assert "70% of each other's post-days that fast (606 of 870" in group["evidence"]


def test_a_slow_friend_clique_is_not_a_pod(lake):
    # Eight friends F0..F7 post every day at 12:00; every friend answers every post, but two
    # to three hours later, except the author's two neighbours on the circle (a +- 1 mod 8),
    # who answer within 10 minutes. Fast both ways: only the 8 pairs of neighbours, a circle
    # with no triangle (the truss removes all), and 2 of 7 answers fast (29% < 50%) anyway.
    friends = [f"F{i}" for i in range(8)]

    def scene(k: int) -> list[dict]:
        events = []
        for a, author in enumerate(friends):
            events.append(post(author, k, 12 * HOUR))
            for m, friend in enumerate(friends):
                if m == a:
                    continue
                near = (m - a) % 8 in (1, 7)
                delay = 300 + 10 * m if near else 2 * HOUR + 300 * m
                events.append(react(friend, "like", author, k, 12 * HOUR + delay))
        return events

    assert detect_nights(lake, scene, dict.fromkeys(friends, 100)) == []


def test_a_superfan_club_of_established_fans_is_not_a_farm_nor_a_ring(lake):
    # K posts at 10:00 and 16:00 every day; 100 fans, each with an audience of their own
    # (50 reactions in the window), like and reply to every post within 1 to 10 minutes and
    # do nothing else: fast, repeated, all of their day on K, but they are people others
    # engage, so neither the farm rules nor the ring (which wants accounts nobody engages).
    fans = [f"fan{i:03d}" for i in range(100)]

    def scene(k: int) -> list[dict]:
        events = [post("K", k, 10 * HOUR), post("K", 10 + k, 16 * HOUR)]
        for i, fan in enumerate(fans):
            for n, at in ((k, 10 * HOUR), (10 + k, 16 * HOUR)):
                events.append(react(fan, "like", "K", n, at + 60 + 5 * i))
                events.append(react(fan, "reply", "K", n, at + 120 + 5 * i))
        return events

    assert detect_nights(lake, scene, {"K": 5000} | dict.fromkeys(fans, 50)) == []


def farm_scene(k: int) -> list[dict]:
    """Three customers C0..C2 post at 10:00, 11:00 and 12:00 every day, and two town
    accounts like each post two hours later. Fifteen aged bots like each customer post 5
    to 20 minutes after it, except that bot b skips day b % 5; each bot also likes six town
    posts a day two hours late (camouflage that makes two thirds of its day)."""
    events = []
    for c in range(3):
        at = (10 + c) * HOUR
        events.append(post(f"C{c}", k, at))
        events += [react(h, "like", f"C{c}", k, at + 2 * HOUR) for h in TOWN[c : c + 2]]
        for b in range(15):
            if b % 5 != k:
                events.append(react(f"bot{b:02d}", "like", f"C{c}", k, at + 300 + 60 * b))
    for b in range(15):
        for j in range(6):
            events.append(react(f"bot{b:02d}", "like", TOWN[(b + j + k) % 20], 1, 11 * HOUR))
    return events


FARM_BOTS = [f"bot{b:02d}" for b in range(15)]
FARM_CUSTOMERS = ["C0", "C1", "C2"]
LAST_NIGHT = len(WEEK) - 1


def farm_week_with(last_night: list[dict]):
    """farm_scene every night, plus ``last_night``'s events on the last of WEEK."""

    def scene(k: int) -> list[dict]:
        return farm_scene(k) + (last_night if k == LAST_NIGHT else [])

    return scene


def test_a_camouflaged_aged_farm_is_lockstep_over_the_week(lake):
    # One day: a bot's 3 fast likes are a third of its 9 (< 70%), and it is two months old:
    # the one-day rule sees nothing. The week: each bot answered 4 of each customer's 5
    # posts (>= 2, 80% >= 25%), has no audience, and each customer got 15 such bots
    # (>= 10) whose 60 likes are 60 of its 70 reactions (86% >= 30%). Each bot covers all
    # 3 customers: one group of 15 bots, 180 likes, 180 of the 15 * 15 = 225 possible
    # (bot, post) pairs (80%).
    bots = [f"bot{b:02d}" for b in range(15)]
    customers = ["C0", "C1", "C2"]
    audiences = dict.fromkeys(bots, 0) | dict.fromkeys(customers, 30)
    (group,) = detect_nights(lake, farm_scene, audiences)
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "lockstep",
        bots,
        customers,
    )
    assert (group["size"], group["actions"]) == (15, 180)
    assert group["evidence"].startswith(
        "15 accounts that nobody engages (no audience of their own in 90 days) reacted 180 "
        "times within 30 minutes to the posts of 3 people over the last 7 days, answering "
        "80% of the possible (account, post) pairs of those people's 15 posts"
    )
    # the camouflage is not held out, the customers' likes are
    assert held_out(lake) == sorted((b, c) for b in bots for c in customers)


def test_a_reader_of_the_same_customers_stays_out_of_the_farm(lake):
    # The camouflaged farm, plus R, an established reader nobody engages (like a lurker),
    # who likes C0's and C1's posts within minutes on days 0 and 1: 2 of each one's 5 posts
    # (>= 2 repeats, 40% >= 25%), and 2 of the 3 customers (>= half of the group's people).
    # But R answered 4 of the group's 15 posts (27%), under half the bots' median of 12 of
    # 15 (80% / 2 = 40%): a reader, not a bot. The group is the 15 bots alone.
    bots = [f"bot{b:02d}" for b in range(15)]
    customers = ["C0", "C1", "C2"]

    def scene(k: int) -> list[dict]:
        events = farm_scene(k)
        if k < 2:
            events += [react("R", "like", f"C{c}", k, (10 + c) * HOUR + 600) for c in (0, 1)]
        return events

    audiences = dict.fromkeys([*bots, "R"], 0) | dict.fromkeys(customers, 30)
    (group,) = detect_nights(lake, scene, audiences)
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "lockstep",
        bots,
        customers,
    )
    assert "R" not in {f["user_id"] for f in flags(lake)}


def test_quiet_fans_of_one_creator_answering_every_post_all_week_are_not_a_farm(lake):
    # K posts at 10:00 and 16:00 every day; 16 aged readers nobody engages (lurkers) like
    # each post within 2 to 20 minutes, and they are nearly all K's reactions: repeated
    # (10 of 10 posts), fast, no audience, 16 >= 10 of them, 160 of 170 reactions (>= 30%).
    # Every week-farm test but one: they come back to one person only, and a lockstep core
    # needs the same accounts on 2 or more people (with one, it is any fan base).
    fans = [f"fan{i:02d}" for i in range(16)]

    def scene(k: int) -> list[dict]:
        events = [post("K", k, 10 * HOUR), post("K", 10 + k, 16 * HOUR)]
        for n, at in ((k, 10 * HOUR), (10 + k, 16 * HOUR)):
            events += [react(fan, "like", "K", n, at + 120 + 60 * i) for i, fan in enumerate(fans)]
        events += [react(h, "like", "K", k, 12 * HOUR) for h in TOWN[:2]]
        return events

    assert groups.MIN_FARM_TARGETS == 2
    assert detect_nights(lake, scene, {"K": 30} | dict.fromkeys(fans, 0)) == []


def test_a_customer_the_farm_answered_once_is_not_named_by_the_week_rules(lake):
    # The camouflaged farm, plus C3, who posts once all week (on the last day) and gets all
    # 15 bots' likes within minutes and two town likes: one answer from each bot, and no
    # account back for a second post of C3's (once is chance). One post answered fast by
    # many quiet accounts is what a popular creator's fans do too, so C3 is not named; the
    # farm is, with its three customers, and C3 shows in the jump rules if it pays.
    bots, customers, k = FARM_BOTS, FARM_CUSTOMERS, LAST_NIGHT
    scene = farm_week_with(
        [post("C3", k, 14 * HOUR)]
        + [react(bot, "like", "C3", k, 14 * HOUR + 240 + 30 * b) for b, bot in enumerate(bots)]
        + [react(h, "like", "C3", k, 17 * HOUR) for h in TOWN[:2]]
    )
    audiences = dict.fromkeys(bots, 0) | dict.fromkeys([*customers, "C3"], 30)
    (group,) = detect_nights(lake, scene, audiences)
    assert (group["members"], group["beneficiaries"]) == (bots, customers)
    assert ("bot00", "C3") not in held_out(lake)


def test_a_farm_whose_two_customers_post_twice_a_week_is_found_by_the_spread_pass(lake):
    # C0 and C1 post on the first and the fourth night only. Fifteen aged bots with no
    # audience like within minutes: bot07 all four posts, bots 0-6 C0's first and C1's
    # second, bots 8-14 C0's second and C1's first; two town accounts like each post two
    # hours late. Each bot but one answered one post of each customer (50% of its posts,
    # >= 25%), never twice the same person: the first pass sees one account per customer.
    # The spread pass counts a bot's habit over both (2 posts >= 2), bot07 came back to each
    # customer (once is chance), and the 16 bots' likes are 16 of each one's 20 reactions.
    # Every bot answered both customers: one group, week-spread.
    bots = [f"bot{b:02d}" for b in range(15)]

    def scene(k: int) -> list[dict]:
        events: list[dict] = []
        if k not in (0, 3):
            return events
        for c in (0, 1):
            at = (10 + c) * HOUR
            events.append(post(f"C{c}", k, at))
            events += [react(h, "like", f"C{c}", k, at + 2 * HOUR) for h in TOWN[c : c + 2]]
            for b, bot in enumerate(bots):
                first_half = b < 7
                answers = b == 7 or (first_half == ((c == 0) == (k == 0)))
                if answers:
                    events.append(react(bot, "like", f"C{c}", k, at + 300 + 20 * b))
        return events

    audiences = dict.fromkeys(bots, 0) | {"C0": 30, "C1": 30}
    (group,) = detect_nights(lake, scene, audiences)
    assert group["group_id"].startswith("lockstep-")
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "lockstep",
        bots,
        ["C0", "C1"],
    )
    assert group["actions"] == 32


def test_one_customer_answered_once_by_each_of_many_quiet_readers_is_not_a_farm(lake):
    # K posts once on each of the first two nights; 12 quiet readers nobody engages like one
    # of the two posts each within minutes, and another quiet creator J's one post too: a
    # habit of two posts each, spread over K and J, 24 of K's and J's reactions. But none
    # came back to K's or J's posts (once is chance): no farm, however many they are.
    readers = [f"r{i:02d}" for i in range(12)]

    def scene(k: int) -> list[dict]:
        if k > 1:
            return []
        events = [post("K", k, 10 * HOUR), post("J", k, 12 * HOUR)]
        for i, reader in enumerate(readers):
            if i % 2 == k:
                events.append(react(reader, "like", "K", k, 10 * HOUR + 120 + 30 * i))
                events.append(react(reader, "like", "J", k, 12 * HOUR + 120 + 30 * i))
        return events

    audiences = dict.fromkeys(readers, 0) | {"K": 30, "J": 30}
    assert detect_nights(lake, scene, audiences) == []


def test_a_caught_customer_keeps_nothing_from_accounts_with_no_audience(lake):
    # The camouflaged farm, plus X, an account nobody engages that likes C0's post once on
    # the last day, two hours late: too little to be one of the farm's bots. C0 is caught
    # buying likes, and X looks exactly like a bot that slipped under the rules, so the
    # pair (X, C0) is held out with the farm's; the town's slow likes (accounts with an
    # audience) still count.
    bots, customers = FARM_BOTS, FARM_CUSTOMERS
    scene = farm_week_with([react("X", "like", "C0", LAST_NIGHT, 12 * HOUR)])
    audiences = dict.fromkeys([*bots, "X"], 0) | dict.fromkeys(customers, 30)
    (group,) = detect_nights(lake, scene, audiences)
    assert group["members"] == bots
    assert held_out(lake) == sorted([*((b, c) for b in bots for c in customers), ("X", "C0")])


def test_the_same_farm_with_an_audience_of_its_own_is_not_one(lake):
    # The same scene, but every bot is engaged by others (20 reactions in the window):
    # then it is an established fan base of three people, as far as the rules can tell.
    bots = [f"bot{b:02d}" for b in range(15)]
    audiences = dict.fromkeys(bots, 20) | dict.fromkeys(["C0", "C1", "C2"], 30)
    assert detect_nights(lake, farm_scene, audiences) == []


def drip_scene(k: int) -> list[dict]:
    """Forty aged accounts p00..p39 with no audience: p follows customer B(p % 3) on day
    p % 5 and B((p + 1) % 3) on day (p + 2) % 5, and one town account, TOWN[p % 20], on
    day (p + 1) % 5, in the afternoon. A few follows a day for each customer."""
    events = []
    for p in range(40):
        for target, day in (
            (f"B{p % 3}", p % 5),
            (f"B{(p + 1) % 3}", (p + 2) % 5),
            (TOWN[p % 20], (p + 1) % 5),
        ):
            if day == k:
                events.append(
                    {"actor": f"p{p:02d}", "action": "follow", "target": target, "at": 15 * HOUR}
                )
    return events


def test_drip_fed_followers_from_aged_accounts_serving_three_customers(lake):
    # B0 is followed by the 14 p with p % 3 = 0 and the 13 with p % 3 = 2 (27), B1 by
    # 13 + 14 = 27, B2 by 13 + 13 = 26. Pairs followed together: (B0, B1) by the 14 with
    # p % 3 = 0, (B1, B2) by 13, (B0, B2) by 13: each >= 10, Jaccard 14 / (27 + 27 - 14)
    # = 0.35, 13 / (27 + 26 - 13) = 0.33 and 0.33 (>= 0.1). Each account follows 2 of the
    # group's people, 2 of its 3 follows (67% >= 25%); every follower of B0..B2 is one of
    # them (100% >= 50%): 40 accounts, 80 follows, 3 customers. The burst rule sees
    # nothing: a handful of follows a day, from old accounts.
    pool = [f"p{p:02d}" for p in range(40)]
    customers = ["B0", "B1", "B2"]
    audiences = dict.fromkeys(pool, 0) | dict.fromkeys(customers, 30)
    (group,) = detect_nights(lake, drip_scene, audiences)
    assert (group["rule"], group["members"], group["beneficiaries"]) == (
        "follower_lockstep",
        pool,
        customers,
    )
    assert (group["size"], group["actions"]) == (40, 80)
    assert group["evidence"].startswith(
        "40 accounts that nobody engages (no audience of their own in 90 days) followed the "
        "same 3 people 80 times over the last 7 days"
    )
    got = flags(lake)
    assert {(f["role"], f["rule"]) for f in got} == {
        ("actor", "follower_lockstep"),
        ("beneficiary", "follower_lockstep"),
    }
    assert len(held_out(lake)) == 40 * 3  # every account from every customer (group_pairs.sql)


def test_a_celebrity_newcomer_followed_by_a_thousand_established_accounts(lake):
    # N, first seen today, gets 1,000 follows in two hours from accounts first seen two
    # months ago with audiences of their own (10 reactions in the window), each of which
    # also follows three town accounts: not fresh (no burst), not without an audience (no
    # co-follow lockstep), and each follows widely.
    crowd = [f"e{i:04d}" for i in range(1000)]
    events = []
    for i, fan in enumerate(crowd):
        events.append({"actor": fan, "action": "follow", "target": "N", "at": 14 * HOUR + 7 * i})
        events += [
            {"actor": fan, "action": "follow", "target": TOWN[(i + j) % 20], "at": 17 * HOUR}
            for j in range(3)
        ]
    assert detect_nights(lake, lambda _: events, dict.fromkeys(crowd, 10), days=[DAY]) == []
