"""Shared test set-up: an isolated Airflow home, and small generated networks."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

# Airflow reads its configuration when first imported: point it at a throwaway home,
# an embedded SQLite database and the repo's DAGs before any test imports it.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="clout-test-airflow-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(REPO / "dags"))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
# Small tests, small engine: keeps the suite honest about bounded memory.
os.environ.setdefault("CLOUT_DUCKDB_MEMORY_LIMIT", "1GB")
os.environ.setdefault("CLOUT_DUCKDB_THREADS", "2")

SAMPLE_START = date(2026, 1, 1)


def generate_network(root: Path, users: int, days: int, seed: int = 11) -> Path:
    from transforms.generate import generate

    generate(root, users=users, days=days, start=SAMPLE_START, seed=seed)
    return root


@pytest.fixture(scope="session")
def network_12_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 users over 12 days: past the gaming start and the news day."""
    return generate_network(tmp_path_factory.mktemp("network12"), users=1500, days=12)


@pytest.fixture(scope="session")
def airflow_db() -> None:
    """Airflow's embedded metadata database, created once in the throwaway home."""
    from airflow.utils.db import initdb

    initdb()
