#!/usr/bin/env bash
# A private PostgreSQL for the Airflow integration test (tests/test_airflow_stack.py).
# Installs Debian's postgresql package when no server binaries are present, starts a cluster
# of its own on 127.0.0.1:$PG_PORT (default 54329) under $PG_DIR (default
# /tmp/clout-postgres-$PG_PORT), creates the database `airflow`, and prints its URL.
# Idempotent: a running cluster is reused. `scripts/test_postgres.sh stop` stops it.
set -euo pipefail
port="${PG_PORT:-54329}"
dir="${PG_DIR:-/tmp/clout-postgres-$port}"

server_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

bin="$(server_bin)"
if [[ -z "$bin" ]]; then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "PostgreSQL is not installed and installing it needs root: apt-get install postgresql" >&2
        exit 1
    fi
    echo "installing Debian's postgresql package ..." >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin="$(server_bin)"
fi

# initdb and the server refuse to run as root: run them as the package's postgres user.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-start}" == "stop" ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
    exit 0
fi

mkdir -p "$dir"
[[ "$(id -u)" -eq 0 ]] && chown postgres "$dir"
if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
fi
if ! as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >&2
fi
psql_q() { "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "$1"; }
if [[ "$(psql_q "select 1 from pg_database where datname = 'airflow'")" != "1" ]]; then
    psql_q "create database airflow" >/dev/null
fi
echo "postgresql://postgres@127.0.0.1:$port/airflow"
