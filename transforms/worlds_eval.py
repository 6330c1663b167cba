"""``clout evaluate-worlds``: choose clout's model by its worst world, not its best.

The score and the gaming rules were tuned on the classic generator; a model that only does
well there has learnt the generator. This builds several worlds (each family of
``transforms.worlds`` and the classic generator, each under several seeds), runs every night
of each in-process, evaluates the last day with ``clout evaluate``, and reports, for every
figure, the worst seed of each family and the worst family, against the targets:

- Spearman of the raw score against latent influence: 0.92 or more
- recall of the gamers (flagged on any day since their gaming began): 0.90 or more
- precision among established accounts flagged: 0.95 or more
- each kind of honest look-alike of gaming: 3% or fewer of its accounts flagged
- the gamers' net score gain over matched honest controls: 1 point or less
- volume posters: median score percentile no higher than median influence percentile
- Higgs (real data, optional): 75 or more of the 100 top scores on the 100 most retweeted

Each world lives in ``<work>/<family>-s<seed>/`` with its ``evaluation.json`` beside the
warehouse. That file is written last, so a world that has one is finished and a rerun reuses
it: a run of hours can be stopped and resumed. A world without one is resumed from its last
published night when it was generated with the same parameters, else built again.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from transforms import engine
from transforms.evaluate import GAMING_SCENARIOS, LOOKALIKES, evaluate

__all__ = [
    "CLASSIC",
    "DEFAULT_SEEDS",
    "DISPOSABLE",
    "HIGGS",
    "MARKER_FILE",
    "RESULT_FILE",
    "Figure",
    "Measure",
    "WorldSpec",
    "all_families",
    "build_world",
    "evaluate_worlds",
    "figures_for",
    "measures_of",
    "render_markdown",
    "replay_higgs",
    "source_state",
]

log = logging.getLogger(__name__)

CLASSIC = "classic"
HIGGS = "higgs"
DEFAULT_SEEDS = (1, 2, 3)
# Written last in a world's folder: its presence means the world is finished.
RESULT_FILE = "evaluation.json"
# Written first: the world's parameters, so a rerun knows the folder is this command's to
# resume or replace (a folder without it is never deleted).
MARKER_FILE = "evaluate-worlds.json"
# What a world drops once evaluated, unless --keep: the dumps and the nightly Data Docs
# (about 4 MB a night) are most of its bytes, and nothing the evaluation reads. The
# published files, the warehouse and the truth stay, so a world can be evaluated again.
DISPOSABLE = ("landing", "reports")
# The Higgs replay's week (the SNAP file's days), evaluated on its last day as in README.
HIGGS_START, HIGGS_END = date(2012, 7, 1), date(2012, 7, 7)


def all_families() -> tuple[str, ...]:
    """The classic generator, then every family ``transforms.worlds`` offers."""
    try:
        from transforms.worlds import FAMILIES
    except ImportError:
        # The families module may not be there yet; the classic generator always is.
        return (CLASSIC,)
    return (CLASSIC, *(family for family in FAMILIES if family != CLASSIC))


@dataclass(frozen=True)
class WorldSpec:
    """One world to build: a family's generator under one seed."""

    family: str
    seed: int
    users: int
    days: int
    start: date

    @property
    def name(self) -> str:
        return f"{self.family}-s{self.seed}"

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "start": self.start.isoformat()}


# -- building and evaluating one world ------------------------------------------------------


