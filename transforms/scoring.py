"""Steps 4 and 5: grade every user on the population curve, then give each an archetype."""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb

from transforms import engine, shards
from transforms.layout import Layout

log = logging.getLogger(__name__)

MODEL_VERSION = "clout-score-v5"
# Each signal's weight in the raw score (README, "The score"). Chosen by the worst of five
# structurally different world families (scripts/score_weights.py, docs/evaluation.md):
# reactions per item lead, Klout's first rule. Reach, a window total that grows with
# volume, weighs little; who reacts (network impact) adds a little. Net new followers weigh
# nothing since v5: where people follow whom others follow, a bought burst draws real
# followers after it is caught and held out (+2.4 to +2.8 points a customer on classic,
# 20,000 users, against -0.1 for honest users of the same score), and dropping them cost
# Spearman 0.001-0.003 on every family. `audience` is still published and explained.
SIGNAL_WEIGHTS = {"reach": 0.05, "amplification": 0.9, "network_impact": 0.05, "audience": 0.0}
# Items at the typical poster's rates that amplification and network impact add to a
# user's own (empirical Bayes): one post's luck says less than fifty posts' rate.
PRIOR_ITEMS = 1.0
# Topics published per user in user_topics.
TOP_TOPICS = 5
ARCHETYPES = (
    "Curator", "Broadcaster", "Taste Maker", "Celebrity",
    "Syndicator", "Feeder", "Thought Leader", "Pundit",
    "Dabbler", "Conversationalist", "Socializer", "Networker",
    "Observer", "Explorer", "Activist", "Specialist",
)  # fmt: skip
# The style matrix's cuts on style_x (columns, left to right) and style_y (rows, from the
# bottom). Calibrated once on the last day of the 20,000-user sample (make run) so each
# band holds about a quarter of the graded users; fixed since, as part of the model.
STYLE_X_CUTS = (0.33, 0.39, 0.45)
STYLE_Y_CUTS = (0.50, 0.54, 0.62)
# Yesterday's scores as the steps read them; absent on the first day.
PREV_SCORES_SCHEMA = "user_id varchar, score double, raw_score double"
# Yesterday's grades and signals as score_explanations reads them; absent on the first day.
PREV_GRADED_SCHEMA = (
    "user_id varchar, raw_score double, score double, reach_points double, "
    "amplification_points double, network_impact_points double, audience_points double"
)
PREV_SIGNALS_SCHEMA = (
    "user_id varchar, reach double, amplification double, network_impact double, audience double"
)


def bind_model(con: duckdb.DuckDBPyConnection) -> None:
    """Give the scoring SQL the model's version, signal weights and style cuts."""
    engine.set_variables(
        con,
        model_version=MODEL_VERSION,
        prior_items=PRIOR_ITEMS,
        style_x_cuts=list(STYLE_X_CUTS),
        style_y_cuts=list(STYLE_Y_CUTS),
        **{f"{signal}_weight": weight for signal, weight in SIGNAL_WEIGHTS.items()},
    )


def score_users(data_root: Path, day: date) -> Path:
    """Write the day's user features and graded scores; return the graded path."""
    layout = Layout(data_root)
    started = time.monotonic()
    window_days = engine.read_json(layout.state_meta(day))["window_days"]
    with engine.connect(layout.duckdb_temp) as con:
        # The whole population, from every shard's state.
        shards.view_all(con, "state", layout.state(day))
        shards.view_all(con, "topic_state", layout.topic_state(day))
        shards.view_all(con, "reach", layout.reach(day))
        shards.view_all(con, "network_state", layout.network_state(day))
        shards.view_all(con, "network_reach", layout.network_reach(day))
        engine.view(con, "prev_scores", layout.scores(day - timedelta(days=1)), PREV_SCORES_SCHEMA)
        engine.view(
            con, "scores_5d_ago", layout.scores(day - timedelta(days=5)), PREV_SCORES_SCHEMA
        )
        engine.set_variables(con, feature_date=day, window_days=window_days)
        bind_model(con)
        users = engine.write_parquet(
            con, engine.sql("scoring/user_features"), layout.user_features(day)
        )
        engine.write_parquet(con, engine.sql("scoring/user_networks"), layout.user_networks(day))
        engine.view(con, "user_features", layout.user_features(day))
        engine.write_parquet(con, engine.sql("scoring/graded"), layout.graded(day))
        engine.view(con, "graded", layout.graded(day))
        engine.set_variables(con, topic_date=day, top_topics=TOP_TOPICS)
        engine.write_parquet(con, engine.sql("scoring/user_topics"), layout.user_topics(day))
    log.info("score %s: %d users graded in %.1f s", day, users, time.monotonic() - started)
    return layout.graded(day)


def assign_archetypes(data_root: Path, day: date) -> Path:
    """Write the day's published scores with each user's archetype; return their path."""
    layout = Layout(data_root)
    started = time.monotonic()
    with engine.connect(layout.duckdb_temp) as con:
        engine.view(con, "graded", layout.graded(day))
        engine.view(con, "user_features", layout.user_features(day))
        engine.set_variables(con, score_date=day)
        bind_model(con)
        users = engine.write_parquet(con, engine.sql("scoring/scores"), layout.scores(day))
        # Why each score is what it is and why it moved: needs the scores just written.
        yesterday = day - timedelta(days=1)
        engine.view(con, "scores", layout.scores(day))
        engine.view(con, "prev_graded", layout.graded(yesterday), PREV_GRADED_SCHEMA)
        engine.view(con, "prev_user_features", layout.user_features(yesterday), PREV_SIGNALS_SCHEMA)
        engine.write_parquet(
            con, engine.sql("scoring/score_explanations"), layout.score_explanations(day)
        )
        mix = con.execute(
            f"select archetype, count(*) from {engine.parquet_source(layout.scores(day))} "
            "group by 1 order by 2 desc limit 3"
        ).fetchall()
    log.info(
        "archetypes %s: %d users, most common %s in %.1f s",
        day,
        users,
        ", ".join(f"{name} {count}" for name, count in mix),
        time.monotonic() - started,
    )
    return layout.scores(day)
