"""The analysts' warehouse file, ``<data_root>/warehouse/clout.duckdb``.

What is inside the file, so a copy of it alone answers the day-to-day questions:

- ``latest.<table>``: the latest published day of every daily table, as tables;
- ``run_log``: every run, as a table;
- the analysts' views over those (``sql/warehouse/``): ``latest_scores``, ``top_movers``,
  ``leaderboard``, ``archetype_mix``, ``flag_review``.

What it attaches: the history views (``scores``, ``user_features``, ... and
``score_history``) read the published Parquet lake under ``<data_root>/published/`` by
absolute path, every published day.

Every table, view and column carries its description from ``transforms/dictionary.toml``
as a DuckDB comment. The file is written with storage version 1.4, which DuckDB 1.4 and
newer (and the CLI on PyPI, ``duckdb-cli`` 1.5) read.
"""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from transforms import engine
from transforms.layout import Layout

log = logging.getLogger(__name__)

# Tables published from one file per day; run_log keeps one file per run.
DAILY_TABLES = (
    "scores",
    "user_features",
    "user_topics",
    "user_networks",
    "gaming_flags",
    "gaming_groups",
    "gaming_jumps",
    "quarantine",
    "score_explanations",
)
# Inside the file: the latest published day of each daily table.
LATEST_SCHEMA = "latest"
# The analysts' views, one query each in sql/warehouse/.
ANALYST_VIEWS = (
    "latest_scores",
    "top_movers",
    "leaderboard",
    "archetype_mix",
    "flag_review",
    "score_history",
)
# run_log's columns in order: a published run's (sql/publish/run_log.sql), then a failed
# run's own two (run_log_failure.sql), present (null) even before any night has failed.
RUN_LOG_COLUMNS = (
    "run_date", "status", "events_read", "events_accepted", "events_quarantined",
    "events_duplicate", "events_late", "events_erased", "files_quarantined", "users_scored",
    "gaming_flags", "started_at", "finished_at", "code_version", "model_version",
    "failed_task", "error",
)  # fmt: skip
# Columns added to run_log after runs were logged without them (null in those runs).
RUN_LOG_ADDED = {"events_erased": "bigint"}
# DuckDB 1.4 and 1.5 (the CLI on PyPI) read files written for this storage version.
STORAGE_VERSION = "v1.4.0"
DICTIONARY = Path(__file__).resolve().parent / "dictionary.toml"


@dataclass(frozen=True)
class Dictionary:
    """The descriptions of the warehouse's tables, views and columns."""

    common_columns: dict[str, str]
    tables: dict[str, dict]

    def table(self, name: str) -> str | None:
        return self.tables.get(name, {}).get("description")

    def column(self, table: str, column: str) -> str | None:
        own = self.tables.get(table, {}).get("columns", {})
        return own.get(column) or self.common_columns.get(column)


@cache
def dictionary() -> Dictionary:
    parsed = tomllib.loads(DICTIONARY.read_text())
    return Dictionary(parsed.get("columns", {}), parsed.get("tables", {}))


def build_warehouse(layout: Layout, manifest: dict) -> None:
    """Write a new warehouse file from the manifest's published files, then swap it in: an
    analyst holding the old file open keeps a consistent old snapshot."""
    layout.warehouse.parent.mkdir(parents=True, exist_ok=True)
    tmp = engine.temporary_sibling(layout.warehouse)
    try:
        with engine.connect(layout.duckdb_temp) as con:
            con.execute(
                f"attach {engine.quote_path(tmp)} as warehouse "
                f"(storage_version '{STORAGE_VERSION}')"
            )
            # The views' SQL names tables unqualified (latest.scores, scores), as a reader
            # of the file sees them.
            con.execute("use warehouse")
            _history_views(con, layout, manifest)
            _inside_tables(con, layout, manifest)
            for view in ANALYST_VIEWS:
                con.execute(f"create view {view} as {engine.sql(f'warehouse/{view}')}")
            _describe(con)
            con.execute("use memory")
            con.execute("checkpoint warehouse")
            con.execute("detach warehouse")
        os.replace(tmp, layout.warehouse)
    finally:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)


def _history_views(con: duckdb.DuckDBPyConnection, layout: Layout, manifest: dict) -> None:
    for table in DAILY_TABLES:
        # Every publish adds a file to every table, so none is ever empty of files.
        source = engine.parquet_source(published_files(layout, manifest, table), union_by_name=True)
        con.execute(f"create view {table} as select * from {source}")