def build_world(spec: WorldSpec, work: Path, keep: bool = False, label: str = "") -> dict[str, Any]:
    """Generate, run and evaluate one world under ``work``; return its ``evaluation.json``.

    A finished world of the same parameters is reused as it is. ``keep=False`` deletes the
    world's dumps and Data Docs (``DISPOSABLE``) once it is evaluated.
    """
    root = Path(work) / spec.name
    result_path = root / RESULT_FILE
    tag = f"world {spec.name}{label}"
    if result_path.exists():
        saved = engine.read_json(result_path)
        if saved.get("world") == spec.as_json():
            log.info("%s: reusing its finished evaluation (%s)", tag, result_path)
            return saved
    seconds: dict[str, float] = {}
    must_generate, first_night = _prepare(root, spec, tag)
    if must_generate:
        log.info("%s: generating %s users over %d days", tag, f"{spec.users:,}", spec.days)
        began = time.monotonic()
        _generate(spec, root)
        seconds["generate"] = round(time.monotonic() - began, 1)
        log.info("%s: generated in %.0f s", tag, seconds["generate"])
    if first_night <= spec.end:
        log.info("%s: running the nights %s to %s", tag, first_night, spec.end)
        began = time.monotonic()
        _run_nights(root, first_night, spec.end)
        seconds["run"] = round(time.monotonic() - began, 1)
        log.info("%s: ran its nights in %.0f s", tag, seconds["run"])
    began = time.monotonic()
    evaluation = evaluate(root, day=spec.end)
    seconds["evaluate"] = round(time.monotonic() - began, 1)
    result = {
        "world": spec.as_json(),
        "code_version": _code_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "evaluation": json.loads(evaluation.as_json()),
    }
    engine.write_json(result_path, result)
    log.info("%s: evaluated on %s in %.1f s: %s", tag, spec.end, seconds["evaluate"], result_path)
    if not keep:
        _drop_disposable(root)
    return result


def replay_higgs(source: Path, work: Path, keep: bool = False) -> dict[str, Any]:
    """Import the SNAP Higgs file into ``<work>/higgs``, run its week and evaluate its last
    day with the top-100 overlap; return (and save) the evaluation, reused when finished."""
    from transforms.higgs import import_higgs

    root = Path(work) / HIGGS
    result_path = root / RESULT_FILE
    world = {"family": HIGGS, "source": str(Path(source).resolve())}
    if result_path.exists():
        saved = engine.read_json(result_path)
        if saved.get("world") == world:
            log.info("Higgs replay: reusing its finished evaluation (%s)", result_path)
            return saved
    _claim(root, {"world": world})
    _clear_unfinished(root)
    seconds: dict[str, float] = {}
    began = time.monotonic()
    summary = import_higgs(Path(source), root)
    first, last = min(summary.events_by_day), max(summary.events_by_day)
    seconds["import"] = round(time.monotonic() - began, 1)
    log.info("Higgs replay: imported %s to %s in %.0f s", first, last, seconds["import"])
    began = time.monotonic()
    _run_nights(root, first, last)
    seconds["run"] = round(time.monotonic() - began, 1)
    log.info("Higgs replay: ran its nights in %.0f s", seconds["run"])
    evaluation = evaluate(root, day=last, higgs_source=Path(source))
    result = {
        "world": world,
        "code_version": _code_version(),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": seconds,
        "evaluation": json.loads(evaluation.as_json()),
    }
    engine.write_json(result_path, result)
    if not keep:
        _drop_disposable(root)
    return result


def _prepare(root: Path, spec: WorldSpec, tag: str) -> tuple[bool, date]:
    """Make ``root`` ready for ``spec``: whether the world must be generated, and the first
    night still to run."""
    marker = root / MARKER_FILE
    same_world = marker.exists() and engine.read_json(marker).get("world") == spec.as_json()
    # The generators write the truth after the last dump: with it, the dumps are whole.
    if same_world and (root / "truth" / "users.parquet").exists():
        from transforms.publish import published_dates

        published = [night for night in published_dates(root) if night <= spec.end]
        if published and published[-1] == spec.end:
            # Every night is published (its dumps may be gone): only the evaluation is left.
            return False, spec.end + timedelta(days=1)
        if (root / "landing").exists():
            if published:
                log.info("%s: resuming after its last published night, %s", tag, published[-1])
                return False, published[-1] + timedelta(days=1)
            return False, spec.start
    _claim(root, {"world": spec.as_json()}, replace=True)
    return True, spec.start


