"""Choose the score's signal weights by the worst world, from published user_features.

For every generated data root given (each with its truth/users.parquet), the raw score is
recomputed on the last published day for each weight vector of a grid, exactly as
sql/scoring/graded.sql computes it (weight * ln(1 + signal) / the population's p99 of it),
and judged on the honest posters: Spearman against the latent influence, and the volume
posters' median score percentile against their median influence percentile (Klout's first
rule: posting more must not lift a user above their influence). A weight vector is ranked
by its worst root, never by one.

    .venv/bin/python scripts/score_weights.py ROOT [ROOT ...] [--top 15]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import duckdb

SIGNALS = ("reach", "amplification", "network_impact", "audience")

POPULATION = """
with last_day as (
    select max(feature_date) as day from read_parquet($features)
),
day_features as (
    select f.*
    from read_parquet($features, union_by_name = true) as f
    where f.feature_date = (select day from last_day)
),
-- Empirical-Bayes shrinkage (--prior-items M): a user's per-item rates with M items of
-- the posters' median rate added, so a rate from few items says less than one from many.
priors as (
    select
        median(amplification) filter (where eligible_items >= 1) as amplification_prior,
        median(network_impact) filter (where eligible_items >= 1) as network_impact_prior
    from day_features
),
features as (
    select
        user_id,
        posts,
        reach,
        (amplification * greatest(eligible_items, 1) + $prior_items * amplification_prior)
            / (greatest(eligible_items, 1) + $prior_items) as amplification,
        (network_impact * greatest(eligible_items, 1) + $prior_items * network_impact_prior)
            / (greatest(eligible_items, 1) + $prior_items) as network_impact,
        audience
    from day_features, priors
),
logged as (
    select user_id, posts, {logs} from features
),
truth as (
    select * from read_parquet($truth, union_by_name = true)
)
select logged.*,
    {scales},
    truth.influence, truth.kind, truth.scenario,
    {lookalike} as lookalike
from logged
left join truth using (user_id)
"""


def load(con: duckdb.DuckDBPyConnection, root: Path, name: str, prior_items: float) -> None:
    features = sorted(str(p) for p in (root / "published" / "user_features").rglob("*.parquet"))
    if not features:
        features = sorted(str(p) for p in (root / "user_features").rglob("*.parquet"))
    logs = ", ".join(f"ln(1 + {s}) as log_{s}" for s in SIGNALS)
    scales = ", ".join(
        f"coalesce(quantile_cont(log_{s}, 0.99) filter (where log_{s} > 0) over (), 1) as scale_{s}"
        for s in SIGNALS
    )
    truth = str(root / "truth" / "users.parquet")
    has_lookalike = "lookalike" in {
        row[0]
        for row in con.execute("describe select * from read_parquet($t)", {"t": truth}).fetchall()
    }
    query = POPULATION.format(
        logs=logs,
        scales=scales,
        lookalike="truth.lookalike" if has_lookalike else "'none'",
    )
    con.execute(
        f"create or replace table {name} as {query}",
        {"features": features, "truth": truth, "prior_items": prior_items},
    )


def judge(con: duckdb.DuckDBPyConnection, name: str, weights: tuple[float, ...]) -> tuple:
    raw = " + ".join(f"{w} * log_{s} / scale_{s}" for w, s in zip(weights, SIGNALS, strict=True))
    return con.execute(
        f"""
        with scored as (
            select *, {raw} as raw_score from {name}
        ),
        posters as (
            select *,
                percent_rank() over (order by raw_score) as score_pct,
                percent_rank() over (order by influence) as influence_pct,
                ntile(10) over (order by posts) as posts_decile
            from scored
            where kind = 'honest' and scenario = 'none' and posts > 0
        )
        select
            corr(rank_score, rank_influence) as spearman,
            median(score_pct) filter (where lookalike = 'volume_poster'),
            median(influence_pct) filter (where lookalike = 'volume_poster'),
            median(score_pct) filter (where posts_decile = 10),
            median(influence_pct) filter (where posts_decile = 10)
        from (
            select *,
                rank() over (order by raw_score)
                    + (count(*) over (partition by raw_score) - 1) / 2.0 as rank_score,
                rank() over (order by influence)
                    + (count(*) over (partition by influence) - 1) / 2.0 as rank_influence
            from posters
        )
        """
    ).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--step", type=float, default=0.05)
    parser.add_argument("--prior-items", type=float, default=0.0)
    args = parser.parse_args()
    con = duckdb.connect()
    names = []
    for n, root in enumerate(args.roots):
        load(con, root, f"world{n}", args.prior_items)
        names.append((root.name, f"world{n}"))
    steps = [round(i * args.step, 4) for i in range(round(1 / args.step) + 1)]
    results = []
    for reach, amp, impact in itertools.product(steps, steps, steps):
        audience = round(1 - reach - amp - impact, 4)
        if audience < 0 or audience > 0.2 or amp == 0:
            continue
        weights = (reach, amp, impact, audience)
        per_world = [judge(con, table, weights) for _, table in names]
        worst = min(r[0] for r in per_world)
        results.append((worst, weights, per_world))
    results.sort(key=lambda r: -r[0])
    header = "weights (reach, amp, impact, audience)  worst  " + "  ".join(
        f"{label[:22]:>22}" for label, _ in names
    )
    print(header)
    for worst, weights, per_world in results[: args.top]:
        cells = "  ".join(
            f"{r[0]:.3f} v{_pct(r[1])}/{_pct(r[2])} d{_pct(r[3])}/{_pct(r[4])}" for r in per_world
        )
        print(f"{weights!s:40} {worst:.3f}  {cells}")


def _pct(value: float | None) -> str:
    return "--" if value is None else f"{100 * value:.0f}"


if __name__ == "__main__":
    main()
