"""The analysts' side of the warehouse: any DuckDB opens it, a copy of the file alone answers
the day-to-day questions, every column is described, and README's queries run."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO, SAMPLE_START, generate_network
from transforms.layout import Layout
from transforms.pipeline import run_range
from transforms.report import report_path
from transforms.warehouse import ANALYST_VIEWS, DAILY_TABLES, LATEST_SCHEMA, dictionary_markdown

pytestmark = pytest.mark.slow

DAYS = 4
# The DuckDB CLI from PyPI (the duckdb-cli package, a dev dependency), beside this Python.
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
CLOUT = DUCKDB_CLI.with_name("clout")
OUTPUT = REPO / "test-output" / "report"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = generate_network(tmp_path_factory.mktemp("analysts"), users=500, days=DAYS, seed=3)
    run_range(root, SAMPLE_START, SAMPLE_START + timedelta(days=DAYS - 1))
    return root


def relations(warehouse: Path) -> list[str]:
    """Every table and view of the file, schema-qualified outside main."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            select schema_name, table_name from duckdb_tables()
            union all
            select schema_name, view_name from duckdb_views() where not internal
            order by all
            """
        ).fetchall()
    return [name if schema == "main" else f"{schema}.{name}" for schema, name in rows]


def cli(warehouse: Path, sql: str) -> list[dict]:
    done = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-json", str(warehouse), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"duckdb CLI failed on {sql!r}: {done.stderr}"
    return json.loads(done.stdout or "[]")


def test_the_file_holds_the_latest_day_the_run_log_the_views_and_the_history(root: Path) -> None:
    expected = {
        "run_log",
        *DAILY_TABLES,
        *ANALYST_VIEWS,
        *(f"{LATEST_SCHEMA}.{table}" for table in DAILY_TABLES),
    }
    assert set(relations(Layout(root).warehouse)) == expected


def test_every_table_and_view_opens_in_the_duckdb_cli_from_pypi(root: Path) -> None:
    version = subprocess.run([str(DUCKDB_CLI), "--version"], capture_output=True, text=True)
    assert version.stdout.startswith("v1."), version.stdout  # an older reader than ours (2.x)
    warehouse = Layout(root).warehouse
    last_day = (SAMPLE_START + timedelta(days=DAYS - 1)).isoformat()
    counts = {
        relation: cli(warehouse, f"select count(*) as n from {relation}")[0]["n"]
        for relation in relations(warehouse)
    }
    for relation in ("scores", "latest.scores", "latest_scores", "leaderboard", "run_log"):
        assert counts[relation] > 0, relation
    assert cli(warehouse, "select max(score_date) as d from latest_scores") == [{"d": last_day}]


def test_duckdb_1_4_python_client_reads_the_file(root: Path) -> None:
    uv = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    script = (
        "import duckdb, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__, con.execute('select count(*) from latest_scores').fetchall()"
        "[0][0], con.execute('select count(*) from scores').fetchall()[0][0])\n"
    )
    client = [uv, "run", "--isolated", "--no-project", "--with", "duckdb~=1.4.0", "python"]
    done = subprocess.run(
        [*client, "-c", script, str(Layout(root).warehouse)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
    )
    assert done.returncode == 0, done.stderr
    version, latest, history = done.stdout.split()
    assert version.startswith("1.4.")
    assert 0 < int(latest) < int(history)


def test_a_copy_of_the_file_alone_answers_the_latest_questions(root: Path, tmp_path: Path) -> None:
    laptop = tmp_path / "clout.duckdb"
    shutil.copy(Layout(root).warehouse, laptop)
    published = Layout(root).published
    hidden = published.with_name("published-elsewhere")
    published.rename(hidden)  # the lake is not on the laptop
    try:
        with duckdb.connect(str(laptop), read_only=True) as con:
            for relation in ("run_log", *ANALYST_VIEWS, *DAILY_TABLES):
                if relation in DAILY_TABLES or relation == "score_history":
                    with pytest.raises(duckdb.IOException, match="published"):
                        con.execute(f"select count(*) from {relation}").fetchall()
                else:
                    con.execute(f"select count(*) from {relation}").fetchall()
            scores = con.execute(f"select count(*) from {LATEST_SCHEMA}.scores").fetchall()[0][0]
            assert con.execute("select count(*) from latest_scores").fetchall()[0][0] == scores
    finally:
        hidden.rename(published)


def test_the_latest_tables_are_the_last_published_day_exactly(root: Path) -> None:
    last_day = SAMPLE_START + timedelta(days=DAYS - 1)
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        for table, day_column in (
            ("scores", "score_date"),
            ("user_features", "feature_date"),
            ("score_explanations", "score_date"),
            ("gaming_flags", "score_date"),
        ):
            inside = con.execute(f"select * from {LATEST_SCHEMA}.{table} order by all").fetchall()
            lake = con.execute(
                f"select * from {table} where {day_column} = ? order by all", [last_day]
            ).fetchall()
            assert inside == lake, table
            assert inside, table


def test_every_table_view_and_column_has_a_description(root: Path) -> None:
    with duckdb.connect(str(Layout(root).warehouse), read_only=True) as con:
        undescribed = con.execute(
            """
            select schema_name || '.' || table_name from duckdb_tables() where comment is null
            union all
            select schema_name || '.' || view_name from duckdb_views()
            where not internal and comment is null
            union all
            select schema_name || '.' || table_name || '.' || column_name from duckdb_columns()
            where comment is null and database_name = current_database()
            order by 1
            """
        ).fetchall()
    assert undescribed == [], "describe these in transforms/dictionary.toml"


def test_the_data_dictionary_page_is_generated_from_the_file(root: Path) -> None:
    page = (REPO / "docs" / "data-dictionary.md").read_text()
    generated = dictionary_markdown(Layout(root).warehouse)
    assert generated in page, (
        "docs/data-dictionary.md is out of date: run `make dictionary` after `make run` "
        "(or `clout dictionary --data-root DIR`) and commit it"
    )


def readme_queries() -> list[str]:
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- example-queries:start -->")[1].split("<!-- example-queries:end -->")
    return re.findall(r"```sql\n(.*?)```", block[0], re.S)


def test_readme_has_eight_to_ten_example_queries() -> None:
    assert 8 <= len(readme_queries()) <= 10


@pytest.mark.parametrize("sql", readme_queries(), ids=lambda sql: sql.splitlines()[0][:60])
def test_readme_example_query_runs_in_the_cli_and_returns_rows(root: Path, sql: str) -> None:
    assert cli(Layout(root).warehouse, sql), sql


CHROMIUM = Path("/usr/bin/chromium")
REPORT_SECTIONS = {
    "run": "The run",
    "curve": "The curve, today against yesterday",
    "archetypes": "The archetype mix",
    "movers": "Top movers",
    "flags": "Flagged users",
    "quality": "Data quality",
}


def test_publish_writes_a_report_for_every_night(root: Path) -> None:
    for offset in range(DAYS):
        day = SAMPLE_START + timedelta(days=offset)
        assert report_path(root, day).is_file(), day


def test_the_report_renders_its_sections_on_a_phone_with_nothing_from_the_network(
    root: Path,
) -> None:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)"
    from playwright.sync_api import sync_playwright

    last_day = SAMPLE_START + timedelta(days=DAYS - 1)
    page_path = report_path(root, last_day)
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_path.as_uri())
            for section, heading in REPORT_SECTIONS.items():
                assert page.locator(f"#{section} h2").inner_text() == heading
            curves = page.locator("#curve svg polyline")
            assert curves.count() == 2  # today and yesterday
            for index in range(2):
                assert len(curves.nth(index).get_attribute("points").split()) == 101
            assert page.locator("#movers tr").count() > 1
            assert page.locator("#flags p").first.inner_text().split()[0].replace(",", "").isdigit()
            docs = page.locator("#quality a")
            assert (page_path.parent / docs.get_attribute("href")).is_file()
            # Readable on a phone: nothing wider than the screen but the tables' own scroll.
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= 390, overflow
            OUTPUT.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(OUTPUT / "report-phone.png"), full_page=True)
        finally:
            browser.close()
    assert [url for url in requested if not url.startswith("file://")] == []


def test_clout_report_writes_the_page_again(root: Path) -> None:
    day = SAMPLE_START + timedelta(days=1)
    page = report_path(root, day)
    page.unlink()
    done = subprocess.run(
        [
            str(DUCKDB_CLI.with_name("clout")),
            "report",
            "--data-root",
            str(root),
            "--date",
            str(day),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(page)
    assert f"the night of {day}" in page.read_text()
