"""Step 3, update_state: the incremental 90-day window and the 15-day histories.

state(D) = state(D-1) + features(D) - features(D-90); expected numbers are worked by hand.
"""

from __future__ import annotations

import math
import shutil
from datetime import date, timedelta

import duckdb
import pytest

from transforms import engine
from transforms.features import build_daily_features
from transforms.layout import WINDOW_DAYS
from transforms.state import (
    HISTORY_DAYS,
    PAIRS_SCHEMA,
    MissingWindowDay,
    StateOutOfOrder,
    update_state,
)

D0 = date(2026, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def run_day(lake, when: date, events) -> dict:
    """Write the day's events, build its features and state; return the state by user."""
    lake.events(when, events)
    build_daily_features(lake.root, when)
    return lake.by_user(update_state(lake.root, when))


def topics(lake, when: date) -> list[tuple[str, str, int]]:
    rows = lake.rows(lake.layout.topic_state(when), order_by="user_id, topic")
    return [(r["user_id"], r["topic"], r["mentions"]) for r in rows]


def carry_state(lake, src: date, dst: date, window_days: int) -> None:
    """Copy the state of ``src`` to ``dst``: the state after days with no events at all.

    Window sums do not change on an empty day, so this stands in for running every day
    in between; only the histories would be longer (set_histories writes them where a
    test reads them). The days of the window that never ran get the empty engager pairs
    a night without events writes, so later nights can look pairs up in them.
    """
    layout = lake.layout
    for path in (
        layout.state,
        layout.topic_state,
        layout.network_state,
        layout.reach,
        layout.network_reach,
        layout.giver_breadth,
    ):
        path(dst).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path(src), path(dst))
    engine.write_json(
        layout.state_meta(dst),
        {"state_date": dst, "window_days": window_days, "network_window_days": window_days},
    )
    for back in range(window_days):
        quiet = dst - timedelta(days=back)
        if not layout.daily_engagers(quiet).exists():
            lake._write(PAIRS_SCHEMA, [], layout.daily_engagers(quiet))


def set_histories(
    lake, when: date, user: str, engagers: list, reactions: list, followers: list
) -> None:
    """Replace one user's three history lists in the state of ``when``."""
    path = lake.layout.state(when)
    con = duckdb.connect()
    try:
        con.execute(
            "create table s as select * replace ("
            "  case when user_id = $u then $e::bigint[] else engagers_history end"
            "    as engagers_history,"
            "  case when user_id = $u then $r::double[] else reactions_history end"
            "    as reactions_history,"
            "  case when user_id = $u then $f::bigint[] else followers_history end"
            f"    as followers_history) from {engine.parquet_source(path)}",
            {"u": user, "e": engagers, "r": reactions, "f": followers},
        )
        con.execute(f"copy s to {engine.quote_path(path)} (format parquet)")
    finally:
        con.close()


def test_first_day_ever_starts_fresh(lake):
    state = run_day(lake, D0, [("A", "post", None, ["AI"]), ("B", "like", "A")])
    assert sorted(state) == ["A", "B"]
    a = state["A"]
    assert (a["posts"], a["actions_given"], a["content_items"]) == (1, 1, 1)
    assert (a["likes_received"], a["reactions_received"], a["distinct_engagers"]) == (1, 1, 1)
    assert a["weighted_reactions"] == pytest.approx(1.0)  # sqrt(1/1)
    assert a["impact"] == pytest.approx(0.1)  # unscored giver
    assert (a["active_days"], a["present_days"]) == (1, 1)
    assert (a["first_seen"], a["last_active"]) == (D0, D0)
    assert a["engagers_history"] == [1]
    assert a["reactions_history"] == [pytest.approx(1.0)]
    assert a["followers_history"] == [0]
    b = state["B"]
    assert (b["likes"], b["actions_given"], b["distinct_engagers"]) == (1, 1, 0)
    assert (b["engagers_history"], b["reactions_history"], b["followers_history"]) == (
        [0],
        [0.0],
        [0],
    )
    assert topics(lake, D0) == [("A", "ai", 1)]
    meta = engine.read_json(lake.layout.state_meta(D0))
    assert meta == {"state_date": D0.isoformat(), "window_days": 1, "network_window_days": 1}


