"""Static checks of the Docker deployment: docker-compose.yml, .env.example, Dockerfile.

No Docker engine is needed. The compose file is validated against the Compose Specification
schema that check-jsonschema bundles (no network), then read with PyYAML and checked for the
services, mounts, profiles and secrets this project relies on.
"""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

DEFAULT_SERVICES = {
    "postgres",
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
}
CELERY_SERVICES = {"redis", "airflow-worker"}
AIRFLOW_SERVICES = (DEFAULT_SERVICES - {"postgres"}) | {"airflow-worker"}
LONG_RUNNING_AIRFLOW_SERVICES = AIRFLOW_SERVICES - {"airflow-init"}
CODE_FOLDERS = ("dags", "transforms", "sql", "expectations")
SECRET_VARIABLES = {
    "POSTGRES_PASSWORD",
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "AIRFLOW__API__SECRET_KEY",
    "_AIRFLOW_WWW_USER_PASSWORD",
}

# Compose interpolation: $$ is a literal $; ${NAME}, ${NAME:-d}, ${NAME-d}, ${NAME:?err},
# ${NAME?err}, ${NAME:+alt}, ${NAME+alt}; plain $NAME.
_INTERPOLATION = re.compile(
    r"\$\$"
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
    r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
)
# Something that looks like a generated secret: a Fernet key (32 bytes, urlsafe base64) or a
# long token mixing upper case, lower case and digits (identifiers and paths do not).
_FERNET_LITERAL = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}=")
_TOKEN_LITERAL = re.compile(r"(?<![A-Za-z0-9_+/=-])[A-Za-z0-9_+/-]{24,}={0,2}")
_SECRETISH_KEY = re.compile(r"PASSWORD|SECRET|FERNET|TOKEN|PRIVATE_KEY", re.IGNORECASE)


