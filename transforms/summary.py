"""The short report ``make run`` ends with, read from the published warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb

from transforms import engine
from transforms.layout import Layout
from transforms.publish import stale_dates
from transforms.report import report_path


def render_summary(data_root: Path) -> str:
    """A few lines on what the warehouse holds, ending with how to open it."""
    layout = Layout(data_root)
    if not layout.warehouse.exists():
        return f"No warehouse at {layout.warehouse} yet: run the nightly job first."
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        totals = _one(con, "summary/ingest_totals")
        spread = _one(con, "summary/score_spread")
        top = con.execute(engine.sql("summary/top_users")).fetchall()
        flags = con.execute(engine.sql("summary/flag_counts")).fetchall()

    lines = [
        f"clout warehouse {layout.warehouse}",
        f"  days published: {totals['days']} ({totals['first_day']} to {totals['last_day']})",
        f"  events read {totals['events_read']:,} = accepted {totals['events_accepted']:,}"
        f" + quarantined {totals['events_quarantined']:,}"
        f" + duplicate {totals['events_duplicate']:,} (late arrivals {totals['events_late']:,})",
        f"  scores on {spread['score_date']}: {spread['users']:,} users, "
        f"{spread['graded']:,} graded on the curve: p25 {spread['p25']:.1f}, "
        f"median {spread['median']:.1f}, p75 {spread['p75']:.1f}, p95 {spread['p95']:.1f}, "
        f"p99 {spread['p99']:.1f}, max {spread['max']:.0f}; "
        f"{spread['at_floor']:,} at the floor of 1 (nobody acted on them in 90 days)",
        "  top users:",
    ]
    for user_id, score, percentile, archetype, delta in top:
        change = "new" if delta is None else f"{delta:+.1f}"
        lines.append(
            f"    {user_id:<14} {score:6.2f}  p{percentile:6.2f}  {archetype:<18} ({change} today)"
        )
    total_flags = sum(row[1] for row in flags)
    latest_flags = sum(row[2] for row in flags)
    lines.append(
        f"  gaming flags: {total_flags:,} over all days, {latest_flags:,} on the latest day"
        + (": " + ", ".join(f"{rule} {n:,}" for rule, n, _, _ in flags) if flags else "")
    )
    stale = stale_dates(data_root)
    if stale:
        lines.append(
            f"  stale nights: {', '.join(map(str, stale))}: an earlier night was published "
            "again after them; rerun them in date order (README: Rerunning earlier nights)"
        )
    root = _shell_path(layout.root)
    report = report_path(layout.root, totals["last_day"])
    if report.exists():
        lines.append(f"  the latest night's report: {_shell_path(report)}")
    lines += [
        "  open the warehouse (read-only; the night keeps running):",
        f"    .venv/bin/duckdb -readonly {_shell_path(layout.warehouse)}"
        "    (then: from latest_scores order by score_rank limit 10;)",
        f'    .venv/bin/clout query --data-root {root} "select * from scores limit 10"',
        '    .venv/bin/python -c "import duckdb; '
        f"con = duckdb.connect('{_shell_path(layout.warehouse)}', read_only=True); "
        "con.sql('from scores limit 10').show()\"",
    ]
    return "\n".join(lines)


def _one(con: duckdb.DuckDBPyConnection, name: str) -> dict:
    (row,) = engine.rows_as_dicts(con.execute(engine.sql(name)))
    return row


def _shell_path(path: Path) -> str:
    try:
        return "./" + str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
