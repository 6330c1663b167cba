# syntax=docker/dockerfile:1
#
# clout's Airflow image: one image for the api-server, scheduler, dag-processor, triggerer
# and (optional) Celery worker. Python dependencies come from the committed uv.lock
# (`uv sync --frozen`), so the containers run the same versions as the tests.
#
#   docker compose build            # see docker-compose.yml
#   docker build -t clout-airflow .
#
# The database drivers for the PostgreSQL metadata DB (psycopg 3 + asyncpg) must be in
# uv.lock: the dependency `apache-airflow[postgres]` brings them. The build stops with a
# clear message when they are missing instead of producing an image that crash-loops.

ARG PYTHON_IMAGE=python:3.11-slim
FROM ${PYTHON_IMAGE}

# uv comes from PyPI (pip), pinned so the lock file format is always understood.
ARG UV_VERSION=0.13.9
# Same uid as the official apache/airflow image; group 0 so any uid with gid 0 can write.
ARG AIRFLOW_UID=50000

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/clout/.venv \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

# curl: healthchecks; tini: PID 1 that forwards signals and reaps Airflow's child processes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl tini \
    && rm -rf /var/lib/apt/lists/*

RUN pip install "uv==${UV_VERSION}"

RUN useradd --uid "${AIRFLOW_UID}" --gid 0 --home-dir /opt/airflow --create-home \
        --shell /bin/bash airflow \
    && mkdir -p /opt/clout /opt/airflow/logs /opt/airflow/auth /data \
    && chown -R "${AIRFLOW_UID}:0" /opt/airflow /data \
    && chmod -R g+rwX /opt/airflow /data

WORKDIR /opt/clout

# 1) Third-party dependencies only: this layer is reused until pyproject.toml/uv.lock change.
COPY pyproject.toml uv.lock README.md ./
# The `celery` extra (Celery provider, redis client) is always in: the same image serves
# the LocalExecutor default and the `celery` profile's scheduler and workers.
RUN uv sync --frozen --no-dev --no-install-project --extra celery

# 2) The project itself (the `transforms` package and its `clout` command).
COPY transforms/ ./transforms/
RUN uv sync --frozen --no-dev --extra celery

# 3) DAGs, SQL and expectation suites, so the image also runs without the bind mounts
#    that docker-compose.yml puts over these folders.
COPY dags/ ./dags/
COPY sql/ ./sql/
COPY expectations/ ./expectations/

ENV VIRTUAL_ENV=/opt/clout/.venv \
    PATH="/opt/clout/.venv/bin:${PATH}" \
    PYTHONPATH=/opt/clout \
    AIRFLOW_HOME=/opt/airflow \
    AIRFLOW__CORE__DAGS_FOLDER=/opt/clout/dags \
    AIRFLOW__CORE__LOAD_EXAMPLES=False \
    CLOUT_DATA_ROOT=/data

# Fail the build, not the containers, when the lock misses what the compose stack needs.
RUN set -eu; \
    AIRFLOW_HOME=/tmp/airflow-build-check python -c "import airflow, transforms"; \
    rm -rf /tmp/airflow-build-check; \
    command -v clout >/dev/null; \
    if ! python -c "import psycopg, asyncpg" 2>/dev/null; then \
        echo "ERROR: uv.lock has no PostgreSQL drivers (psycopg, asyncpg)." >&2; \
        echo "Add apache-airflow[postgres] to pyproject.toml dependencies and run uv lock." >&2; \
        exit 1; \
    fi; \
    if ! python -c "import airflow.providers.celery, redis" 2>/dev/null; then \
        echo "ERROR: the celery extra (Celery provider, redis) is not installed." >&2; \
        exit 1; \
    fi

USER ${AIRFLOW_UID}:0
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["airflow", "version"]