def _claim(root: Path, marker: dict[str, Any], replace: bool = False) -> None:
    """Take ``root`` for this command: refuse a folder it did not make; with ``replace``,
    empty a folder it made for other parameters (or left half-built)."""
    marker_path = root / MARKER_FILE
    if root.exists() and any(root.iterdir()):
        if not marker_path.exists():
            raise FileExistsError(
                f"{root} exists and was not made by clout evaluate-worlds (no {MARKER_FILE}): "
                "give another --work folder, or remove it"
            )
        if replace:
            shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    engine.write_json(marker_path, marker)


def _clear_unfinished(root: Path) -> None:
    """Everything of a replay that did not finish, but its marker: it is imported afresh."""
    for entry in root.iterdir():
        if entry.name == MARKER_FILE:
            continue
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _drop_disposable(root: Path) -> None:
    for name in DISPOSABLE:
        shutil.rmtree(root / name, ignore_errors=True)


def _generate(spec: WorldSpec, root: Path) -> None:
    def progress(line: str) -> None:
        log.debug("world %s: generate %s", spec.name, line)

    if spec.family == CLASSIC:
        from transforms.generate import generate

        generate(root, users=spec.users, days=spec.days, start=spec.start, seed=spec.seed)
    else:
        # Imported here: the families module is optional for everything else clout does.
        from transforms.worlds import generate_world

        generate_world(
            root, spec.family, spec.users, spec.days, spec.start, spec.seed, progress=progress
        )


def _run_nights(root: Path, first: date, last: date) -> None:
    from transforms.pipeline import run_range

    run_range(root, first, last)


def _code_version() -> str:
    from transforms.publish import code_version

    return code_version()


def source_state() -> str:
    """The code version, marked when the checkout's code differs from its commit: figures
    from a working tree are not that commit's."""
    version = _code_version()
    try:
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ":/transforms", ":/sql"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
            # Read only: without it, status may rewrite the index's stat cache.
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"},
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return version
    return f"{version} (with uncommitted changes)" if changed else version


# -- figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One figure measured on one world: its value, and the counts behind it if any."""

    value: float | None
    detail: str | None = None


@dataclass(frozen=True)
class Figure:
    """A figure the worlds are compared on; ``bound`` is its target, if it has one."""

    key: str
    label: str
    spec: str = ".3f"
    bound: float | None = None
    higher_is_better: bool = True

    @property
    def target(self) -> str:
        if self.bound is None:
            return "(no target)"
        return f"{'≥' if self.higher_is_better else '≤'} {self.bound:g}"

    def worst(self, values: Iterable[float | None]) -> float | None:
        known = [value for value in values if value is not None]
        if not known:
            return None
        return min(known) if self.higher_is_better else max(known)

    def holds(self, value: float | None) -> bool | None:
        if self.bound is None or value is None:
            return None
        # Rounded as shown, so a figure printed at the target is read as meeting it.
        shown = float(format(value, self.spec))
        return shown >= self.bound if self.higher_is_better else shown <= self.bound

    def show(self, value: float | None) -> str:
        return "n/a" if value is None else format(value, self.spec)


def _ratio(row: dict[str, Any], hits: str = "hits", share: str = "share") -> Measure:
    return Measure(row[share], f"{row[hits]:,}/{row['total']:,}")


