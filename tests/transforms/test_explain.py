"""Score explanations: each signal's share of the score, and why a score moved.

The fast tests run sql/scoring/score_explanations.sql on hand-made graded, user_features
and scores inputs. Each user is given by the logs of their four signals, ln(1 + signal),
so the points are easy to work by hand: points = weight * log / scale, with the weights
0.40, 0.25, 0.25, 0.10 and a scale (the population's p99) of 1 unless a test says so.
Scores are given by hand too: the explanation reads the curve, it does not redo it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from transforms import engine
from transforms.explain import ExplainError, describe_days, explain_user

DAY = date(2026, 3, 10)
WEIGHTS = (0.40, 0.25, 0.25, 0.10)
SIGNALS = ("reach", "amplification", "network_impact", "audience")
FLAT = (1.0, 1.0, 1.0, 1.0)

# A user on a day: (the four ln(1 + signal), the score the curve gave them).
Day = dict[str, tuple[tuple[float, float, float, float], float]]


def reach(log: float) -> tuple[float, float, float, float]:
    return (log, 0.0, 0.0, 0.0)


# Five users spread over the curve: raw scores 0.2 to 1.0 (reach only, 0.40 * log).
POPULATION: Day = {
    "a": (reach(0.5), 1.0),
    "b": (reach(1.0), 20.0),
    "c": (reach(1.5), 40.0),
    "d": (reach(2.0), 63.0),
    "e": (reach(2.5), 80.0),
}


def _tables(
    con: duckdb.DuckDBPyConnection, prefix: str, users: Day, scales: tuple[float, ...]
) -> None:
    con.execute(
        f"create temp table {prefix}user_features (user_id varchar, reach double, "
        "amplification double, network_impact double, audience double)"
    )
    con.execute(
        f"create temp table {prefix}graded (user_id varchar, raw_score double, score double, "
        "reach_points double, amplification_points double, network_impact_points double, "
        "audience_points double)"
    )
    for user, (logs, score) in users.items():
        points = [w * log / s for w, log, s in zip(WEIGHTS, logs, scales, strict=True)]
        con.execute(
            f"insert into {prefix}user_features values (?, ?, ?, ?, ?)",
            [user, *(math.expm1(log) for log in logs)],
        )
        con.execute(
            f"insert into {prefix}graded values (?, ?, ?, ?, ?, ?, ?)",
            [user, round(sum(points), 12), score, *points],
        )


def explanations(
    today: Day,
    yesterday: Day | None = None,
    scales: tuple[float, ...] = FLAT,
    prev_scales: tuple[float, ...] = FLAT,
) -> pa.Table:
    """Run the SQL on today's and (optionally) yesterday's hand-made inputs."""
    con = duckdb.connect()
    try:
        _tables(con, "", today, scales)
        _tables(con, "prev_", yesterday or {}, prev_scales)
        con.execute(
            "create temp table scores as select user_id, graded.score, "
            "100.0 * percent_rank() over (order by graded.raw_score) as percentile, "
            "round(graded.score - prev_graded.score, 2) as delta_1d "
            "from graded left join prev_graded using (user_id)"
        )
        engine.set_variables(con, score_date=DAY)
        return con.sql(engine.sql("scoring/score_explanations")).to_arrow_table()
    finally:
        con.close()


def explain(today: Day, yesterday: Day | None = None, **scales: Any) -> dict[str, dict]:
    """The explanations keyed by user."""
    return {row["user_id"]: row for row in explanations(today, yesterday, **scales).to_pylist()}


# ------------------------------------------------------------------------ contributions


def test_contributions_add_up_to_the_raw_score_and_shares_to_one():
    # Scales (p99) 2, 1, 1, 0.5.
    # a: reach 0.40 * 1 / 2 = 0.2, amplification 0.25 * 0.4 = 0.1,
    #    network_impact 0.25 * 0.8 = 0.2, audience 0.10 * 0.5 / 0.5 = 0.1: raw 0.6,
    #    shares 1/3, 1/6, 1/3, 1/6.
    # b: 0.40 * 2 / 2 = 0.4, 0.25 * 2 = 0.5, 0, 0.10 * 1 / 0.5 = 0.2: raw 1.1,
    #    shares 4/11, 5/11, 0, 2/11.
    today: Day = {
        "z": ((0.0, 0.0, 0.0, 0.0), 1.0),
        "a": ((1.0, 0.4, 0.8, 0.5), 40.0),
        "b": ((2.0, 2.0, 0.0, 1.0), 80.0),
    }
    rows = explain(today, scales=(2.0, 1.0, 1.0, 0.5))
    a, b, z = rows["a"], rows["b"], rows["z"]
    for row in (a, b, z):
        total = sum(row[f"{s}_points"] for s in SIGNALS)
        assert total == pytest.approx(row["raw_score"], abs=1e-9)
    assert a["raw_score"] == pytest.approx(0.6)
    assert [a[f"{s}_share"] for s in SIGNALS] == pytest.approx(
        [1 / 3, 1 / 6, 1 / 3, 1 / 6], abs=1e-4
    )
    assert [b[f"{s}_share"] for s in SIGNALS] == pytest.approx(
        [4 / 11, 5 / 11, 0, 2 / 11], abs=1e-4
    )
    for row in (a, b):
        assert sum(row[f"{s}_share"] for s in SIGNALS) == pytest.approx(1.0, abs=1e-3)
    # Raw score 0: no share of nothing.
    assert [z[f"{s}_share"] for s in SIGNALS] == [None] * 4
    # The first day of all: nothing to compare with, and no change columns.
    assert a["explanation"] == (
        "first day of scores, so there is no yesterday to compare with; "
        "score 40.00, mostly from reach (33% of the raw score)"
    )
    assert z["explanation"].endswith(
        "score 1, the floor: nobody has acted on them in the last 90 days"
    )
    assert a["reach_points_change"] is None and a["own_change"] is None


# ------------------------------------------------------------------------------- moves


def test_own_rise_with_the_population_still_is_the_users_own_change():
    # u: yesterday reach log 1 (0.40) + amplification log 0.4 (0.10) = raw 0.5, score 30;
    # today reach log 2 (0.80) + amplification log 0.24 (0.06) = raw 0.86, score 70.
    # The others did not move. Yesterday's 0.5 on today's curve sits halfway between
    # b (0.4, 20) and c (0.6, 40): 30, the score u had. So own = 70 - 30 = +40, curve 0.
    yesterday = {**POPULATION, "u": ((1.0, 0.4, 0.0, 0.0), 30.0)}
    today = {**POPULATION, "u": ((2.0, 0.24, 0.0, 0.0), 70.0)}
    rows = explain(today, yesterday)
    u = rows["u"]
    assert u["reach_points_change"] == pytest.approx(0.40)
    assert u["amplification_points_change"] == pytest.approx(-0.04)
    assert u["network_impact_points_change"] == u["audience_points_change"] == 0
    assert u["prev_raw_score_repriced"] == pytest.approx(0.5)
    assert u["score_if_unchanged"] == 30.0
    assert (u["delta_1d"], u["own_change"], u["curve_shift"]) == (40.0, 40.0, 0.0)
    assert u["explanation"].startswith(
        "score +40.00 (30.00 → 70.00): +40.00 from their own signals (reach +0.400 points, "
        "people reached 2 → 6; amplification -0.040 points"
    )
    assert u["explanation"].endswith("the curve did not move them")
    # Everyone else stood still.
    assert rows["b"]["explanation"] == (
        "score unchanged at 20.00: their own signals did not change; the curve did not move them"
    )


def test_a_user_who_stood_still_while_others_rose_is_moved_by_the_curve():
    # u keeps reach log 1.25 (raw 0.5): score 30 yesterday between b and c. Today everyone
    # else's reach log rose by 0.5, so u now sits between a' (0.4) and b' (0.6): 10.5.
    yesterday = {**POPULATION, "u": (reach(1.25), 30.0)}
    risen = {user: (reach(logs[0] + 0.5), score) for user, (logs, score) in POPULATION.items()}
    today = {**risen, "u": (reach(1.25), 10.5)}
    u = explain(today, yesterday)["u"]
    assert u["reach_points_change"] == 0
    assert u["score_if_unchanged"] == 10.5
    assert (u["delta_1d"], u["own_change"], u["curve_shift"]) == (-19.5, 0.0, -19.5)
    assert u["explanation"] == (
        "score -19.50 (30.00 → 10.50): -19.50 from the curve, as the rest of the population "
        "moved; their own signals did not change"
    )


def test_a_higher_p99_is_the_curve_not_the_user():
    # Others' reach rose so far that today's reach scale (the p99 of its logs) is 2, not 1.
    # u's reach log stays 1: their points halve, 0.40 -> 0.20, with nothing done by them.
    # Priced at today's scale, yesterday's reach is worth 0.40 * 1 / 2 = 0.20 too, so the
    # points change is 0, own 0, and the whole move (20 -> 10) is the curve's.
    yesterday = {"a": (reach(0.5), 1.0), "u": (reach(1.0), 20.0), "c": (reach(1.5), 40.0)}
    today = {"a": (reach(0.5), 1.0), "u": (reach(1.0), 10.0), "c": (reach(3.0), 40.0)}
    u = explain(today, yesterday, scales=(2.0, 1.0, 1.0, 1.0))["u"]
    assert u["prev_raw_score"] == pytest.approx(0.4)
    assert u["raw_score"] == pytest.approx(0.2)
    assert u["reach_points_change"] == 0
    assert u["prev_raw_score_repriced"] == pytest.approx(0.2)
    assert (u["own_change"], u["curve_shift"]) == (0.0, -10.0)
    assert u["explanation"].startswith("score -10.00 (20.00 → 10.00): -10.00 from the curve")


def test_a_raw_score_beyond_todays_top_places_at_100():
    # u fell from reach log 5 (raw 2.0, score 100) to log 1 (0.4, 20). Yesterday's 2.0 is
    # above every raw score graded today (the top is e, 1.0): it would score 100, so the
    # whole fall is u's own.
    yesterday = {**POPULATION, "u": (reach(5.0), 100.0)}
    today = {**POPULATION, "u": (reach(1.0), 20.0)}
    u = explain(today, yesterday)["u"]
    assert u["score_if_unchanged"] == 100.0
    assert (u["own_change"], u["curve_shift"]) == (-80.0, 0.0)
    assert "-80.00 from their own signals (reach -1.600 points" in u["explanation"]


def test_a_new_user_is_said_to_be_new():
    today = {**POPULATION, "n": ((1.0, 0.4, 0.0, 0.0), 30.0), "quiet": (reach(0.0), 1.0)}
    rows = explain(today, POPULATION)
    # n: reach 0.40 of raw 0.50
    assert rows["n"]["explanation"] == (
        "new today (not scored yesterday), so there is no change to explain; "
        "score 30.00, mostly from reach (80% of the raw score)"
    )
    assert rows["quiet"]["explanation"].startswith("new today")
    assert "the floor" in rows["quiet"]["explanation"]
    assert rows["n"]["own_change"] is None and rows["n"]["score_if_unchanged"] is None


# -------------------------------------------------------------------------------- card


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse's tables for one day, built from the own-change example."""
    yesterday = {**POPULATION, "u": ((1.0, 0.4, 0.0, 0.0), 30.0)}
    today = {**POPULATION, "u": ((2.0, 0.24, 0.0, 0.0), 70.0)}
    table = explanations(today, yesterday)
    con = duckdb.connect()
    con.register("explained", table)
    con.execute("create table score_explanations as select * from explained")
    con.unregister("explained")
    con.execute(
        "create table scores as select user_id, score_date, score, percentile, delta_1d, "
        "'clout-score-v1' as model_version, raw_score, "
        "case when user_id = 'u' then 'Thought Leader' else 'Observer' end as archetype, "
        "case when user_id = 'u' then 0.42 else 0.1 end as style_x, "
        "case when user_id = 'u' then 0.58 else 0.1 end as style_y "
        "from score_explanations"
    )
    con.execute(
        "create table user_features as select user_id, score_date as feature_date, "
        "exp(reach_points / 0.40) - 1 as reach, 0.27 as amplification, "
        "0.0 as network_impact, 0.0 as audience, 0.6 as participating, 0.5 as creating, "
        "0.5 as broad, 0.8 as consistent, 'ai' as top_topic, 3 as topics_used "
        "from score_explanations"
    )
    con.execute(
        "create table gaming_flags as select 'u' as user_id, ?::date as score_date, "
        "'engager_jump' as rule, 'high' as severity, 'engagers 2 → 6' as evidence",
        [DAY],
    )
    yield con
    con.close()


