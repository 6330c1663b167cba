"""Draw the latest day's score distribution and the curve as one SVG (no plotting library).

Usage: python scripts/plot_score_distribution.py --data-root DIR --out docs/score_distribution.svg
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from transforms.layout import Layout

WIDTH, HEIGHT, MARGIN = 720, 300, 48
CURVE = [(0, 1), (50, 20), (80, 40), (95, 63), (99, 80), (99.9, 92), (100, 100)]


def histogram(data_root: Path) -> tuple[str, int, int, list[int]]:
    with duckdb.connect(str(Layout(data_root).warehouse), read_only=True) as con:
        day, graded, floor = con.execute(
            "select max(score_date), count(*) filter (where raw_score > 0), "
            "count(*) filter (where raw_score = 0) from scores "
            "where score_date = (select max(score_date) from scores)"
        ).fetchone()
        counts = dict(
            con.execute(
                "select least(floor(score / 5)::int, 19), count(*) from scores "
                "where score_date = ? and raw_score > 0 group by 1",
                [day],
            ).fetchall()
        )
    return str(day), graded, floor, [counts.get(i, 0) for i in range(20)]


def svg(day: str, graded: int, floor: int, bins: list[int]) -> str:
    plot_w, plot_h = WIDTH - 2 * MARGIN, HEIGHT - 2 * MARGIN
    top = max(bins) or 1
    bar_w = plot_w / len(bins)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        'font-family="sans-serif" font-size="11">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{MARGIN}" y="18" font-size="13">Scores on {day}: {graded:,} graded users '
        "in 5-point bins (bars)</text>",
        f'<text x="{MARGIN}" y="34">line: the curve, rank among graded users (right axis) '
        f"for each score; {floor:,} more users sit at the floor of 1</text>",
    ]
    for i, count in enumerate(bins):
        h = plot_h * count / top
        x = MARGIN + i * bar_w
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{MARGIN + plot_h - h:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{h:.1f}" fill="#7aa6d8"><title>{5 * i}-{5 * i + 5}: {count:,}</title></rect>'
        )
    # The curve: x is the score, y the rank among graded users (0-100%).
    points = " ".join(
        f"{MARGIN + plot_w * score / 100:.1f},{MARGIN + plot_h * (1 - rank / 100):.1f}"
        for rank, score in CURVE
    )
    parts.append(f'<polyline points="{points}" fill="none" stroke="#c0392b" stroke-width="2"/>')
    for tick in range(0, 101, 10):
        x = MARGIN + plot_w * tick / 100
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - MARGIN + 16}" text-anchor="middle">{tick}</text>'
        )
    parts.append(
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle">score</text>'
        f'<text x="{WIDTH - MARGIN + 4}" y="{MARGIN + 4}">100%</text>'
        f'<text x="{WIDTH - MARGIN + 4}" y="{MARGIN + plot_h}">0%</text>'
        f'<line x1="{MARGIN}" y1="{MARGIN + plot_h}" x2="{WIDTH - MARGIN}" '
        f'y2="{MARGIN + plot_h}" stroke="#333"/>'
        "</svg>\n"
    )
    return "\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("docs/score_distribution.svg"))
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(svg(*histogram(args.data_root)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
