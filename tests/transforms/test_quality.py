"""The Great Expectations suites catch what they guard, and know which failures are critical."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from transforms import engine
from transforms.layout import Layout
from transforms.quality import (
    EXPECTATIONS_DIR,
    batch_profile_vs_trailing,
    check_quality,
    data_docs_dir,
    validate,
)
from transforms.scoring import ARCHETYPES


def good_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "score": [1.0, 20.0, 63.0],
            "percentile": [0.0, 50.0, 100.0],
            "archetype": ["Observer", "Specialist", "Celebrity"],
            "delta_1d": [None, 1.5, -2.0],
            "delta_5d": [None, None, 4.0],
            "model_version": ["clout-score-v1"] * 3,
        }
    )


def failed(results, critical: bool) -> set[tuple[str, str | None]]:
    return {(r.expectation, r.column) for r in results if not r.success and r.critical == critical}


@pytest.mark.parametrize("path", sorted(EXPECTATIONS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_expectation_says_whether_it_is_critical(path) -> None:
    suite = json.loads(path.read_text())
    assert suite["name"] == path.stem
    for expectation in suite["expectations"]:
        assert expectation["severity"] in ("critical", "warning"), expectation


def test_the_suite_lists_exactly_the_sixteen_archetypes() -> None:
    suite = json.loads((EXPECTATIONS_DIR / "scores.json").read_text())
    (allowed,) = [
        e["kwargs"]["value_set"]
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set"
    ]
    assert sorted(allowed) == sorted(ARCHETYPES)


def test_good_scores_pass() -> None:
    results = validate({"scores": good_scores()})
    assert all(r.success for r in results), [r.describe() for r in results if not r.success]


def test_out_of_range_scores_and_unknown_archetypes_are_critical() -> None:
    scores = good_scores()
    scores.loc[0, "score"] = 101.0
    scores.loc[1, "archetype"] = "Influencer"
    scores.loc[2, "user_id"] = "a"
    results = validate({"scores": scores})
    assert failed(results, critical=True) == {
        ("expect_column_values_to_be_between", "score"),
        ("expect_column_values_to_be_in_set", "archetype"),
        ("expect_column_values_to_be_unique", "user_id"),
    }


def test_counts_that_do_not_reconcile_are_critical_and_a_high_quarantine_rate_warns() -> None:
    counts = pd.DataFrame(
        [{"events_read": 100, "events_accounted": 99, "events_accepted": 80,
          "quarantine_rate": 0.19}]
    )  # fmt: skip
    results = validate({"run_counts": counts})
    assert failed(results, critical=True) == {
        ("expect_column_pair_values_to_be_equal", "events_read")
    }
    assert failed(results, critical=False) == {
        ("expect_column_values_to_be_between", "quarantine_rate")
    }


def test_a_broken_curve_is_critical_and_a_moved_distribution_warns() -> None:
    drift = pd.DataFrame(
        [{"curve_violations": 3, "ks_statistic": 0.4, "abs_delta_median": 9.0,
          "graded_median": 35.0, "graded_p95": 63.0, "floor_share": 0.3}]
    )  # fmt: skip
    results = validate({"score_drift": drift})
    assert failed(results, critical=True) == {
        ("expect_column_values_to_be_between", "curve_violations")
    }
    assert failed(results, critical=False) == {
        ("expect_column_values_to_be_between", "ks_statistic"),
        ("expect_column_values_to_be_between", "graded_median"),
        ("expect_column_values_to_be_between", "abs_delta_median"),
    }


def test_the_drift_query_counts_curve_violations() -> None:
    import duckdb

    from transforms import engine

    with duckdb.connect() as con:
        con.execute(
            "create table today_scores as select * from (values "
            "('a', 1.0, 0.0), ('b', 20.0, 0.5), ('c', 10.0, 0.7), ('d', 30.0, 0.9), "
            "('e', 31.0, 0.9)) t(user_id, score, raw_score)"
        )
        con.execute("create table prev_scores as select * from today_scores limit 0")
        row = con.execute(engine.sql("quality/score_drift")).fetchone()
        columns = [d[0] for d in con.description]
    drift = dict(zip(columns, row, strict=True))
    # c scores below b with a higher raw score; raw 0.9 got two scores (30 and 31).
    assert drift["curve_violations"] == 2
    assert drift["ks_statistic"] == 0.0


def test_topic_coverage_is_judged_on_users_who_post() -> None:
    features = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d"],
            "reach": [0, 1, 2, 3],
            "amplification": [0.0, 1.0, 2.0, 3.0],
            "network_impact": [0.0, 0.1, 0.2, 0.3],
            "audience": [0, 0, 1, 2],
            "participating": [0.0, 0.5, 1.0, 0.2],
            "creating": [0.0, 0.5, 1.0, 0.2],
            "broad": [0.5, 0.5, 0.1, 0.9],
            "consistent": [0.1, 0.5, 1.0, 0.2],
            "top_topic": [None, None, "ai", "music"],
            "content_items": [0, 0, 3, 1],
        }
    )
    assert all(r.success for r in validate({"user_features": features}))
    features.loc[2, "top_topic"] = None
    features.loc[3, "top_topic"] = None
    assert failed(validate({"user_features": features}), critical=False) == {
        ("expect_column_values_to_not_be_null", "top_topic")
    }


# A day's batch profile as ingest writes it: (network, action) -> (events, distinct actors,
# tagged events).
NORMAL_PROFILE = {
    ("twitter", "post"): (5000, 2900, 5000),
    ("twitter", "like"): (38000, 8100, 0),
    ("twitter", "share"): (8700, 3900, 4300),
    ("facebook", "post"): (3200, 1800, 3200),
    ("facebook", "like"): (21000, 4900, 0),
}
PROFILE_DAY = date(2026, 1, 20)


def write_profile(layout: Layout, day: date, profile: dict[tuple[str, str], tuple]) -> None:
    frame = pd.DataFrame(
        [
            {"network": network, "action": action, "events": events,
             "distinct_actors": actors, "distinct_targets": actors, "late_events": 0,
             "tagged_events": tagged}
            for (network, action), (events, actors, tagged) in profile.items()
        ],
        columns=["network", "action", "events", "distinct_actors", "distinct_targets",
                 "late_events", "tagged_events"],
    ).astype({"events": "int64", "distinct_actors": "int64", "distinct_targets": "int64",
              "late_events": "int64", "tagged_events": "int64"})  # fmt: skip
    path = layout.batch_profile(day)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def profile_frame(
    tmp_path: Path, today: dict[tuple[str, str], tuple], trailing_days: int = 7
) -> pd.DataFrame:
    """The batch_profile suite's frame for ``today`` after ``trailing_days`` normal days."""
    layout = Layout(tmp_path)
    for n in range(1, trailing_days + 1):
        wobble = 1 + (n % 3 - 1) * 0.04  # a few percent either way, as real days do
        normal = {k: (round(e * wobble), round(a * wobble), round(t * wobble))
                  for k, (e, a, t) in NORMAL_PROFILE.items()}  # fmt: skip
        write_profile(layout, PROFILE_DAY - timedelta(days=n), normal)
    write_profile(layout, PROFILE_DAY, today)
    with engine.connect(layout.duckdb_temp) as con:
        return batch_profile_vs_trailing(con, layout, PROFILE_DAY)