def test_the_card_shows_the_score_style_signals_and_why(warehouse):
    card = explain_user(warehouse, "u")
    assert f"clout explain u on {DAY}" in card
    assert "Thought Leader: column 3, row 2" in card
    assert "style_x 0.42 = mean(creating 0.50, consistent 0.80, score/100 0.70)" in card
    assert ": column 3, 0.39-0.45" in card
    assert "style_y 0.58 = mean(participating 0.60, broad 0.50): row 2, 0.54-0.62" in card
    assert "top topic ai (of 3 used)" in card
    assert "+40.00 since yesterday" in card
    assert "+40.00 from their own signals, +0.00 from the curve" in card
    reach_line = next(line for line in card.splitlines() if line.strip().startswith("reach"))
    # reach: 0.80 of raw 0.86 = 93%, own change +0.400
    assert "0.800" in reach_line and "93%" in reach_line and "+0.400" in reach_line
    assert "why: score +40.00 (30.00 → 70.00)" in card
    assert "engager_jump (high): engagers 2 → 6" in card


def test_the_card_uses_user_topics_and_delta_5d_when_published(warehouse):
    warehouse.execute("alter table scores add column delta_5d double")
    warehouse.execute("update scores set delta_5d = 12.5 where user_id = 'u'")
    # As the warehouse publishes it: the user's topics ranked, each with an authority 0-100.
    warehouse.execute(
        "create table user_topics as select * from (values "
        "('u', ?::date, 'ai', 1, 90.0), ('u', ?::date, 'cats', 2, 20.0), "
        "('u', ?::date, 'rust', 3, 50.0), ('u', ?::date, 'golf', 4, 99.0)) "
        "t(user_id, topic_date, topic, topic_rank, authority)",
        [DAY] * 4,
    )
    card = explain_user(warehouse, "u")
    assert "ai (authority 90.00), cats (authority 20.00), rust (authority 50.00)" in card
    assert "golf" not in card
    # Without a rank, the three of highest authority.
    warehouse.execute("alter table user_topics drop column topic_rank")
    card = explain_user(warehouse, "u")
    assert "golf (authority 99.00), ai (authority 90.00), rust (authority 50.00)" in card
    assert "+12.50 over 5 days" in card


