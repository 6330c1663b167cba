"""The clout command's arguments fail with messages that say what to do."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from transforms.cli import app

runner = CliRunner()


def test_run_needs_a_date_or_a_range(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--data-root", str(tmp_path)])
    assert result.exit_code == 2
    assert "--date D" in result.output


def test_run_rejects_a_malformed_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--data-root", str(tmp_path), "--date", "01/02/2026"])
    assert result.exit_code == 2
    assert "not a date like" in result.output


def test_run_on_a_missing_dump_says_which_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--data-root", str(tmp_path), "--date", "2026-01-01"])
    assert result.exit_code == 1
    assert "_SUCCESS" in str(result.exception)
    assert "dt=2026-01-01" in str(result.exception)


def test_summary_without_a_warehouse_says_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", "--data-root", str(tmp_path)])
    assert result.exit_code == 0
    assert "run the nightly job first" in result.output
