"""Step 6, flag_gaming, part 1: robust-z jumps against the user's own history and against
everyone (gaming_jumps), and, over real steps, a bought burst flagged with who caused it.

States are written directly with hand-made histories (oldest first, today last). With
log1p values, a steady history has daily changes of 0, so its median is 0 and its MAD 0,
floored at 0.25: a jump from 10 to 100 has own z = 0.6745 * ln(101 / 11) / 0.25
= 0.6745 * 2.2172 / 0.25 = 5.98.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from transforms.features import build_daily_features
from transforms.gaming import MAD_FLOOR, MIN_COUNT, MIN_HISTORY_DAYS, Z_THRESHOLD, flag_gaming
from transforms.state import update_state

DAY = date(2026, 3, 10)


def engagers(user: str, history: list[int]) -> tuple:
    """A user whose only non-zero signal is distinct engagers."""
    n = len(history)
    return (user, history, [0.0] * n, [0] * n)


def steady(user: str, value: int = 10, days: int = 14, today: int | None = None) -> tuple:
    return engagers(user, [value] * days + [value if today is None else today])


def flags(lake, rows) -> list[dict]:
    """The day's jumps (gaming_jumps) from hand-made histories; no events, so no one to
    attribute them to: this part of the tests is about when a jump is a jump."""
    lake.histories(DAY, rows)
    lake.events(DAY, [])
    flag_gaming(lake.root, DAY)
    return lake.rows(lake.layout.gaming_jumps(DAY), order_by="user_id, rule")


def robust_z(change: float) -> float:
    """The z of a change against a median of 0 and the floored MAD."""
    return 0.6745 * change / MAD_FLOOR


def test_constants_the_hand_numbers_use():
    assert (Z_THRESHOLD, MAD_FLOOR, MIN_HISTORY_DAYS, MIN_COUNT) == (3.5, 0.25, 7, 20)


def test_a_jump_against_a_steady_history_is_flagged_with_its_evidence(lake):
    # 8 steady users and two jumpers, 14 days at 10 then today: J 100, K 300.
    # Population changes today: eight 0s, ln(101/11) and ln(301/11) -> median 0, MAD 0
    # (floored to 0.25), so population z = own z.
    # J: ln(101/11) = 2.21727 -> z 5.982: medium (below 2 * 3.5 = 7)
    # K: ln(301/11) = 3.30913 -> z 8.928: high
    rows = [steady(f"s{i}") for i in range(8)]
    rows += [steady("J", today=100), steady("K", today=300)]
    got = flags(lake, rows)
    assert [(f["user_id"], f["rule"], f["severity"]) for f in got] == [
        ("J", "jump_distinct_engagers", "medium"),
        ("K", "jump_distinct_engagers", "high"),
    ]
    j, k = got
    assert robust_z(math.log(101 / 11)) == pytest.approx(5.982, abs=1e-3)
    assert j["own_z"] == pytest.approx(5.982, abs=1e-3)
    assert j["population_z"] == pytest.approx(5.982, abs=1e-3)
    assert k["own_z"] == pytest.approx(8.928, abs=1e-3)
    assert (j["signal"], j["value_today"], j["typical_value"]) == ("distinct_engagers", 100, 10)
    assert j["score_date"] == DAY
    assert j["evidence"] == (
        "distinct engagers rose to 100 today from a typical 10.0 a day over the last 14 days "
        "(robust z 6.0 against the user's own history, 6.0 against all users, "
        "whose median change was +0%)"
    )
    assert "rose to 300" in k["evidence"]
    assert "robust z 8.9" in k["evidence"]


def test_other_signals_are_flagged_under_their_own_rule(lake):
    # Reactions 5.0 a day for 14 days, then 200 today: ln(201/6) = 3.5115 -> z 9.47;
    # followers 2 a day, then 60: ln(61/3) = 3.0123 -> z 8.13. Both high.
    n = 15
    rows = [(f"s{i}", [0] * n, [5.0] * n, [2] * n) for i in range(8)]
    rows += [("R", [0] * n, [5.0] * 14 + [200.0], [2] * n)]
    rows += [("F", [0] * n, [5.0] * n, [2] * 14 + [60])]
    got = flags(lake, rows)
    assert [(f["user_id"], f["rule"], f["severity"]) for f in got] == [
        ("F", "jump_new_followers", "high"),
        ("R", "jump_weighted_reactions", "high"),
    ]
    assert got[0]["own_z"] == pytest.approx(robust_z(math.log(61 / 3)), abs=1e-3)  # 8.127
    assert got[1]["own_z"] == pytest.approx(robust_z(math.log(201 / 6)), abs=1e-3)  # 9.474
    assert got[1]["evidence"].startswith(
        "weighted reactions rose to 200 today from a typical 5.0 a day over the last 14 days"
    )
    assert got[0]["evidence"].startswith("new followers rose to 60 today from a typical 2.0")


def test_a_news_day_when_everyone_rises_flags_nobody(lake):
    # Everyone goes from 10 to 100 (or near it): own z ~ 6 for each, but the population
    # median change is ln(101/11) too, so each population z is about 0.
    rows = [steady(f"s{i}", today=100) for i in range(8)]
    rows += [steady("J", today=110)]  # ln(111/101) = 0.0944 above the median: z 0.25
    assert flags(lake, rows) == []


def test_zero_heavy_history_with_a_rise_below_the_minimum_count_is_not_flagged(lake):
    # Mostly zeros: the changes are 0 except around the 3 and the 1, so the median
    # change is 0 and the MAD 0 (floored). Today 12: change ln(13) = 2.565 -> z 6.92,
    # and the population (steady users) agrees, but 12 < 20 engagers is too few to act on.
    history = [0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    rows = [steady(f"s{i}") for i in range(8)]
    assert flags(lake, [*rows, engagers("Z", [*history, 12])]) == []
    # the same history rising to the minimum count is flagged: only the count held it back
    got = flags(lake, [*rows, engagers("Z", [*history, MIN_COUNT])])
    assert [(f["user_id"], f["value_today"]) for f in got] == [("Z", 20)]
    assert got[0]["own_z"] == pytest.approx(robust_z(math.log(21)), abs=1e-3)  # 8.214
    assert got[0]["typical_value"] == 0.0  # exp(median of log1p) - 1 over mostly zeros


def test_an_ordinary_rise_is_not_flagged(lake):
    # 20 -> 30 a day: ln(31/21) = 0.3895 -> z 1.05, far below 3.5
    rows = [steady(f"s{i}", value=20) for i in range(8)]
    assert flags(lake, [*rows, steady("J", value=20, today=30)]) == []


@pytest.mark.parametrize(("past_days", "flagged"), [(5, False), (6, False), (7, False), (8, True)])
def test_a_jump_needs_a_week_of_earlier_changes(lake, past_days, flagged):
    # past_days values before today give past_days - 1 earlier changes; 7 are needed.
    rows = [steady(f"s{i}", days=past_days) for i in range(8)]
    rows += [steady("J", days=past_days, today=300)]
    got = flags(lake, rows)
    assert [f["user_id"] for f in got] == (["J"] if flagged else [])


def test_no_users_no_flags(lake):
    assert flags(lake, []) == []


def test_flags_from_the_real_steps_over_nine_days(lake):
    # Eight quiet days: A gets likes from 10 distinct people a day, B0..B7 from 12 each;
    # then on day 9 A gets 100 (a bought burst) while the B's stay at 12. A's history is
    # eight 10s and a 100: 7 earlier changes of 0 (the minimum), today ln(101/11)
    # -> z 5.98, medium. The population of the day's change is A and the B's (givers
    # receive nothing): eight 0s and 2.217 -> median 0, so population z = own z.
    start = DAY - timedelta(days=8)
    for n in range(9):
        when = start + timedelta(days=n)
        likes_a = 100 if n == 8 else 10
        events = [(f"a{i}", "like", "A") for i in range(likes_a)]
        events += [(f"b{b}.{i}", "like", f"B{b}") for b in range(8) for i in range(12)]
        lake.events(when, events)
        build_daily_features(lake.root, when)
        update_state(lake.root, when)
    got = lake.rows(flag_gaming(lake.root, DAY), order_by="user_id, rule")
    # each giver gives one like a day: weighted reactions = engagers, so both rules fire.
    # 90 of the 100 likers were never seen before, and all 100 engaged only A in 90 days
    # (narrow): the jump is gaming, not virality.
    assert [(f["user_id"], f["rule"], f["severity"]) for f in got] == [
        ("A", "jump_distinct_engagers", "medium"),
        ("A", "jump_weighted_reactions", "medium"),
    ]
    assert got[0]["own_z"] == pytest.approx(5.982, abs=1e-3)
    assert got[0]["evidence"].startswith(
        "distinct engagers rose to 100 today from a typical 10.0 a day over the last 8 days"
    )
    assert (
        "100% of the 100 came from accounts that are new, narrow or in a gaming group (90% "
        "first seen in the last week, 100% engaging 3 people or fewer in 90 days, 0% held out "
        "as a group's, 0% engaged back by the user), 100% on testnet"
    ) in got[0]["evidence"]
    assert got[0]["evidence"].endswith("; for example a0, a1, a10")
    assert (got[0]["role"], got[0]["group_id"], got[0]["suspicious_share"]) == (
        "beneficiary",
        None,
        1.0,
    )
