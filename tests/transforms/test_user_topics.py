"""user_topics: each user's top topics, with an authority ranked within each topic."""

from __future__ import annotations

from datetime import date

import duckdb

from transforms import engine

DAY = date(2026, 1, 20)


def topics(state: list[tuple[str, str, int]], raw: dict[str, float], top: int = 5) -> list:
    with duckdb.connect() as con:
        con.execute("create table topic_state (user_id varchar, topic varchar, mentions bigint)")
        con.executemany("insert into topic_state values (?, ?, ?)", state)
        con.execute("create table graded (user_id varchar, raw_score double)")
        con.executemany("insert into graded values (?, ?)", list(raw.items()))
        engine.set_variables(con, topic_date=DAY, top_topics=top)
        return con.execute(
            "select user_id, topic, topic_rank, mentions, topic_share, authority from ("
            + engine.sql("scoring/user_topics")
            + ")"
        ).fetchall()


def test_a_focused_expert_outranks_an_equally_influential_generalist_on_their_topic() -> None:
    rows = topics(
        [
            ("expert", "ai", 9), ("expert", "music", 1),
            ("generalist", "ai", 5), ("generalist", "music", 5),
            ("newcomer", "ai", 10),
        ],
        {"expert": 2.0, "generalist": 2.0, "newcomer": 0.5},
    )  # fmt: skip
    by_key = {
        (u, t): (rank, mentions, share, authority)
        for u, t, rank, mentions, share, authority in rows
    }
    # ai strengths: expert 0.9 * 2 = 1.8, generalist 0.5 * 2 = 1.0, newcomer 1.0 * 0.5 = 0.5:
    # percent ranks 100, 50, 0.
    assert by_key[("expert", "ai")] == (1, 9, 0.9, 100.0)
    assert by_key[("generalist", "ai")][3] == 50.0
    assert by_key[("newcomer", "ai")] == (1, 10, 1.0, 0.0)
    # music strengths: generalist 1.0 > expert 0.2.
    assert by_key[("generalist", "music")][3] == 100.0
    assert by_key[("expert", "music")] == (2, 1, 0.1, 0.0)


def test_only_the_top_topics_of_each_user_are_kept() -> None:
    state = [("u", f"t{i}", 10 - i) for i in range(8)]
    rows = topics(state, {"u": 1.0}, top=3)
    assert [(t, rank) for _, t, rank, *_ in rows] == [("t0", 1), ("t1", 2), ("t2", 3)]
