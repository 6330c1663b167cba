"""Airflow's real components on this machine: ``clout airflow`` (``make airflow``) and the tests.

Starts the api-server, scheduler, dag-processor and triggerer over this repo's ``dags/``,
with the embedded SQLite metadata database by default (any SQLAlchemy URL otherwise), the
LocalExecutor, and the simple auth manager: one user, ``operator``, whose password Airflow
generates on first start and keeps in ``$AIRFLOW_HOME``. Each component runs in its own
process group; stopping sends each group SIGINT (the one signal Airflow's components stop
cleanly on), waits, then kills what is left, so no process outlives the stack.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
USER = "operator"
DAG_ID = "clout_nightly"

log = logging.getLogger(__name__)


class AirflowStackError(RuntimeError):
    """A component did not start, or the REST API answered with an error."""


@dataclass
class AirflowStack:
    """The four components over one ``AIRFLOW_HOME``; a context manager that stops them."""

    home: Path
    data_root: Path
    port: int = 8080
    host: str = "127.0.0.1"
    database_url: str | None = None
    parallelism: int = 4
    # The scheduler and triggerer serve task logs on these ports (Airflow's defaults).
    log_server_port: int = 8793
    trigger_log_server_port: int = 8794
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def environment(self) -> dict[str, str]:
        """The environment every component and ``airflow`` command of this stack runs with."""
        env = dict(os.environ)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(REPO / "dags"),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                "AIRFLOW__CORE__PARALLELISM": str(self.parallelism),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{USER}:admin",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__API__HOST": self.host,
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__API_AUTH__JWT_SECRET": self._secret("jwt_secret"),
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
                "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
                "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(self.log_server_port),
                "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(self.trigger_log_server_port),
                "CLOUT_DATA_ROOT": str(self.data_root.resolve()),
            }
        )
        if self.database_url:
            env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = self.database_url
        return env

    def _secret(self, name: str) -> str:
        """A random secret kept in ``$AIRFLOW_HOME``, so restarts keep their tokens valid."""
        path = self.home / name
        if not path.exists():
            self.home.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(32))
            path.chmod(0o600)
        return path.read_text().strip()

    def airflow(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run one ``airflow`` command of this stack; raise with its output if it fails."""
        result = subprocess.run(
            [_airflow_executable(), *args],
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise AirflowStackError(
                f"`airflow {' '.join(args)}` failed ({result.returncode}):\n"
                f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def start(self, timeout: float = 180) -> None:
        """Migrate the metadata database, start the components, wait until all are up."""
        self.data_root.mkdir(parents=True, exist_ok=True)
        logs = self.home / "logs" / "components"
        logs.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        self.airflow("db", "migrate")
        log.info("metadata database ready in %.0f s", time.monotonic() - started)
        for name in COMPONENTS:
            args = [_airflow_executable(), name]
            if name == "api-server":
                args += ["--host", self.host, "--port", str(self.port)]
            with open(logs / f"{name}.log", "ab") as out:
                self.processes[name] = subprocess.Popen(
                    args,
                    env=self.environment(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        self.wait_until_healthy(timeout)
        log.info("Airflow is up at %s in %.0f s", self.url, time.monotonic() - started)

    def wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise AirflowStackError(
                        f"{name} exited with {process.returncode}; see "
                        f"{self.home / 'logs' / 'components' / (name + '.log')}"
                    )
            try:
                health = self._get_json("/api/v2/monitor/health", token=None)
                states = {
                    part: (health.get(part) or {}).get("status")
                    for part in ("metadatabase", "scheduler", "triggerer", "dag_processor")
                }
                if all(state == "healthy" for state in states.values()):
                    return
                last = json.dumps(states)
            except (AirflowStackError, urllib.error.URLError, OSError, ValueError) as error:
                # Starting up: no answer yet, or routes not mounted yet (404).
                last = str(error)
            time.sleep(2)
        raise AirflowStackError(f"Airflow at {self.url} not healthy after {timeout:.0f} s: {last}")

    @property
    def password_file(self) -> Path:
        return self.home / "simple_auth_manager_passwords.json.generated"

    def password(self) -> str:
        """The operator's password, generated by Airflow on first start."""
        return json.loads(self.password_file.read_text())[USER]

    def token(self) -> str:
        """A JWT for the REST API, as the operator."""
        body = {"username": USER, "password": self.password()}
        return self._request("POST", "/auth/token", body, token=None)["access_token"]

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call ``/api/v2/<path>`` as the operator; the answer as JSON."""
        return self._request(method, f"/api/v2/{path.lstrip('/')}", body, token=self.token())

    def wait_for_dag(self, timeout: float = 120) -> None:
        """Wait until the dag-processor has parsed clout_nightly and the API knows it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.api("GET", f"dags/{DAG_ID}")
                return
            except (AirflowStackError, OSError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(3)

    def _get_json(self, path: str, token: str | None) -> Any:
        return self._request("GET", path, None, token)

    def _request(self, method: str, path: str, body: Any, token: str | None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise AirflowStackError(
                f"{method} {path} answered {error.code}: {error.read().decode()[:2000]}"
            ) from error
        return json.loads(payload) if payload else None

    def stop(self, timeout: float = 30) -> None:
        """SIGINT every component's process group, wait, then SIGKILL whatever is left."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGINT)
        deadline = time.monotonic() + timeout
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            # The group too: a component's workers must not outlive it.
            _signal_group(process, signal.SIGKILL)
            process.wait()
        self.processes.clear()

    def __enter__(self) -> AirflowStack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def _airflow_executable() -> str:
    beside = Path(sys.executable).with_name("airflow")
    return str(beside) if beside.exists() else (shutil.which("airflow") or "airflow")


def serve(home: Path, data_root: Path, port: int, database_url: str | None = None) -> None:
    """Start the stack, print how to log in, and run until Ctrl-C (or SIGTERM)."""
    stack = AirflowStack(home=home, data_root=data_root, port=port, database_url=database_url)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    # A background job of a non-interactive shell starts with SIGINT ignored: restore it.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"Starting Airflow (api-server, scheduler, dag-processor, triggerer) in {home} ...")
    try:
        stack.start()
        print(
            f"\nAirflow is up: {stack.url}\n"
            f"  log in as {USER!r} with password {stack.password()!r}\n"
            f"  (generated by Airflow, kept in {stack.password_file})\n"
            f"  DAG {DAG_ID} reads and writes {data_root.resolve()}\n"
            f"  component logs: {home / 'logs' / 'components'}\n"
            "Press Ctrl-C to stop every component.",
            flush=True,
        )
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    raise AirflowStackError(f"{name} exited with {process.returncode}")
            time.sleep(1)
    finally:
        print("\nStopping Airflow ...", flush=True)
        stack.stop()
        print("Stopped: no Airflow process left.", flush=True)