def measures_of(evaluation: dict[str, Any]) -> dict[str, Measure]:
    """The figures of one ``clout evaluate`` JSON, keyed as ``figures_for`` names them."""
    found: dict[str, Measure] = {}
    for row in evaluation.get("spearman") or []:
        if row["measure"] == "raw_score":
            found["spearman"] = Measure(row["spearman"], f"n={row['users']:,}")
    for row in evaluation.get("gaming_recall") or []:
        scenario = row["scenario"]
        if row["population"] == "gamers":
            key = "recall" if scenario == "all scenarios" else f"recall:{scenario}"
            found[key] = _ratio(row)
            if scenario == "all scenarios":
                found["recall_2d"] = _ratio(row, "hits_within_2_days", "share_within_2_days")
        elif scenario == "all scenarios":
            found["operator_recall"] = _ratio(row)
    for row in evaluation.get("gaming") or []:
        if row["measure"] == "precision" and row["subject"] == "all rules":
            found["precision"] = _ratio(row)
        elif row["measure"] == "viral_flagged" and row["total"]:
            found["viral_flagged"] = _ratio(row)
        elif row["measure"] == "news_day_flagged":
            found["news_day"] = _ratio(row)
    for row in evaluation.get("lookalikes") or []:
        if row["total"]:
            found[f"lookalike:{row['lookalike']}:{row['lookalike_role']}"] = _ratio(row)
    for row in evaluation.get("gaming_gain") or []:
        scenario = row["scenario"]
        key = "gain" if scenario == "all scenarios" else f"gain:{scenario}"
        found[key] = Measure(row["mean_net_gain"], f"{row['gamers']:,} gamers")
    for row in evaluation.get("volume_posters") or []:
        score, influence = row["median_score_percentile"], row["median_influence_percentile"]
        if row["users"] and score is not None and influence is not None:
            key = "volume_gap" if row["population"] == "volume_posters" else "top_decile_gap"
            found[key] = Measure(score - influence, f"{score:.1f} vs {influence:.1f}")
    overlap = evaluation.get("higgs_overlap")
    if overlap:
        found["higgs_overlap"] = Measure(float(overlap["overlap"]), f"of {overlap['top_n']}")
    return found


def figures_for(measured: Iterable[dict[str, Measure]]) -> list[Figure]:
    """Every figure measured on at least one world, in report order: the fixed ones, then
    one a gaming scenario and look-alike kind some world had."""
    keys = set().union(*(set(m) for m in measured))
    figures = [
        Figure("spearman", "Spearman: raw score vs latent influence", bound=0.92),
        Figure("recall", "Recall of gamers, any day (all scenarios)", bound=0.90),
        *(
            Figure(f"recall:{s}", f"Recall of gamers, any day: {s}", bound=0.90)
            for s in GAMING_SCENARIOS
        ),
        Figure("recall_2d", "Recall of gamers within 2 days (all scenarios)"),
        Figure("operator_recall", "Recall of the accounts doing it, any day"),
        Figure("precision", "Precision among established accounts flagged", bound=0.95),
        *(
            Figure(
                f"lookalike:{kind}:{role}",
                f"Look-alike flagged: {kind} ({role})",
                bound=0.03,
                higher_is_better=False,
            )
            for kind in LOOKALIKES
            for role in ("subject", "crowd")
        ),
        # The classic generator's viral users are the same question as the viral look-alike.
        Figure(
            "viral_flagged",
            "Viral honest users flagged on their day or the next",
            bound=0.03,
            higher_is_better=False,
        ),
        Figure("news_day", "Honest users flagged on the news day", higher_is_better=False),
        Figure(
            "gain",
            "Gamers' net score gain, points (all scenarios)",
            spec="+.2f",
            bound=1.0,
            higher_is_better=False,
        ),
        *(
            Figure(
                f"gain:{s}",
                f"Gamers' net score gain, points: {s}",
                spec="+.2f",
                bound=1.0,
                higher_is_better=False,
            )
            for s in GAMING_SCENARIOS
        ),
        Figure(
            "volume_gap",
            "Volume posters: score minus influence percentile",
            spec="+.1f",
            bound=0.0,
            higher_is_better=False,
        ),
        Figure(
            "top_decile_gap",
            "Top tenth by posts: score minus influence percentile",
            spec="+.1f",
            higher_is_better=False,
        ),
        Figure("higgs_overlap", "Higgs: top 100 on the 100 most retweeted", spec=".0f", bound=75),
    ]
    return [figure for figure in figures if figure.key in keys]