def _inside_tables(con: duckdb.DuckDBPyConnection, layout: Layout, manifest: dict) -> None:
    runs = engine.parquet_source(published_files(layout, manifest, "run_log"), union_by_name=True)
    present = {column for (column, *_) in con.execute(f"describe select * from {runs}").fetchall()}
    listed = ", ".join(
        column
        if column in present
        else f"cast(null as {RUN_LOG_ADDED.get(column, 'varchar')}) as {column}"
        for column in RUN_LOG_COLUMNS
    )
    con.execute(
        f"create table run_log as select {listed} from {runs} order by run_date, started_at"
    )
    con.execute(f"create schema {LATEST_SCHEMA}")
    # Every publish adds a file to every daily table for its day.
    latest = max(manifest["published_dates"])
    for table in DAILY_TABLES:
        source = engine.parquet_source(layout.root / manifest["tables"][table][latest])
        con.execute(f"create table {LATEST_SCHEMA}.{table} as select * from {source}")


def published_files(layout: Layout, manifest: dict, table: str) -> list[Path]:
    """The current file of every published day of ``table`` (every run, for run_log)."""
    entries = manifest["tables"].get(table, {})
    files: list[Path] = []
    for day in sorted(entries):
        value = entries[day]
        for relative in value if isinstance(value, list) else [value]:
            files.append(layout.root / relative)
    return files


def _describe(con: duckdb.DuckDBPyConnection) -> None:
    """Write every description of the dictionary as a comment; log what has none."""
    words = dictionary()
    missing: list[str] = []
    # latest.scores is described as scores, its history: by name, whatever the schema.
    for schema, name, kind in _relations(con):
        about = words.table(name)
        if about is None:
            missing.append(f"{schema}.{name}")
        else:
            if schema == LATEST_SCHEMA:
                about = f"Inside the file: the latest published day of {name}. {about}"
            con.execute(f"comment on {kind} {schema}.{name} is {_literal(about)}")
        columns = con.execute(
            "select column_name from duckdb_columns() "
            "where database_name = 'warehouse' and schema_name = ? and table_name = ? "
            "order by column_index",
            [schema, name],
        ).fetchall()
        for (column,) in columns:
            text = words.column(name, column)
            if text is None:
                missing.append(f"{schema}.{name}.{column}")
            else:
                con.execute(f'comment on column {schema}.{name}."{column}" is {_literal(text)}')
    if missing:
        log.warning(
            "warehouse: %d tables or columns have no description in %s (add them there): %s",
            len(missing),
            DICTIONARY,
            ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else ""),
        )


def _relations(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(schema, name, 'table' or 'view') of everything in the warehouse."""
    return con.execute(
        """
        select schema_name, table_name, 'table' from duckdb_tables()
        where database_name = 'warehouse'
        union all
        select schema_name, view_name, 'view' from duckdb_views()
        where database_name = 'warehouse' and not internal
        order by 1, 2
        """
    ).fetchall()


def _literal(text: str) -> str:
    """A SQL string literal: COMMENT ON takes no bound parameters."""
    return "'" + text.replace("'", "''") + "'"


def dictionary_markdown(warehouse_path: Path) -> str:
    """The data dictionary of a built warehouse file, from its own comments, as Markdown."""
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        comments = {
            (schema, name): comment
            for schema, name, comment in con.execute(
                """
                select schema_name, table_name, comment from duckdb_tables()
                union all
                select schema_name, view_name, comment from duckdb_views()
                where not internal
                """
            ).fetchall()
        }
        columns = con.execute(
            "select schema_name, table_name, column_name, data_type, comment "
            "from duckdb_columns() order by schema_name, table_name, column_index"
        ).fetchall()
    by_relation: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for schema, name, column, data_type, comment in columns:
        by_relation.setdefault((schema, name), []).append((column, data_type, comment or ""))

    def section(name: str, where: str) -> list[str]:
        lines = [f"#### `{name}` ({where})", "", comments[("main", name)] or "", ""]
        lines += ["| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{c}` | {t} | {m} |" for c, t, m in by_relation[("main", name)]]
        return [*lines, ""]

    out = ["### Inside the file", ""]
    out += section("run_log", "table: every run")
    for view in ANALYST_VIEWS:
        if view != "score_history":
            out += section(view, "view over the `latest` tables")
    out += ["### History: views over the Parquet lake", ""]
    for table in DAILY_TABLES:
        out += section(table, f"view; `{LATEST_SCHEMA}.{table}` in the file holds its latest day")
    out += section("score_history", "view over the history views")
    return "\n".join(out).rstrip() + "\n"