def test_second_day_adds_to_yesterday_and_appends_histories(lake):
    run_day(
        lake,
        day(0),
        [("A", "post", None, ["ai"]), ("B", "like", "A"), ("C", "follow", "A")],
    )
    state = run_day(
        lake,
        day(1),
        [
            ("A", "post", None, ["AI", "music"]),
            ("A", "post"),
            ("C", "like", "A"),
            ("C", "like", "A"),
            ("D", "post"),
            ("D", "follow", "E"),  # E only receives: seen, never active
        ],
    )
    assert sorted(state) == ["A", "B", "C", "D", "E"]
    a = state["A"]
    assert a["posts"] == 3  # 1 + 2
    assert a["likes_received"] == 3  # B's 1 + C's 2
    assert a["follows_received"] == 1  # C on day 0
    assert a["distinct_engagers"] == 2  # engager-days: B on day 0, C on day 1
    assert a["weighted_reactions"] == pytest.approx(2.0)  # 1.0 (B) + sqrt(2/2) (C)
    assert (a["active_days"], a["present_days"]) == (2, 2)
    assert (a["first_seen"], a["last_active"]) == (day(0), day(1))
    assert a["engagers_history"] == [1, 1]
    assert a["reactions_history"] == [pytest.approx(1.0), pytest.approx(1.0)]
    assert a["followers_history"] == [1, 0]

    # B is absent today: sums unchanged, 0 appended to each history
    b = state["B"]
    assert (b["likes"], b["actions_given"], b["active_days"], b["present_days"]) == (1, 1, 1, 1)
    assert (b["first_seen"], b["last_active"]) == (day(0), day(0))
    assert (b["engagers_history"], b["followers_history"]) == ([0, 0], [0, 0])
    assert b["reactions_history"] == [0.0, 0.0]

    c = state["C"]
    assert (c["follows"], c["likes"], c["actions_given"], c["active_days"]) == (1, 2, 3, 2)
    assert (c["first_seen"], c["last_active"]) == (day(0), day(1))

    # new users: histories start the day they are first seen
    d = state["D"]
    assert (d["first_seen"], d["last_active"], d["engagers_history"]) == (day(1), day(1), [0])
    e = state["E"]
    assert (e["first_seen"], e["last_active"]) == (day(1), None)
    assert (e["active_days"], e["present_days"], e["followers_history"]) == (0, 1, [1])

    assert topics(lake, day(1)) == [("A", "ai", 2), ("A", "music", 1)]
    assert engine.read_json(lake.layout.state_meta(day(1)))["window_days"] == 2


def test_histories_keep_the_last_fifteen_days(lake):
    # Day 0 for real, then yesterday's state (day 13) gets 14 days of history for A:
    # engagers 1..14 (oldest first), reactions 1.0..14.0, 2 followers on day 3 only.
    run_day(lake, day(0), [("g0", "like", "A"), ("Z", "post")])
    carry_state(lake, day(0), day(13), window_days=14)
    set_histories(
        lake,
        day(13),
        "A",
        engagers=list(range(1, 15)),
        reactions=[float(n) for n in range(1, 15)],
        followers=[0, 0, 0, 2] + [0] * 10,
    )
    # Day 14: 15 distinct engagers, one like each -> the 15th value, nothing dropped yet
    state = run_day(lake, day(14), [(f"g{i}", "like", "A") for i in range(15)])
    assert HISTORY_DAYS == 15
    assert state["A"]["engagers_history"] == list(range(1, 16))
    # Day 15: A receives nothing -> 0 appended, the oldest value (day 0) dropped
    state = run_day(lake, day(15), [("Z", "post")])
    a = state["A"]
    assert a["engagers_history"] == [*range(2, 16), 0]
    assert a["reactions_history"] == pytest.approx([float(n) for n in range(2, 16)] + [0.0])
    assert a["followers_history"] == [0, 0, 2] + [0] * 12
    # window sums: day 0's 1 engager + day 14's 15
    assert a["distinct_engagers"] == 16
    assert a["present_days"] == 2
    assert (a["first_seen"], a["last_active"]) == (day(0), None)  # A never acted
    # Z: absent on day 14 (0 appended), back on day 15
    z = state["Z"]
    assert (z["active_days"], z["last_active"]) == (2, day(15))
    assert engine.read_json(lake.layout.state_meta(day(15)))["window_days"] == 16


