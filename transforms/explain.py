"""``clout explain``: one user's score on one day as a readable card.

The card reads the published warehouse read-only (the night keeps running): the score and
where it sits, the archetype with the style axes that place it, the user's topics, each
signal's contribution, and the sentence from ``score_explanations`` saying why the score
moved (their own signals against the curve). ``explain_user`` formats from any connection
holding the warehouse's tables, so tests can build them by hand.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from transforms import engine
from transforms.layout import Layout
from transforms.scoring import STYLE_X_CUTS, STYLE_Y_CUTS

SIGNALS = ("reach", "amplification", "network_impact", "audience")
# How the card shows each signal's own value (user_features), next to its points.
SIGNAL_UNITS = {
    "reach": ("people reached", "{:,.0f}"),
    "amplification": ("reactions per item", "{:,.2f}"),
    "network_impact": ("standing-weighted reactions", "{:,.2f}"),
    "audience": ("net new followers", "{:,.0f}"),
}
BAR_WIDTH = 20
WIDTH = 92


class ExplainError(ValueError):
    """An unknown user or date, or a warehouse without what the card needs."""


def render_card(data_root: Path, user_id: str, day: date | None = None) -> str:
    """The card of ``user_id`` on ``day`` (default: the latest published day)."""
    warehouse = Layout(data_root).warehouse
    if not warehouse.exists():
        raise ExplainError(f"no warehouse at {warehouse}: run `clout run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return explain_user(con, user_id, day)


def explain_user(con: duckdb.DuckDBPyConnection, user_id: str, day: date | None = None) -> str:
    """The card, from a connection holding scores, score_explanations, user_features and
    gaming_flags (and user_topics if the warehouse publishes it)."""
    columns = _columns(con)
    for table in ("scores", "score_explanations", "user_features"):
        if table not in columns:
            raise ExplainError(
                f"the warehouse has no {table} table: it was published before `clout explain` "
                "existed; rerun a day (`clout run --date D`) to publish it"
            )
    days = [row[0] for row in con.execute(_SQL_DAYS).fetchall()]
    if not days:
        raise ExplainError("the warehouse holds no scored day yet: run `clout run` first")
    day = day or days[-1]
    if day not in days:
        if con.execute("select 1 from scores where score_date = ? limit 1", [day]).fetchone():
            raise ExplainError(
                f"{day} was published before score explanations existed: rerun it "
                f"(`clout run --date {day}`); explained days: {describe_days(days)}"
            )
        raise ExplainError(f"no scores on {day}: the warehouse has {describe_days(days)}")

    delta_5d = next((t for t in ("scores", "score_explanations") if "delta_5d" in columns[t]), None)
    held_out = (
        "score_with_held_out" in columns["scores"]
        and "held_out_reactions" in (columns["user_features"])
    )
    row = _one(con, _sql_user(delta_5d, held_out), [user_id, day])
    if row is None:
        raise ExplainError(_unknown_user(con, user_id, day, days))
    topics = _topics(con, columns.get("user_topics", {}), user_id, day)
    flags = []
    if "gaming_flags" in columns:
        flags = con.execute(_SQL_FLAGS, [user_id, day]).fetchall()
    networks = []
    if "user_networks" in columns:
        networks = con.execute(_SQL_NETWORKS, [user_id, day]).fetchall()
    return format_card(row, topics, flags, networks)


def format_card(
    row: dict[str, Any],
    topics: list[tuple[str, float | None]] | None = None,
    flags: list[tuple[str, str, str]] | None = None,
    networks: list[tuple[str, float, int]] | None = None,
) -> str:
    """The card's text from one joined row of score_explanations, scores and user_features,
    the user's top topics with their authority (``None`` when not published), their
    gaming flags (rule, severity, evidence) and where they stand on each network
    (network, percentile there, people reached there)."""
    lines = [f"clout explain {row['user_id']} on {row['score_date']} ({row['model_version']})", ""]

    moves = [
        "new today" if row["delta_1d"] is None else f"{_signed(row['delta_1d'])} since yesterday"
    ]
    if row.get("delta_5d") is not None:
        moves.append(f"{_signed(row['delta_5d'])} over 5 days")
    lines.append(
        f"  score       {row['score']:.2f}, percentile {row['percentile']:.1f}; " + ", ".join(moves)
    )
    if row["own_change"] is not None:
        lines.append(
            f"              yesterday {row['prev_score']:.2f}: {_signed(row['own_change'])} from "
            f"their own signals, {_signed(row['curve_shift'])} from the curve"
        )
    would_be = row.get("score_with_held_out")
    if would_be is not None and (row.get("held_out_reactions") or row.get("held_out_follows")):
        lines.append(
            f"  held out    {row['held_out_reactions'] or 0:,} reactions and "
            f"{row['held_out_follows'] or 0:,} follows from gaming groups in the window; "
            f"counted, the score would be {would_be:.2f}"
        )

    column, row_index = _cell(row["style_x"], row["style_y"])
    lines += [
        f"  archetype   {row['archetype']}: column {column + 1}, row {row_index + 1} of the "
        "4x4 style matrix",
        f"    style_x {row['style_x']:.2f} = mean(creating {row['creating']:.2f}, "
        f"consistent {row['consistent']:.2f}, score/100 {row['score'] / 100:.2f})"
        f": column {column + 1}, {_band(STYLE_X_CUTS, column)}",
        f"    style_y {row['style_y']:.2f} = mean(participating {row['participating']:.2f}, "
        f"broad {row['broad']:.2f}): row {row_index + 1}, {_band(STYLE_Y_CUTS, 3 - row_index)}",
        "    (columns run from sharing/casual to creating/consistent, rows from "
        "participating/broad",
        "    at the top to listening/focused)",
    ]
    if topics:
        listed = ", ".join(
            name if authority is None else f"{name} (authority {authority:.2f})"
            for name, authority in topics
        )
        lines.append(f"  topics      {listed}")
    elif row["top_topic"]:
        used = row["topics_used"]
        lines.append(f"  topics      top topic {row['top_topic']} (of {used} used)")
    else:
        lines.append("  topics      none tagged in the window")
    if networks:
        lines.append(
            "  networks    "
            + "; ".join(
                f"{network}: percentile {percentile:.1f}, {reach:,} reached"
                for network, percentile, reach in networks
            )
        )

    lines += [
        "",
        f"  {'signal':<15}{'points':>7}  {'share':>5}  {'':<{BAR_WIDTH}}  {'own change':>10}"
        "   value",
    ]
    for signal in SIGNALS:
        unit, fmt = SIGNAL_UNITS[signal]
        share = row[f"{signal}_share"]
        change = row[f"{signal}_points_change"]
        lines.append(
            f"  {signal:<15}{row[f'{signal}_points']:>7.3f}  "
            f"{'' if share is None else f'{share:.0%}':>5}  {_bar(share)}  "
            f"{'' if change is None else f'{round(change, 3) + 0.0:+.3f}':>10}   "
            f"{fmt.format(row[signal])} {unit}"
        )
    lines.append(f"  {'raw score':<15}{row['raw_score']:>7.3f}")

    lines.append("")
    lines += textwrap.wrap(
        row["explanation"],
        WIDTH,
        initial_indent="  why: ",
        subsequent_indent="       ",
        break_on_hyphens=False,
    )
    lines.append("")
    if flags:
        lines.append("  gaming flags:")
        for rule, severity, evidence in flags:
            lines += textwrap.wrap(
                f"{rule} ({severity}): {evidence}",
                WIDTH,
                initial_indent="    ",
                subsequent_indent="      ",
            )
    else:
        lines.append("  gaming flags: none on this day")
    return "\n".join(lines)


def describe_days(days: list[date]) -> str:
    """Published days as runs of consecutive dates: '3 days: 2026-01-01 to 2026-01-03'."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][-1] == timedelta(days=1):
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = [f"{r[0]}" if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs]
    noun = "day" if len(days) == 1 else "days"
    return f"{len(days)} {noun}: {', '.join(parts)}"