class MissingVariable(Exception):
    """A ${NAME:?err} or ${NAME?err} variable was not set: compose refuses to start."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Resolve compose-style variables in ``text`` the way ``docker compose config`` does."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        if match.group("bare"):
            return env.get(match.group("bare"), "")
        name, op, arg = match.group("name"), match.group("op"), match.group("arg") or ""
        value = env.get(name)
        if op is None:
            return value or ""
        unset = value is None or (op.startswith(":") and value == "")
        if op.endswith("-"):
            return arg if unset else value
        if op.endswith("?"):
            if unset:
                raise MissingVariable(f"{name}: {arg}")
            return value
        return "" if unset else arg  # "+" / ":+"

    return _INTERPOLATION.sub(replace, text)


def variables(text: str) -> Iterator[tuple[str, str | None]]:
    """(name, operator) of each variable that ``text`` interpolates ($$ escapes excluded)."""
    for match in _INTERPOLATION.finditer(text):
        if match.group("name"):
            yield match.group("name"), match.group("op")
        elif match.group("bare"):
            yield match.group("bare"), None


def strip_variables(text: str) -> str:
    """``text`` without its variables (a $$ escape stays as a literal $)."""
    return _INTERPOLATION.sub(lambda m: "$" if m.group(0) == "$$" else "", text)


def strings(node: Any) -> Iterator[str]:
    """Every string (keys included) anywhere inside a parsed YAML node."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield from strings(key)
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def resolve(node: Any, env: Mapping[str, str]) -> Any:
    """A copy of ``node`` with every string interpolated."""
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, Mapping):
        return {resolve(k, env): resolve(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(item, env) for item in node]
    return node


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` as a dict, whether written as a map or a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def mounts(service: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(source, target, read_only) for each of a service's volumes, short or long syntax."""
    result = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            parts = volume.split(":")
            source, target = parts[0], parts[1]
            options = parts[2].split(",") if len(parts) > 2 else []
            result.append((source, target, "ro" in options))
        else:
            result.append(
                (volume.get("source", ""), volume["target"], bool(volume.get("read_only")))
            )
    return result


def depends_on(service: Mapping[str, Any]) -> dict[str, str | None]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps)
    return {name: (spec or {}).get("condition") for name, spec in deps.items()}


def command_text(service: Mapping[str, Any]) -> str:
    command = service.get("command") or ""
    return command if isinstance(command, str) else " ".join(command)


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f"{path.name}: not NAME=value: {line!r}"
            values[name.strip()] = value.strip()
    return values


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def filled_env(env_example: dict[str, str]) -> dict[str, str]:
    """.env.example with a dummy value in every empty entry, as a user's .env would be."""
    return {name: value or f"dummy-{name.lower()}" for name, value in env_example.items()}


@pytest.fixture(scope="module")
def resolved(services: dict[str, Any], filled_env: dict[str, str]) -> dict[str, Any]:
    return resolve(services, filled_env)


# --- compose specification ------------------------------------------------------------


def _check_jsonschema() -> Path:
    exe = Path(sys.executable).parent / "check-jsonschema"
    assert exe.exists(), f"check-jsonschema not found next to {sys.executable} (uv sync --dev)"
    return exe


def _validate_against_compose_spec(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_check_jsonschema()), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_compose_file_matches_the_compose_specification() -> None:
    result = _validate_against_compose_spec(COMPOSE_FILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_spec_check_rejects_an_invalid_file(tmp_path: Path) -> None:
    # The same check must be able to fail: a misspelt service key is not in the spec.
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert "    restart: always\n" in text
    broken.write_text(text.replace("    restart: always\n", "    restrat: always\n", 1))
    result = _validate_against_compose_spec(broken)
    assert result.returncode != 0
    assert "restrat" in result.stdout + result.stderr


# --- services ------------------------------------------------------------------------


def test_expected_services_exist(services: dict[str, Any]) -> None:
    assert set(services) >= DEFAULT_SERVICES | CELERY_SERVICES


def test_default_services_need_no_profile(services: dict[str, Any]) -> None:
    for name in DEFAULT_SERVICES:
        assert not services[name].get("profiles"), f"{name} must start without a profile"


def test_celery_services_are_behind_the_celery_profile(services: dict[str, Any]) -> None:
    for name in CELERY_SERVICES:
        assert services[name].get("profiles") == ["celery"], name
    # A default service depending on a profiled one would break a plain `docker compose up`.
    profiled = {name for name, svc in services.items() if svc.get("profiles")}
    for name in DEFAULT_SERVICES:
        assert not set(depends_on(services[name])) & profiled, name


def test_default_executor_is_local(services: dict[str, Any], env_example: dict[str, str]) -> None:
    secrets_only = {name: "x" for name in SECRET_VARIABLES}
    for env in (secrets_only, {**env_example, **secrets_only}):
        for name in DEFAULT_SERVICES - {"postgres"}:
            executor = environment(resolve(services[name], env))["AIRFLOW__CORE__EXECUTOR"]
            assert executor == "LocalExecutor", name


def test_celery_worker_uses_celery(resolved: dict[str, Any]) -> None:
    worker = resolved["airflow-worker"]
    assert environment(worker)["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert command_text(worker).split()[-2:] == ["celery", "worker"]
    assert depends_on(worker).get("redis") == "service_healthy"
    assert environment(worker)["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")


def test_celery_workers_run_the_night_in_shards(
    services: dict[str, Any], env_example: dict[str, str]
) -> None:
    secrets = {name: "x" for name in SECRET_VARIABLES}
    as_shipped = resolve(services, {**env_example, **secrets})
    worker = environment(as_shipped["airflow-worker"])
    assert worker["CLOUT_SHARDS"] == "4"
    assert worker["AIRFLOW__CELERY__WORKER_CONCURRENCY"] == "2"
    # Without Celery the tasks run beside the scheduler, on one machine: one shard.
    assert environment(as_shipped["airflow-scheduler"])["CLOUT_SHARDS"] == "1"
    chosen = resolve(services, {**env_example, **secrets, "CLOUT_SHARDS": "8"})
    assert environment(chosen["airflow-worker"])["CLOUT_SHARDS"] == "8"


def test_each_component_runs_its_airflow_command(resolved: dict[str, Any]) -> None:
    expected = {
        "airflow-apiserver": "airflow api-server",
        "airflow-scheduler": "airflow scheduler",
        "airflow-dag-processor": "airflow dag-processor",
        "airflow-triggerer": "airflow triggerer",
    }
    for name, command in expected.items():
        assert command_text(resolved[name]) == command, name
    assert "airflow db migrate" in command_text(resolved["airflow-init"])


def test_postgres_has_a_healthcheck_and_gates_airflow(resolved: dict[str, Any]) -> None:
    test = resolved["postgres"]["healthcheck"]["test"]
    assert "pg_isready" in (test if isinstance(test, str) else " ".join(test))
    for name in AIRFLOW_SERVICES:
        assert depends_on(resolved[name]).get("postgres") == "service_healthy", name


def test_components_wait_for_a_successful_init(resolved: dict[str, Any]) -> None:
    for name in LONG_RUNNING_AIRFLOW_SERVICES:
        condition = depends_on(resolved[name]).get("airflow-init")
        assert condition == "service_completed_successfully", name
    assert "restart" not in resolved["airflow-init"]


def test_api_server_publishes_8080_with_a_health_endpoint(resolved: dict[str, Any]) -> None:
    api = resolved["airflow-apiserver"]
    assert any(str(port).endswith("8080:8080") for port in api["ports"])
    test = " ".join(api["healthcheck"]["test"])
    assert re.search(r"http://localhost:8080/api/v2/(version|monitor/health)\b", test), test


def test_long_running_components_have_healthchecks(resolved: dict[str, Any]) -> None:
    for name in LONG_RUNNING_AIRFLOW_SERVICES | {"postgres", "redis"}:
        assert resolved[name].get("healthcheck", {}).get("test"), name


# --- image, mounts, environment --------------------------------------------------------


def test_airflow_image_is_built_from_the_repo_dockerfile(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    assert "x-airflow-common" in compose
    for name in AIRFLOW_SERVICES:
        build = services[name].get("build")
        assert isinstance(build, Mapping), f"{name} must build the image"
        assert build["context"] == "."
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    dockerfile = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim\b", dockerfile, re.M)
    assert re.search(r"^RUN uv sync --frozen --no-dev\b", dockerfile, re.M)
    assert re.search(r"UV_PYTHON_DOWNLOADS=never", dockerfile)
    assert re.search(r"^RUN pip install \"uv==", dockerfile, re.M)
    assert re.search(r"^USER \$\{AIRFLOW_UID\}:0$", dockerfile, re.M)
    assert re.search(r"^ARG AIRFLOW_UID=50000$", dockerfile, re.M)


def test_code_folders_are_mounted_read_only(resolved: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        by_source = {src.removeprefix("./"): (dst, ro) for src, dst, ro in mounts(resolved[name])}
        for folder in CODE_FOLDERS:
            assert folder in by_source, f"{name} does not mount ./{folder}"
            target, read_only = by_source[folder]
            assert target == f"/opt/clout/{folder}", (name, folder, target)
            assert read_only, f"{name} mounts ./{folder} writable"


def test_dags_and_transforms_are_found_where_they_are_mounted(resolved: dict[str, Any]) -> None:
    for name in AIRFLOW_SERVICES:
        env = environment(resolved[name])
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/clout/dags", name
        # `import transforms` needs the parent of the mounted package on the path.
        assert "/opt/clout" in env["PYTHONPATH"].split(":"), name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false", name
        assert (
            env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
            == "http://airflow-apiserver:8080/execution/"
        ), name


def test_data_root_is_a_named_volume(compose: dict[str, Any], resolved: dict[str, Any]) -> None:
    named_volumes = set(compose.get("volumes") or {})
    for name in AIRFLOW_SERVICES:
        env = environment(resolved[name])
        assert env["CLOUT_DATA_ROOT"] == "/data", name
        data = [(src, ro) for src, dst, ro in mounts(resolved[name]) if dst == "/data"]
        assert len(data) == 1, name
        source, read_only = data[0]
        assert source in named_volumes, f"{name}: /data must be a named volume, not {source}"
        assert not read_only, name


def test_metadata_db_is_postgres_with_the_shared_password(
    resolved: dict[str, Any], filled_env: dict[str, str]
) -> None:
    password = filled_env["POSTGRES_PASSWORD"]
    assert environment(resolved["postgres"])["POSTGRES_PASSWORD"] == password
    for name in AIRFLOW_SERVICES:
        conn = environment(resolved[name])["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        assert conn == f"postgresql+psycopg://airflow:{password}@postgres/airflow", name


def test_all_components_share_the_same_secrets(
    resolved: dict[str, Any], filled_env: dict[str, str]
) -> None:
    for name in AIRFLOW_SERVICES:
        env = environment(resolved[name])
        for variable in (
            "AIRFLOW__API_AUTH__JWT_SECRET",
            "AIRFLOW__CORE__FERNET_KEY",
            "AIRFLOW__API__SECRET_KEY",
        ):
            assert env[variable] == filled_env[variable], (name, variable)


def test_admin_password_reaches_the_simple_auth_manager(
    resolved: dict[str, Any], filled_env: dict[str, str]
) -> None:
    init = resolved["airflow-init"]
    env = environment(init)
    assert env["_AIRFLOW_WWW_USER_PASSWORD"] == filled_env["_AIRFLOW_WWW_USER_PASSWORD"]
    username = env["_AIRFLOW_WWW_USER_USERNAME"]
    password_file = env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
    assert "_AIRFLOW_WWW_USER_PASSWORD" in command_text(init)
    api = environment(resolved["airflow-apiserver"])
    assert api["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == f"{username}:admin"
    assert api["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"] == password_file
    # init writes the file and the api-server reads it: it must sit on a shared volume.
    folder = str(Path(password_file).parent)
    init_mounts = {dst: src for src, dst, _ in mounts(init)}
    api_mounts = {dst: src for src, dst, _ in mounts(resolved["airflow-apiserver"])}
    assert folder in init_mounts
    assert init_mounts[folder] == api_mounts.get(folder)


# --- secrets ------------------------------------------------------------------------


def test_required_variables_are_named_in_env_example(
    services: dict[str, Any], env_example: dict[str, str]
) -> None:
    for name, service in services.items():
        required = {
            var for text in strings(service) for var, op in variables(text) if op in (":?", "?")
        }
        missing = required - set(env_example)
        assert not missing, f"{name} requires {sorted(missing)}, not in .env.example"


def test_every_interpolated_variable_is_documented(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    used = {var for text in strings(compose) for var, _ in variables(text)}
    assert used >= SECRET_VARIABLES
    assert not used - set(env_example), sorted(used - set(env_example))


def test_secrets_are_required_and_never_defaulted(compose: dict[str, Any]) -> None:
    for text in strings(compose):
        for var, op in variables(text):
            if var in SECRET_VARIABLES:
                assert op == ":?", f"${{{var}}} must be written ${{{var}:?message}}"


def test_a_missing_secret_stops_compose(
    services: dict[str, Any], filled_env: dict[str, str]
) -> None:
    for variable in SECRET_VARIABLES:
        for missing in ({}, {variable: ""}):
            env = {k: v for k, v in filled_env.items() if k != variable} | missing
            with pytest.raises(MissingVariable, match=variable):
                resolve(services, env)


def hard_coded_secret_settings(services: Mapping[str, Any]) -> list[str]:
    """Secret-looking settings whose value is not entirely made of variables."""
    offenders = []
    for name, service in services.items():
        for key, value in environment(service).items():
            # A setting naming where a secret is stored (…_FILE, …_PATH) is not a secret.
            if not _SECRETISH_KEY.search(key) or key.endswith(("_FILE", "_PATH")):
                continue
            # Only required variables (a default would be a hard-coded secret), and nothing
            # left once they are taken out.
            ops = [op for _, op in variables(value)]
            if not ops or set(ops) - {":?", "?"} or strip_variables(value) != "":
                offenders.append(f"{name}: {key}")
    return offenders


def secret_literals(text: str) -> list[str]:
    """Fernet keys and long random-looking tokens in ``text``."""
    found = _FERNET_LITERAL.findall(text)
    for token in _TOKEN_LITERAL.findall(text):
        if all(re.search(cls, token) for cls in ("[a-z]", "[A-Z]", "[0-9]")):
            found.append(token)
    return found


def test_secret_settings_come_only_from_variables(services: dict[str, Any]) -> None:
    assert hard_coded_secret_settings(services) == []


def test_urls_take_their_password_from_a_variable(services: dict[str, Any]) -> None:
    for name, service in services.items():
        for key, value in environment(service).items():
            for userinfo in re.findall(r"://([^@/\s]*)@", value):
                _, _, password = userinfo.partition(":")
                if password:
                    assert re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]*\}", password), (
                        name,
                        key,
                    )


def test_no_secret_literal_in_the_deployment_files() -> None:
    for path in (COMPOSE_FILE, ENV_EXAMPLE, DOCKERFILE):
        assert secret_literals(path.read_text(encoding="utf-8")) == [], path.name


def test_env_example_has_empty_secrets_and_says_how_to_make_them() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    values = read_env_file(ENV_EXAMPLE)
    for variable in SECRET_VARIABLES:
        assert values.get(variable) == "", f"{variable} must be listed with an empty value"
        comment = re.search(rf"((?:^#.*\n)+)^{re.escape(variable)}=", text, re.M)
        assert comment and "python -c" in comment.group(1), f"no recipe for {variable}"
    assert "Fernet.generate_key()" in text
    assert "secrets.token_urlsafe(" in text


def test_secret_checks_catch_hard_coded_values(services: dict[str, Any]) -> None:
    # The checks above must fail on the mistakes they guard against.
    api = services["airflow-apiserver"]
    leaked = {
        **services,
        "airflow-apiserver": {
            **api,
            "environment": {**environment(api), "AIRFLOW__API_AUTH__JWT_SECRET": "hunter2"},
        },
    }
    assert hard_coded_secret_settings(leaked) == [
        "airflow-apiserver: AIRFLOW__API_AUTH__JWT_SECRET"
    ]
    defaulted = {
        **services,
        "postgres": {
            **services["postgres"],
            "environment": {"POSTGRES_PASSWORD": "${POSTGRES_PASSWORD:-airflow}"},
        },
    }
    assert hard_coded_secret_settings(defaulted) == ["postgres: POSTGRES_PASSWORD"]
    # Deterministic stand-ins with the shape of a Fernet key and of token_urlsafe(24).
    fernet = base64.urlsafe_b64encode(bytes(range(32))).decode()
    token = base64.urlsafe_b64encode(bytes(range(100, 124))).decode()
    assert secret_literals(f"AIRFLOW__CORE__FERNET_KEY={fernet}\n") == [fernet]
    assert secret_literals(f"JWT: '{token}'\n") == [token]
    assert secret_literals("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE: /opt/a/b.json") == []