def test_the_day_ninety_days_ago_leaves_the_window(lake):
    start = D0
    today = start + timedelta(days=WINDOW_DAYS)  # 90 days later: day `start` expires
    run_day(
        lake,
        start,
        [
            ("A", "post", None, ["ai"]),
            ("B", "like", "A"),
            ("X", "post", None, ["music"]),  # only ever active on the expiring day
        ],
    )
    # yesterday's state covers start .. start + 89: a full window of 90 days
    carry_state(lake, start, today - timedelta(days=1), window_days=WINDOW_DAYS)
    state = run_day(
        lake,
        today,
        [
            ("A", "post", None, ["ai", "Sports"]),
            ("A", "post"),
            ("C", "like", "A"),
        ],
    )
    # B and X had nothing but the expiring day: their window is empty, they leave
    assert sorted(state) == ["A", "C"]
    a = state["A"]
    assert a["posts"] == 2  # 1 (yesterday's window) + 2 (today) - 1 (expiring)
    assert a["actions_given"] == 2
    assert a["likes_received"] == 1  # 1 + 1 - 1
    assert a["distinct_engagers"] == 1  # 1 + 1 - 1
    assert a["weighted_reactions"] == pytest.approx(1.0)
    assert a["impact"] == pytest.approx(0.1)
    assert (a["active_days"], a["present_days"]) == (1, 1)  # 1 + 1 - 1
    assert (a["first_seen"], a["last_active"]) == (start, today)
    # topics: ai 1 + 1 - 1 = 1, sports 1; X's music is gone
    assert topics(lake, today) == [("A", "ai", 1), ("A", "sports", 1)]
    assert engine.read_json(lake.layout.state_meta(today))["window_days"] == WINDOW_DAYS


def test_features_from_before_the_first_state_day_are_never_subtracted(lake):
    # Features of day -1 exist (say state was rebuilt from day 0), but state starts on
    # day 0, so day -1 was never added. On day 89 it is the expiring day: yesterday's
    # window (days 0..88, window_days 89) does not hold it, so nothing is subtracted.
    before = day(-1)
    lake.events(before, [("A", "post"), ("B", "like", "A")])
    build_daily_features(lake.root, before)
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A")])
    carry_state(lake, day(0), day(88), window_days=WINDOW_DAYS - 1)
    state = run_day(lake, day(89), [("C", "post")])
    assert sorted(state) == ["A", "B", "C"]
    assert (state["A"]["posts"], state["A"]["likes_received"]) == (1, 1)
    assert (state["A"]["present_days"], state["B"]["present_days"]) == (1, 1)
    assert engine.read_json(lake.layout.state_meta(day(89)))["window_days"] == WINDOW_DAYS


def test_window_days_stops_counting_at_ninety(lake):
    run_day(lake, day(0), [("A", "post")])
    carry_state(lake, day(0), day(1), window_days=WINDOW_DAYS)
    run_day(lake, day(2), [("A", "post")])
    assert engine.read_json(lake.layout.state_meta(day(2)))["window_days"] == WINDOW_DAYS


def test_a_gap_in_the_days_raises_state_out_of_order(lake):
    run_day(lake, day(0), [("A", "post")])
    lake.events(day(3), [("A", "post")])
    build_daily_features(lake.root, day(3))
    with pytest.raises(StateOutOfOrder) as raised:
        update_state(lake.root, day(3))
    message = str(raised.value)
    assert f"no state for {day(2)}" in message
    assert f"state exists for {day(0)}" in message
    assert f"Run {day(1)} through {day(2)} first" in message
    assert f"clout run --start {day(1)} --end {day(3)}" in message
    assert not lake.layout.state(day(3)).exists()


def test_rerunning_a_day_gives_the_same_state(lake):
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A")])
    first = run_day(lake, day(1), [("A", "post"), ("C", "like", "A")])
    again = lake.by_user(update_state(lake.root, day(1)))
    assert again == first
    # the first day can be rerun too once later days exist: nothing earlier is missing
    rerun = lake.by_user(update_state(lake.root, day(0)))
    assert rerun["A"]["posts"] == 1
    assert engine.read_json(lake.layout.state_meta(day(0)))["window_days"] == 1