def test_the_card_shows_where_the_user_stands_on_each_network(warehouse):
    assert "networks" not in explain_user(warehouse, "u")
    warehouse.execute(
        "create table user_networks as select * from (values "
        "('u', ?::date, 'instagram', 41.5, 12), ('u', ?::date, 'twitter', 97.25, 1204), "
        "('u', ?::date - 1, 'facebook', 99.0, 3), ('v', ?::date, 'twitter', 99.9, 5000)) "
        "t(user_id, feature_date, network, percentile, reach)",
        [DAY] * 4,
    )
    card = explain_user(warehouse, "u")
    assert (
        "networks    twitter: percentile 97.2, 1,204 reached; instagram: percentile 41.5, "
        "12 reached"
    ) in card
    assert "facebook" not in card


def test_the_card_names_what_exists_for_an_unknown_user_or_date(warehouse):
    with pytest.raises(ExplainError, match=r"unknown user 'nobody'.*2026-03-10.*top users"):
        explain_user(warehouse, "nobody")
    with pytest.raises(ExplainError, match=r"no scores on 2026-03-11.*1 day: 2026-03-10"):
        explain_user(warehouse, "u", DAY + timedelta(days=1))


def test_published_days_are_listed_as_runs():
    days = [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 7)]
    assert describe_days(days) == "4 days: 2026-01-01 to 2026-01-03, 2026-01-07"


