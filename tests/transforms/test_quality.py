"""The Great Expectations suites catch what they guard, and know which failures are critical."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from transforms.quality import EXPECTATIONS_DIR, validate
from transforms.scoring import ARCHETYPES


def good_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "user_id": ["a", "b", "c"],
            "score": [1.0, 20.0, 63.0],
            "percentile": [0.0, 50.0, 100.0],
            "archetype": ["Observer", "Specialist", "Celebrity"],
            "delta_1d": [None, 1.5, -2.0],
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


def test_a_broken_curve_is_critical_and_big_daily_moves_warn() -> None:
    drift = pd.DataFrame(
        [{"ks_statistic": 0.4, "abs_delta_median": 9.0, "graded_median": 35.0,
          "graded_p95": 63.0, "floor_share": 0.3}]
    )  # fmt: skip
    results = validate({"score_drift": drift})
    assert failed(results, critical=True) == {
        ("expect_column_values_to_be_between", "ks_statistic"),
        ("expect_column_values_to_be_between", "graded_median"),
    }
    assert failed(results, critical=False) == {
        ("expect_column_values_to_be_between", "abs_delta_median")
    }


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
