"""SQL files follow the house style: one query a file, CTEs, a final CTE, no formatting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SQL_FILES = sorted((Path(__file__).resolve().parent.parent / "sql").rglob("*.sql"))


def test_there_are_sql_files() -> None:
    assert len(SQL_FILES) >= 15


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_query_is_documented_cte_style_and_ends_with_final(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("--"), "start with a comment saying what the query produces"
    assert re.search(r"^with\b", text, re.M), "use CTEs"
    assert re.search(r"^final as \(", text, re.M), "end the CTEs with a `final` CTE"
    tail = text.rstrip().splitlines()
    assert any(line.startswith("select * from final") for line in tail[-3:])
    code = re.sub(r"'(?:[^']|'')*'", "''", re.sub(r"--[^\n]*", "", text))
    assert not re.search(r"\{\w*\}", code), "parameters are bound, never formatted in"
    assert ";" not in code, "one query a file"