# -- the report ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a run measured: each finished world's figures, and the worlds that failed."""

    families: list[str]
    seeds: list[int]
    worlds: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    higgs: dict[str, Any] | None = None

    def measured(self) -> dict[str, dict[str, dict[str, Measure]]]:
        """family -> "s<seed>" -> figure key -> measure."""
        by_family: dict[str, dict[str, dict[str, Measure]]] = {f: {} for f in self.families}
        for result in self.worlds.values():
            world = result["world"]
            seed = f"s{world['seed']}"
            by_family[world["family"]][seed] = measures_of(result["evaluation"])
        if self.higgs is not None:
            by_family[HIGGS] = {"replay": measures_of(self.higgs["evaluation"])}
        return by_family


def render_markdown(outcome: Outcome, command: str, code_version: str) -> str:
    """The per-family table, the worst family per figure and the targets' verdicts."""
    by_family = outcome.measured()
    columns = [family for family in by_family if by_family[family]]
    figures = figures_for(m for seeds in by_family.values() for m in seeds.values())
    lines = [
        "# clout across worlds",
        "",
        f"<!-- Generated by `{command}` at {code_version}; do not edit by hand. -->",
        "",
        f"Generated by `{command}` from clout {code_version} on "
        f"{datetime.now(UTC).date().isoformat()}.",
        "Each world is evaluated on its last day (`clout evaluate`); a family's figure is the "
        "worst of its seeds, followed by every seed's value (or the counts behind it).",
        "",
    ]
    lines += _world_lines(outcome)
    lines += ["", "## Per family: the worst seed, then every seed", ""]
    header = ["figure", "target", *columns]
    lines += [_row(header), _row(["---"] * len(header))]
    worst_by_figure: dict[str, tuple[str | None, float | None]] = {}
    for figure in figures:
        cells = [figure.label, figure.target]
        family_worst: dict[str, float | None] = {}
        for family in columns:
            seeds = by_family[family]
            values = {seed: m[figure.key] for seed, m in seeds.items() if figure.key in m}
            worst = figure.worst(measure.value for measure in values.values())
            family_worst[family] = worst
            cells.append(_cell(figure, worst, values))
        lines.append(_row(cells))
        worst_family = _worst_family(figure, family_worst)
        worst_by_figure[figure.key] = (
            worst_family,
            family_worst[worst_family] if worst_family else None,
        )
    lines += ["", "## Worst family per figure, against the targets", ""]
    header = ["figure", "target", "worst family", "worst value", "target holds"]
    lines += [_row(header), _row(["---"] * len(header))]
    verdicts: list[tuple[Figure, bool | None]] = []
    for figure in figures:
        family, value = worst_by_figure[figure.key]
        holds = figure.holds(value)
        if figure.bound is not None:
            verdicts.append((figure, holds))
        shown = {True: "yes", False: "**NO**", None: "n/a"}[holds]
        lines.append(
            _row([figure.label, figure.target, family or "n/a", figure.show(value), shown])
        )
    held = [figure for figure, holds in verdicts if holds]
    failed = [figure for figure, holds in verdicts if holds is False]
    lines += [
        "",
        f"Targets: {len(held)} of {len(verdicts)} hold on every world measured.",
    ]
    if failed:
        lines.append(
            "Not met: "
            + "; ".join(
                f"{f.label} ({worst_by_figure[f.key][0]}: {f.show(worst_by_figure[f.key][1])}"
                f", target {f.target})"
                for f in failed
            )
            + "."
        )
    if outcome.failures:
        lines += ["", "## Worlds that failed", ""]
        lines += [f"- {name}: {error}" for name, error in outcome.failures.items()]
    return "\n".join(lines) + "\n"