def scaled(factor_events: float, factor_actors: float) -> dict[tuple[str, str], tuple]:
    return {
        k: (round(e * factor_events), round(a * factor_actors), round(t * factor_events))
        for k, (e, a, t) in NORMAL_PROFILE.items()
    }


def batch_profile_failures(frame: pd.DataFrame) -> tuple[set, set, list]:
    results = validate({"batch_profile": frame})
    return failed(results, critical=True), failed(results, critical=False), results


def test_a_normal_day_passes_the_batch_profile_suite(tmp_path: Path) -> None:
    frame = profile_frame(tmp_path, NORMAL_PROFILE)
    assert len(frame) == len(NORMAL_PROFILE)
    assert (frame.trailing_days == 7).all() and (frame.trailing_days_present == 7).all()
    twitter_post = frame.set_index(["network", "action"]).loc[("twitter", "post")]
    assert twitter_post.trailing_median_events == 5000
    assert twitter_post.events_ratio == pytest.approx(1.0)
    assert twitter_post.tagged_share == pytest.approx(1.0)
    assert pd.isna(frame.set_index(["network", "action"]).loc[("twitter", "like")].tagged_share)
    critical, warning, results = batch_profile_failures(frame)
    assert not critical and not warning, [r.describe() for r in results if not r.success]


def test_the_first_day_has_no_trailing_median_and_passes(tmp_path: Path) -> None:
    frame = profile_frame(tmp_path, NORMAL_PROFILE, trailing_days=0)
    assert frame.trailing_median_events.isna().all()
    assert not frame.missing_today.any()
    critical, warning, _ = batch_profile_failures(frame)
    assert not critical and not warning


def test_a_news_day_with_ten_times_the_activity_only_warns(tmp_path: Path) -> None:
    frame = profile_frame(tmp_path, scaled(10, 4))
    critical, warning, _ = batch_profile_failures(frame)
    assert not critical
    assert warning == {
        ("expect_column_values_to_be_between", "events_ratio"),
        ("expect_column_values_to_be_between", "actors_ratio"),
    }


def test_a_halved_day_only_warns(tmp_path: Path) -> None:
    frame = profile_frame(tmp_path, scaled(0.5, 0.75))
    critical, warning, _ = batch_profile_failures(frame)
    assert not critical
    assert warning == {("expect_column_values_to_be_between", "events_ratio")}


def test_a_network_missing_today_that_was_there_every_day_warns_and_names_it(
    tmp_path: Path,
) -> None:
    today = {k: v for k, v in NORMAL_PROFILE.items() if k[0] != "facebook"}
    frame = profile_frame(tmp_path, today)
    missing = frame[frame.missing_today]
    assert sorted(zip(missing.network, missing.action, strict=True)) == [
        ("facebook", "like"),
        ("facebook", "post"),
    ]
    assert (missing.events_today == 0).all() and (missing.events_ratio == 0).all()
    critical, warning, results = batch_profile_failures(frame)
    assert not critical
    assert ("expect_column_values_to_be_in_set", "missing_today") in warning
    (flag,) = [r for r in results if r.column == "missing_today"]
    assert flag.observed["unexpected_count"] == 2
    assert {(e["network"], e["action"]) for e in flag.observed["examples"]} == {
        ("facebook", "like"),
        ("facebook", "post"),
    }