_SQL_DAYS = "select distinct score_date from score_explanations order by score_date"

_SQL_FLAGS = (
    "select rule, severity, evidence from gaming_flags "
    "where user_id = ? and score_date = ? order by rule"
)


def _sql_user(delta_5d_table: str | None, held_out: bool) -> str:
    delta_5d = {"scores": "s.delta_5d", "score_explanations": "e.delta_5d"}.get(
        delta_5d_table or "", "null"
    )
    held_out_columns = (
        "s.score_with_held_out, f.held_out_reactions, f.held_out_follows"
        if held_out
        else "null as score_with_held_out, null as held_out_reactions, null as held_out_follows"
    )
    return f"""
        select
            e.*,
            {delta_5d} as delta_5d,
            {held_out_columns},
            s.archetype, s.model_version, s.style_x, s.style_y,
            f.reach, f.amplification, f.network_impact, f.audience,
            f.participating, f.creating, f.broad, f.consistent, f.top_topic, f.topics_used
        from score_explanations e
        join scores s on s.user_id = e.user_id and s.score_date = e.score_date
        join user_features f on f.user_id = e.user_id and f.feature_date = e.score_date
        where e.user_id = ? and e.score_date = ?
    """


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Each table or view of the current database: its columns and their types."""
    found: dict[str, dict[str, str]] = {}
    for table, column, data_type in con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = current_database() and table_schema = current_schema() "
        "order by table_name, ordinal_position"
    ).fetchall():
        found.setdefault(table, {})[column] = data_type
    return found


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = engine.rows_as_dicts(con.execute(sql, params))
    return rows[0] if rows else None


_SQL_NETWORKS = """
select network, percentile, reach
from user_networks
where user_id = ? and feature_date = ?
order by percentile desc, network
"""


def _topics(
    con: duckdb.DuckDBPyConnection, columns: dict[str, str], user_id: str, day: date
) -> list[tuple[str, float | None]]:
    """The user's top 3 topics with their authority from ``user_topics``, when the warehouse
    publishes one with ``user_id``, ``topic`` and ``authority``: by ``topic_rank`` if it has
    one, else by authority, on its date column. Otherwise none, and the card shows
    user_features' top topic."""
    if not {"user_id", "topic", "authority"} <= columns.keys():
        return []
    date_columns = sorted(
        (name for name, data_type in columns.items() if data_type == "DATE"),
        key=lambda name: name not in ("topic_date", "feature_date", "score_date"),
    )
    where = "user_id = ?" + (f' and "{date_columns[0]}" = ?' if date_columns else "")
    params: list[Any] = [user_id, day] if date_columns else [user_id]
    order = "topic_rank, " if "topic_rank" in columns else ""
    return [
        (str(topic), None if authority is None else float(authority))
        for topic, authority in con.execute(
            f"select topic, authority from user_topics where {where} "
            f"order by {order}authority desc nulls last, topic limit 3",
            params,
        ).fetchall()
    ]