def network_state(lake, when: date) -> dict[tuple[str, str], dict]:
    rows = lake.rows(lake.layout.network_state(when), order_by="user_id, network")
    return {(r["user_id"], r["network"]): r for r in rows}


def reach(lake, when: date) -> dict[str, tuple[int, int]]:
    """(reach, reach_with_held_out) by user on ``when``."""
    rows = lake.rows(lake.layout.reach(when), order_by="user_id")
    return {r["user_id"]: (r["reach"], r["reach_with_held_out"]) for r in rows}


def network_reach(lake, when: date) -> dict[tuple[str, str], int]:
    rows = lake.rows(lake.layout.network_reach(when), order_by="user_id, network")
    return {(r["user_id"], r["network"]): r["reach"] for r in rows}


def breadth(lake, when: date) -> dict[str, int]:
    rows = lake.rows(lake.layout.giver_breadth(when), order_by="actor_id")
    return {r["actor_id"]: r["targets"] for r in rows}


def test_per_network_sums_are_kept_apart(lake):
    # A posts on both networks; B likes on both, C shares on ig only.
    run_day(
        lake,
        day(0),
        [
            ("A", "post", None, None, "tw"),
            ("A", "post", None, None, "ig"),
            ("B", "like", "A", None, "tw"),
            ("B", "like", "A", None, "ig"),
            ("C", "share", "A", None, "ig"),
            ("D", "follow", "A", None, "tw"),
        ],
    )
    run_day(lake, day(1), [("A", "post", None, None, "tw"), ("B", "like", "A", None, "tw")])
    state = network_state(lake, day(1))
    tw, ig = state[("A", "tw")], state[("A", "ig")]
    assert (tw["content_items"], tw["reactions_received"], tw["distinct_engagers"]) == (2, 2, 2)
    # B gave 2 reactions on day 0 (one per network), so each weighs sqrt(1/2); day 1: 1
    assert tw["weighted_reactions"] == pytest.approx(math.sqrt(0.5) + 1.0)
    assert (tw["follows_received"], tw["active_days"], tw["present_days"]) == (1, 2, 2)
    assert (ig["content_items"], ig["reactions_received"], ig["distinct_engagers"]) == (1, 2, 2)
    # ig: B's like sqrt(1/2) + C's share sqrt(1/1)
    assert ig["weighted_reactions"] == pytest.approx(math.sqrt(0.5) + 1.0)
    assert (ig["active_days"], ig["present_days"]) == (1, 1)
    assert ("B", "tw") in state and ("C", "ig") in state and ("D", "tw") in state


def test_reach_counts_people_once_across_days_and_networks(lake):
    # B engages with A on three days and on two networks: one person, two (network) pairs.
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A"), ("B", "reply", "A")])
    run_day(lake, day(1), [("A", "post"), ("B", "share", "A"), ("C", "like", "A")])
    run_day(
        lake,
        day(2),
        [
            ("A", "post"),
            ("B", "like", "A", None, "other"),
            ("A", "like", "A"),
            ("A", "follow", "D"),
        ],
    )
    # self-likes and follows are not engagement with content
    assert reach(lake, day(2)) == {"A": (2, 2)}
    assert network_reach(lake, day(2)) == {("A", "other"): 1, ("A", "testnet"): 2}
    assert breadth(lake, day(2)) == {"B": 1, "C": 1}


def test_an_engager_leaves_ninety_days_after_they_were_last_seen(lake):
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A"), ("C", "like", "A")])
    run_day(lake, day(1), [("A", "post"), ("C", "like", "A")])
    # yesterday (day 89) the window was days 0..89; today (day 90) day 0 leaves it
    carry_state(lake, day(1), day(89), window_days=WINDOW_DAYS)
    assert reach(lake, day(89)) == {"A": (2, 2)}
    run_day(lake, day(90), [("E", "post")])
    # B was last seen on day 0 and leaves; C came back on day 1 and stays
    assert reach(lake, day(90)) == {"A": (1, 1)}
    assert network_reach(lake, day(90)) == {("A", "testnet"): 1}
    assert breadth(lake, day(90)) == {"C": 1}
    # and the per-network sums lose day 0 the same way
    assert network_state(lake, day(90))[("A", "testnet")]["reactions_received"] == 1
    # C leaves on day 91, ninety days after day 1
    run_day(lake, day(91), [("E", "post")])
    assert reach(lake, day(91)) == {}