def _world_lines(outcome: Outcome) -> list[str]:
    lines = []
    for name, result in outcome.worlds.items():
        world, evaluation = result["world"], result["evaluation"]
        took = sum(result.get("seconds", {}).values())
        lines.append(
            f"- `{name}`: {world['users']:,} users, {world['days']} days from "
            f"{world['start']}, evaluated on {evaluation['day']} ({result['code_version']}, "
            f"{took:.0f} s)"
        )
    if outcome.higgs is not None:
        lines.append(
            f"- `{HIGGS}`: the SNAP Higgs week, evaluated on {outcome.higgs['evaluation']['day']} "
            f"({outcome.higgs['code_version']})"
        )
    return lines


def _cell(figure: Figure, worst: float | None, values: dict[str, Measure]) -> str:
    if not values:
        return "n/a"
    each = ", ".join(
        f"{seed} {measure.detail if _is_count(measure.detail) else figure.show(measure.value)}"
        for seed, measure in values.items()
    )
    return f"{figure.show(worst)} ({each})"


def _is_count(detail: str | None) -> bool:
    # hits/total says more than a share of a handful of accounts; other details stay in JSON
    return detail is not None and "/" in detail


def _worst_family(figure: Figure, family_worst: dict[str, float | None]) -> str | None:
    known = {family: value for family, value in family_worst.items() if value is not None}
    if not known:
        return None
    pick = min if figure.higher_is_better else max
    return pick(known, key=lambda family: known[family])


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


# -- the command --------------------------------------------------------------------------


def evaluate_worlds(
    work: Path,
    families: Sequence[str],
    seeds: Sequence[int],
    users: int,
    days: int,
    start: date,
    higgs_source: Path | None = None,
    keep: bool = False,
    on_world: Callable[[str, dict[str, Any]], None] | None = None,
) -> Outcome:
    """Build and evaluate every (family, seed) world under ``work``, then the Higgs replay
    when ``higgs_source`` is given. A world that fails is logged and reported, and the rest
    still run: one broken family must not cost a night's worth of the others."""
    known = all_families()
    unknown = [family for family in families if family not in known]
    if unknown:
        raise ValueError(
            f"unknown families {', '.join(unknown)}: this checkout has {', '.join(known)}"
        )
    outcome = Outcome(families=list(families), seeds=list(seeds))
    specs = [WorldSpec(f, s, users, days, start) for f in families for s in seeds]
    for number, spec in enumerate(specs, 1):
        try:
            result = build_world(spec, work, keep, label=f" ({number} of {len(specs)})")
        except Exception as error:  # reported per world: the run goes on
            log.error("world %s failed:\n%s", spec.name, traceback.format_exc())
            outcome.failures[spec.name] = f"{type(error).__name__}: {error}"
            continue
        outcome.worlds[spec.name] = result
        if on_world is not None:
            on_world(spec.name, result)
    if higgs_source is not None:
        try:
            outcome.higgs = replay_higgs(higgs_source, work, keep)
        except Exception as error:  # as for a world
            log.error("the Higgs replay failed:\n%s", traceback.format_exc())
            outcome.failures[HIGGS] = f"{type(error).__name__}: {error}"
    return outcome


@contextmanager
def quiet_step_logs() -> Iterator[None]:
    """Keep a long run's log to a line a night and a few a world: the steps log at INFO,
    and the checks warn of a young world's swings, for a night run by hand; over dozens
    of worlds that buries the progress. Errors still show. The levels are put back on
    leaving, so a caller in the same process (a test) logs as before."""
    names = ("transforms", "transforms.pipeline", __name__)
    before = {name: logging.getLogger(name).level for name in names}
    logging.getLogger("transforms").setLevel(logging.ERROR)
    for name in ("transforms.pipeline", __name__):
        logging.getLogger(name).setLevel(logging.INFO)
    try:
        yield
    finally:
        for name, level in before.items():
            logging.getLogger(name).setLevel(level)