def _unknown_user(con: duckdb.DuckDBPyConnection, user_id: str, day: date, days: list[date]) -> str:
    elsewhere = [
        row[0]
        for row in con.execute(
            "select score_date from score_explanations where user_id = ? order by score_date",
            [user_id],
        ).fetchall()
    ]
    if elsewhere:
        return f"user {user_id!r} has no score on {day}; they have {describe_days(elsewhere)}"
    top = [
        row[0]
        for row in con.execute(
            "select user_id from score_explanations where score_date = ? "
            "order by score desc, user_id limit 3",
            [day],
        ).fetchall()
    ]
    return (
        f"unknown user {user_id!r}: no score for them on any published day "
        f"({describe_days(days)}); the top users on {day} are {', '.join(top)}"
    )


def _cell(style_x: float, style_y: float) -> tuple[int, int]:
    """The archetype's column (0 = sharing/casual) and row (0 = participating/broad)."""
    column = sum(style_x >= cut for cut in STYLE_X_CUTS)
    row = 3 - sum(style_y >= cut for cut in STYLE_Y_CUTS)
    return column, row


def _band(cuts: tuple[float, ...], band: int) -> str:
    """Band ``band`` (0 = lowest) between the cuts, as the card prints it."""
    if band == 0:
        return f"< {cuts[0]:.2f}"
    if band == len(cuts):
        return f"≥ {cuts[-1]:.2f}"
    return f"{cuts[band - 1]:.2f}-{cuts[band]:.2f}"


def _bar(share: float | None) -> str:
    filled = round(max(0.0, min(share or 0.0, 1.0)) * BAR_WIDTH)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def _signed(value: float) -> str:
    return f"{value + 0.0:+.2f}"