# ------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_a_generated_run_publishes_explanations_and_explain_prints_a_card(tmp_path: Path):
    from transforms.cli import app
    from transforms.generate import generate
    from transforms.layout import Layout
    from transforms.pipeline import run_range

    root = tmp_path / "data"
    first, last = date(2026, 1, 1), date(2026, 1, 3)
    generate(root, users=400, days=3, start=first, seed=5)
    run_range(root, first, last)

    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        per_day = con.execute(
            """
            select s.score_date, count(*), count(e.user_id), count(distinct e.user_id)
            from scores s
            left join score_explanations e using (user_id, score_date)
            group by 1 order by 1
            """
        ).fetchall()
        extra = con.execute(
            "select count(*) from score_explanations e anti join scores s "
            "using (user_id, score_date)"
        ).fetchone()[0]
        unexplained, unbalanced = con.execute(
            "select count(*) filter (where explanation is null), "
            "count(*) filter (where abs(own_change + curve_shift - delta_1d) > 0.011) "
            "from score_explanations"
        ).fetchone()
        top_user = con.execute(
            "select user_id from scores where score_date = ? order by score desc, user_id limit 1",
            [last],
        ).fetchone()[0]
    assert [row[0] for row in per_day] == [first, first + timedelta(days=1), last]
    for _, scored, explained, distinct in per_day:
        assert scored == explained == distinct
    assert extra == 0
    assert unexplained == unbalanced == 0

    runner = CliRunner()
    result = runner.invoke(app, ["explain", top_user, "--data-root", str(root)])
    assert result.exit_code == 0, result.output
    assert f"clout explain {top_user} on {last}" in result.output
    assert "archetype" in result.output and "why: score" in result.output

    result = runner.invoke(app, ["explain", "no-such-user", "--data-root", str(root)])
    assert result.exit_code == 1
    assert "unknown user 'no-such-user'" in result.output
    assert "2026-01-01 to 2026-01-03" in result.output


def test_the_card_shows_engagement_held_out_as_gaming_and_the_would_be_score(warehouse):
    assert "held out" not in explain_user(warehouse, "u")
    warehouse.execute("alter table scores add column score_with_held_out double")
    warehouse.execute("update scores set score_with_held_out = score")
    warehouse.execute("alter table user_features add column held_out_reactions bigint default 0")
    warehouse.execute("alter table user_features add column held_out_follows bigint default 0")
    assert "held out" not in explain_user(warehouse, "u")  # nothing held out: no line
    warehouse.execute(
        "update scores set score_with_held_out = 81.5 where user_id = 'u'; "
        "update user_features set held_out_reactions = 1200, held_out_follows = 3 "
        "where user_id = 'u'"
    )
    assert (
        "  held out    1,200 reactions and 3 follows from gaming groups in the window; "
        "counted, the score would be 81.50"
    ) in explain_user(warehouse, "u")