def test_state_from_before_reach_was_kept_counts_the_window_once(lake, caplog):
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A")])
    for path in (lake.layout.network_state, lake.layout.reach, lake.layout.network_reach):
        path(day(0)).unlink()
    lake.layout.giver_breadth(day(0)).unlink()
    run_day(lake, day(1), [("A", "post"), ("C", "like", "A")])
    # the window's pairs (days 0 and 1) are counted whole, from the daily files
    assert reach(lake, day(1)) == {"A": (2, 2)}
    assert network_reach(lake, day(1)) == {("A", "testnet"): 2}
    assert network_state(lake, day(1))[("A", "testnet")]["content_items"] == 1
    meta = engine.read_json(lake.layout.state_meta(day(1)))
    assert (meta["window_days"], meta["network_window_days"]) == (2, 1)
    assert "no per-network memory" in caplog.text


def test_pairs_written_before_pair_keys_existed_are_keyed_as_they_are_read(lake):
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A"), ("C", "like", "A")])
    path = lake.layout.daily_engagers(day(0))
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * exclude (pair_key) from {engine.parquet_source(path)}) "
            f"to {engine.quote_path(path)} (format parquet)"
        )
    run_day(lake, day(1), [("A", "post"), ("B", "like", "A"), ("D", "like", "A")])
    assert reach(lake, day(1)) == {"A": (3, 3)}  # B is not counted twice


def test_a_day_of_the_window_without_pairs_stops_the_state(lake):
    run_day(lake, day(0), [("A", "post"), ("B", "like", "A")])
    run_day(lake, day(1), [("A", "post")])
    lake.layout.daily_engagers(day(0)).unlink()
    lake.events(day(2), [("B", "like", "A")])
    build_daily_features(lake.root, day(2))
    with pytest.raises(MissingWindowDay) as raised:
        update_state(lake.root, day(2))
    assert f"{day(0)} is inside the 90-day window" in str(raised.value)
    assert f"clout run --start {day(0)}" in str(raised.value)


def test_reach_kept_night_by_night_equals_counting_the_window_whole(lake, monkeypatch):
    """With a 4-day window over 9 nights of random engagement on two networks, today's
    reach, per-network reach and breadth equal distinct counts over the window's pairs."""
    import random

    from transforms import state as state_module

    monkeypatch.setattr(state_module, "WINDOW_DAYS", 4)
    rng = random.Random(7)
    people = [f"u{i}" for i in range(12)]
    for n in range(9):
        events = [(p, "post") for p in people[:4]]
        for _ in range(rng.randint(5, 25)):
            actor, target = rng.sample(people, 2)
            action = rng.choice(["like", "share", "reply", "mention", "follow"])
            events.append((actor, action, target, None, rng.choice(["tw", "ig"])))
        run_day(lake, day(n), events)
        window = ", ".join(
            engine.quote_path(lake.layout.daily_engagers(day(d)))
            for d in range(max(0, n - 3), n + 1)
        )
        with duckdb.connect() as con:
            pairs = f"(select * from read_parquet([{window}]))"
            expected_reach = dict(
                con.execute(
                    f"select user_id, count(distinct engager_id) from {pairs} group by 1"
                ).fetchall()
            )
            expected_network = {
                (u, net): c
                for u, net, c in con.execute(
                    f"select user_id, network, count(distinct engager_id) from {pairs} "
                    "group by 1, 2"
                ).fetchall()
            }
            expected_breadth = dict(
                con.execute(
                    f"select engager_id, count(distinct user_id) from {pairs} group by 1"
                ).fetchall()
            )
        assert {u: r for u, (r, _) in reach(lake, day(n)).items()} == expected_reach, n
        assert network_reach(lake, day(n)) == expected_network, n
        assert breadth(lake, day(n)) == expected_breadth, n