def test_a_network_seen_only_on_some_trailing_days_is_not_flagged_missing(
    tmp_path: Path,
) -> None:
    profile_frame(tmp_path, NORMAL_PROFILE)
    layout = Layout(tmp_path)
    sometimes = {**NORMAL_PROFILE, ("mastodon", "post"): (40, 30, 40)}
    write_profile(layout, PROFILE_DAY - timedelta(days=2), sometimes)
    with engine.connect(layout.duckdb_temp) as con:
        frame = batch_profile_vs_trailing(con, layout, PROFILE_DAY)
    row = frame.set_index(["network", "action"]).loc[("mastodon", "post")]
    assert row.trailing_days_present == 1 and row.trailing_median_events == 0
    assert not row.missing_today and pd.isna(row.events_ratio)


def test_posts_losing_their_topics_warns(tmp_path: Path) -> None:
    today = {**NORMAL_PROFILE, ("twitter", "post"): (5000, 2900, 1000)}
    critical, warning, _ = batch_profile_failures(profile_frame(tmp_path, today))
    assert not critical
    assert warning == {("expect_column_values_to_be_between", "tagged_share_ratio")}


def test_validate_renders_data_docs_of_the_suites_it_ran(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    validate({"scores": good_scores()}, data_docs=docs, run_name="2026-01-20")
    html = (docs / "index.html").read_text()
    assert "scores" in html and "2026-01-20" in html
    assert (docs / "expectations" / "scores.html").exists()
    assert list((docs / "validations" / "scores").rglob("*.html"))


def test_the_jump_checkpoint_names_the_users_judged_gaming_in_its_data_docs(tmp_path: Path):
    jumps = pd.DataFrame(
        {
            "user_id": ["bought", "spike", "farmed"],
            "rule": ["jump_new_followers", "jump_distinct_engagers", "jump_weighted_reactions"],
            "verdict": ["gaming", "virality", "gaming"],
            "suspicious_share": [0.97, 0.02, 0.81],
        }
    )
    docs = tmp_path / "docs"
    results = validate({"gaming_jumps": jumps}, data_docs=docs, run_name="2026-01-20")
    (verdict,) = [r for r in results if r.column == "verdict" and not r.success]
    assert not verdict.critical
    assert verdict.observed["unexpected_count"] == 2
    flagged = {(e["user_id"], e["rule"]) for e in verdict.observed["examples"]}
    assert flagged == {("bought", "jump_new_followers"), ("farmed", "jump_weighted_reactions")}
    assert all(r.success for r in results if r.column != "verdict")
    page = next((docs / "validations" / "gaming_jumps").rglob("*.html")).read_text()
    assert "bought" in page and "farmed" in page and "spike" not in page


# One small network run end to end, shared by the Data Docs tests.
DOCS_START = date(2026, 1, 1)
DOCS_END = date(2026, 1, 3)


@pytest.fixture(scope="module")
def small_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from transforms.generate import generate
    from transforms.pipeline import run_range

    root = tmp_path_factory.mktemp("quality_docs") / "data"
    generate(root, users=400, days=3, start=DOCS_START, seed=5)
    run_range(root, DOCS_START, DOCS_END)
    return root


@pytest.mark.slow
def test_each_check_writes_data_docs_of_every_suite(small_night: Path) -> None:
    results = engine.read_json(Layout(small_night).checks(DOCS_END))
    index = data_docs_dir(small_night, DOCS_END) / "index.html"
    assert results["data_docs"] == str(index)
    html = index.read_text()
    for suite in sorted(p.stem for p in EXPECTATIONS_DIR.glob("*.json")):
        assert suite in html, suite
        assert (index.parent / "expectations" / f"{suite}.html").exists()
    assert "batch_profile" in {r["suite"] for r in results["results"]}
    for day in (DOCS_START, DOCS_END):
        assert (data_docs_dir(small_night, day) / "index.html").exists()


@pytest.mark.slow
def test_a_rerun_replaces_the_data_docs_whole(small_night: Path) -> None:
    docs = data_docs_dir(small_night, DOCS_END)
    stale = docs / "stale.html"
    stale.write_text("from an earlier run")
    killed = docs.parent / ".data_docs.0123abcd.tmp"  # what a killed run leaves
    (killed / "static").mkdir(parents=True)
    before = (docs / "index.html").stat().st_ino
    check_quality(small_night, DOCS_END)
    assert (docs / "index.html").exists()
    assert (docs / "index.html").stat().st_ino != before
    assert not stale.exists()
    # The Data Docs and the night's report beside them; nothing half-built.
    assert sorted(p.name for p in docs.parent.iterdir()) == ["data_docs", "index.html"]
