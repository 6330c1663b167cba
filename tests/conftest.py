"""Shared test set-up: an isolated Airflow home, and small generated networks."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from transforms.airflow_stack import AirflowStack

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


def airflow_stack(tmp_path: Path, data_root: Path, database_url: str | None) -> AirflowStack:
    """The four Airflow components over ``data_root``, every port free, a fresh home."""
    from transforms.airflow_stack import AirflowStack

    return AirflowStack(
        home=tmp_path / "airflow-home",
        data_root=data_root,
        port=free_port(),
        log_server_port=free_port(),
        trigger_log_server_port=free_port(),
        database_url=database_url,
    )


def free_port() -> int:
    """A TCP port nothing listens on now, for a component a test starts."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def metadata_database_url() -> Iterator[str | None]:
    """A fresh, empty PostgreSQL database when CLOUT_TEST_AIRFLOW_DATABASE_URL names a server
    (CI sets it, see .ci/run), dropped afterwards; else None: the embedded SQLite."""
    server_url = os.environ.get("CLOUT_TEST_AIRFLOW_DATABASE_URL")
    if not server_url:
        yield None
        return
    import psycopg

    name = f"clout_test_{uuid.uuid4().hex[:12]}"
    admin = server_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')
