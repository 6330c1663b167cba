"""Tests for the synthetic landing generator: contract, determinism and realistic shape."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest

from transforms.generate import ACTIONS, NETWORK_FILES, GenerateSummary, generate

START = date(2026, 1, 5)
USERS = 2_000
DAYS = 6
SEED = 11

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
REQUIRED = {
    "post": ("post_id",),
    "reply": ("target_user_id", "target_post_id", "post_id"),
    "share": ("target_user_id", "target_post_id", "post_id"),
    "like": ("target_user_id", "target_post_id"),
    "mention": ("target_user_id",),
    "follow": ("target_user_id",),
    "unfollow": ("target_user_id",),
}
BASE = ("event_id", "ts", "network", "actor_id", "action")
FIELDS = (*BASE, "target_user_id", "target_post_id", "post_id", "topics")
REACTIONS = ("reply", "share", "like", "mention")
ORGANIC = ("honest", "lurker", "viral")


def _problem(obj: object) -> str | None:
    """Why a parsed row breaks the landing contract, or None when it is valid."""
    if not isinstance(obj, dict):
        return "not an object"
    action = obj.get("action")
    if action not in REQUIRED:
        return "action"
    for f in BASE + REQUIRED[action]:
        if not isinstance(obj.get(f), str) or not obj[f]:
            return f"missing {f}"
    if action == "post" and obj.get("target_user_id") is not None:
        return "post with a target"
    if not RFC3339.match(obj["ts"]):
        return "ts"
    try:
        datetime.fromisoformat(obj["ts"])
    except ValueError:
        return "ts"
    topics = obj.get("topics")
    if topics is not None and not (
        isinstance(topics, list) and all(isinstance(t, str) for t in topics)
    ):
        return "topics"
    return None


def _read_day(day_dir: Path) -> tuple[list[dict], int, int, set[str]]:
    """Valid rows, invalid lines, exact repeats and the formats seen in one dump."""
    rows: list[dict] = []
    bad = dup = 0
    formats: set[str] = set()
    seen: dict[str, bytes] = {}
    for path in sorted(day_dir.iterdir()):
        if path.name == "_SUCCESS":
            continue
        if path.name.endswith(".parquet"):
            formats.add("parquet")
            df = pl.read_parquet(path)
            assert df.columns == list(FIELDS)
            assert df.schema["ts"] == pl.Datetime("us", "UTC")
            df = df.with_columns(pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"))
            for r in df.iter_rows(named=True):
                assert _problem(r) is None, r
                assert r["event_id"] not in seen
                seen[r["event_id"]] = b""
                rows.append(r | {"fmt": "parquet"})
            continue
        if path.name.endswith(".jsonl.gz"):
            formats.add("jsonl.gz")
            raw = gzip.decompress(path.read_bytes())
        else:
            assert path.name.endswith(".jsonl"), path
            formats.add("jsonl")
            raw = path.read_bytes()
        for line in raw.splitlines():
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            if _problem(obj) is not None:
                bad += 1
                continue
            if obj["event_id"] in seen:
                assert seen[obj["event_id"]] == line, "a repeated event_id must repeat its line"
                dup += 1
                continue
            assert set(obj) == set(FIELDS)
            seen[obj["event_id"]] = line
            rows.append(obj | {"fmt": "jsonl"})
    return rows, bad, dup, formats


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    root = tmp_path_factory.mktemp("gen")
    lines: list[str] = []
    summary = generate(root, USERS, DAYS, START, SEED, progress=lines.append)
    assert len(lines) == DAYS and lines[0].startswith(f"{START.isoformat()}: ")
    return root, summary


@pytest.fixture(scope="module")
def landing(run: tuple[Path, GenerateSummary]) -> dict:
    """Every valid event of the run (ts parsed to UTC) plus per-dump counts."""
    root, _ = run
    per_day: dict[date, dict] = {}
    frames = []
    for d in range(DAYS):
        day = START + timedelta(days=d)
        rows, bad, dup, formats = _read_day(root / "landing" / f"dt={day.isoformat()}")
        per_day[day] = {"rows": len(rows), "bad": bad, "dup": dup, "formats": formats}
        frames.append(
            pl.DataFrame(
                [
                    {k: r.get(k) for k in (*FIELDS[:-1], "fmt")} | {"has_topics": bool(r["topics"])}
                    for r in rows
                ],
                schema={**{k: pl.String for k in (*FIELDS[:-1], "fmt")}, "has_topics": pl.Boolean},
            ).with_columns(dump=pl.lit(day))
        )
    events = pl.concat(frames).with_columns(
        ts_raw=pl.col("ts"),
        ts=pl.col("ts").str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", time_unit="us", time_zone="UTC"),
    )
    return {"days": per_day, "events": events}


@pytest.fixture(scope="module")
def users(run: tuple[Path, GenerateSummary]) -> pl.DataFrame:
    return pl.read_parquet(run[0] / "truth" / "users.parquet")


@pytest.fixture(scope="module")
def days(run: tuple[Path, GenerateSummary]) -> pl.DataFrame:
    return pl.read_parquet(run[0] / "truth" / "days.parquet")


def _ids(users: pl.DataFrame, **where: str) -> pl.Series:
    cond = [pl.col(k) == v for k, v in where.items()]
    return users.filter(*cond)["user_id"]


# ----------------------------------------------------------------------------- layout


def test_every_dump_has_three_formats_and_success_marker_last(run: tuple[Path, GenerateSummary]):
    root, summary = run
    dumps = sorted((root / "landing").iterdir())
    assert [p.name for p in dumps] == [
        f"dt={(START + timedelta(days=d)).isoformat()}" for d in range(DAYS)
    ]
    for day_dir in dumps:
        names = sorted(p.name for p in day_dir.iterdir())
        assert names == sorted([*NETWORK_FILES.values(), "_SUCCESS"])  # no temp files left
        marker = (day_dir / "_SUCCESS").stat()
        assert marker.st_size == 0
        for name in NETWORK_FILES.values():
            assert (day_dir / name).stat().st_mtime_ns <= marker.st_mtime_ns
    assert len(summary.files) == 3 * DAYS and all(p.exists() for p in summary.files)


def test_truth_lives_outside_landing(run: tuple[Path, GenerateSummary], users: pl.DataFrame):
    root, summary = run
    assert {p.name for p in (root / "truth").iterdir()} == {
        "users.parquet",
        "days.parquet",
        "world.json",
    }
    assert sorted(summary.truth_files) == sorted((root / "truth").iterdir())
    assert not [p for p in (root / "landing").rglob("*") if "truth" in p.name or "users" in p.name]
    # labels never leak: a landing parquet has exactly the contract columns
    df = pl.read_parquet(summary.files[1])
    assert df.columns == list(FIELDS)
    assert users.columns == [
        "user_id", "influence", "activity", "kind", "home_network", "primary_topic", "focused",
        "scenario", "role", "gaming_start", "viral_day", "second_network", "group_id",
        "lookalike", "lookalike_role", "created",
    ]  # fmt: skip
    assert users["user_id"].is_unique().all()
    assert users["user_id"].str.contains(r"^u[0-9a-f]{8}$").all()


# ----------------------------------------------------------------------------- contract


def test_formats_counts_and_dirt_match_truth(
    run: tuple[Path, GenerateSummary], landing: dict, days: pl.DataFrame
):
    _, summary = run
    assert days.columns == [
        "date", "news_day", "events_written", "bad_rows_injected", "duplicate_rows_injected",
        "late_events",
    ]  # fmt: skip
    for row in days.iter_rows(named=True):
        seen = landing["days"][row["date"]]
        assert seen["formats"] == {"jsonl", "jsonl.gz", "parquet"}
        assert seen["rows"] == row["events_written"]
        assert seen["bad"] == row["bad_rows_injected"]
        assert seen["dup"] == row["duplicate_rows_injected"]
    assert summary.events_written == days["events_written"].sum() == landing["events"].height
    assert summary.bad_rows_injected == days["bad_rows_injected"].sum() > 0
    assert summary.duplicate_rows_injected == days["duplicate_rows_injected"].sum() > 0
    assert summary.late_events == days["late_events"].sum() > 0
    # the default rates are about 0.05% of lines each
    assert summary.bad_rows_injected < 0.002 * summary.events_written


def test_valid_events_satisfy_the_contract(landing: dict):
    ev = landing["events"]
    assert set(ev["action"].unique()) == set(ACTIONS)
    assert ev["event_id"].is_unique().all()  # across every dump, duplicates aside
    assert set(ev["network"].unique()) == set(NETWORK_FILES)
    assert ev.filter(pl.col("action") == "post")["target_user_id"].null_count() == (
        ev.filter(pl.col("action") == "post").height
    )
    assert ev.filter(pl.col("action") == "post")["has_topics"].all()
    # every target post is a real post (not a reply or share), by the user it names
    posts = ev.filter(pl.col("action") == "post").select(
        target_post_id="post_id", author="actor_id", post_ts="ts"
    )
    assert posts["target_post_id"].is_unique().all()
    reacts = ev.filter(pl.col("target_post_id").is_not_null()).join(
        posts, on="target_post_id", how="left"
    )
    assert reacts["author"].null_count() == 0
    assert (reacts["author"] == reacts["target_user_id"]).all()
    assert (reacts["ts"] >= reacts["post_ts"]).all()
    assert ev.filter(pl.col("actor_id") == pl.col("target_user_id")).height == 0
    # a file holds one network only, in the format fixed for that network
    assert ev["post_id"].drop_nulls().str.contains(r"^p[0-9a-f]{16}$").all()
    assert ev["event_id"].str.contains(r"^e[0-9a-f]{16}$").all()


def test_ts_honours_offsets_and_falls_in_its_dump_day(landing: dict, days: pl.DataFrame):
    ev = landing["events"]
    raw = ev.filter(pl.col("fmt") == "jsonl")["ts_raw"]
    suffixes = set(raw.str.extract(r"(Z|[+-]\d{2}:\d{2})$").unique())
    assert {"Z", "+00:00", "-05:00", "+05:30"} <= suffixes and len(suffixes) >= 8
    # the local wall-clock date often differs from the UTC date: parsers must use the offset
    local_date = raw.str.slice(0, 10).str.to_date()
    utc_date = ev.filter(pl.col("fmt") == "jsonl")["ts"].dt.date()
    assert (local_date != utc_date).sum() > 100
    day = ev["ts"].dt.date()
    assert (day <= ev["dump"]).all()
    late = ev.filter(day != pl.col("dump"))
    assert (late["ts"].dt.date() == late["dump"] - timedelta(days=1)).all()
    assert late["action"].is_in(REACTIONS).all()
    assert late["ts"].dt.hour().min() >= 18  # reactions to late-evening posts
    per_dump = late.group_by("dump").len()
    expected = days.filter(pl.col("late_events") > 0).select(dump="date", len="late_events")
    assert per_dump.sort("dump").cast({"len": pl.Int64}).equals(expected.sort("dump"))
    assert late.height < 0.05 * ev.height


# ----------------------------------------------------------------------------- determinism


def test_same_seed_same_bytes_and_a_rerun_replaces_the_day(
    run: tuple[Path, GenerateSummary], tmp_path: Path
):
    root, _ = run
    again = tmp_path / "again"
    generate(again, USERS, DAYS, START, SEED)
    stale = again / "landing" / f"dt={START.isoformat()}" / "stale.jsonl"
    stale.write_text("{}\n")
    (again / "landing" / f"dt={START.isoformat()}" / "_SUCCESS").unlink()
    generate(again, USERS, DAYS, START, SEED)
    assert not stale.exists()
    assert _digest(again) == _digest(root)


def test_another_seed_changes_every_file(run: tuple[Path, GenerateSummary], tmp_path: Path):
    root, _ = run
    other = tmp_path / "other"
    generate(other, USERS, DAYS, START, SEED + 1)
    a, b = _digest(root), _digest(other)
    assert a.keys() == b.keys()
    changed = [k for k in a if a[k] != b[k] and not k.endswith("_SUCCESS")]
    assert len(changed) == len(a) - DAYS


def test_dirt_rates_are_configurable(tmp_path: Path):
    summary = generate(tmp_path, 500, 2, START, 3, bad_rate=0.0, duplicate_rate=0.0)
    assert summary.bad_rows_injected == summary.duplicate_rows_injected == 0
    rows = 0
    for d in range(2):
        valid, bad, dup, _ = _read_day(
            tmp_path / "landing" / f"dt={(START + timedelta(days=d)).isoformat()}"
        )
        assert bad == dup == 0
        rows += len(valid)
    assert rows == summary.events_written
    noisy = generate(tmp_path / "noisy", 500, 2, START, 3, bad_rate=0.01, duplicate_rate=0.01)
    assert noisy.bad_rows_injected > 10 and noisy.duplicate_rows_injected > 10


# ----------------------------------------------------------------------------- shape


def test_news_day_is_several_times_a_median_day(
    run: tuple[Path, GenerateSummary], days: pl.DataFrame
):
    _, summary = run
    news = days.filter(pl.col("news_day"))
    assert news.height == 1 and news["date"][0] == summary.news_day
    assert news["events_written"][0] >= 4 * days["events_written"].median()


def test_reactions_received_are_heavy_tailed(landing: dict, users: pl.DataFrame):
    organic = users.filter(pl.col("kind").is_in(ORGANIC))
    got = (
        landing["events"]
        .filter(pl.col("action").is_in(REACTIONS))
        .group_by("target_user_id")
        .len()
        .sort("len", descending=True)
    )
    top = got.head(organic.height // 100)["len"].sum()
    assert top / got["len"].sum() > 0.2
    # and influence drives it: the most influential 1% get far more than the median user
    ranked = organic.sort("influence", descending=True).head(organic.height // 100)
    top_inf = got.filter(pl.col("target_user_id").is_in(ranked["user_id"].implode()))["len"]
    assert top_inf.median() > 10 * got["len"].median()


def test_lurkers_only_like_and_follow(landing: dict, users: pl.DataFrame):
    organic = users.filter(pl.col("kind").is_in(ORGANIC))
    lurkers = _ids(users, kind="lurker")
    assert 0.25 < lurkers.len() / organic.height < 0.35
    acts = landing["events"].filter(pl.col("actor_id").is_in(lurkers.implode()))
    assert acts.height > 0
    assert set(acts["action"].unique()) <= {"like", "follow", "unfollow"}
    posters = landing["events"].filter(pl.col("action") == "post")["actor_id"].unique()
    assert not posters.is_in(lurkers.implode()).any()


def test_every_scenario_is_labelled(users: pl.DataFrame):
    got = set(users.select("scenario", "role", "kind").unique().iter_rows())
    for expected in [
        ("bought_followers", "customer", "honest"),
        ("bought_followers", "operator", "new_follower_account"),
        ("like_farm", "customer", "honest"),
        ("like_farm", "operator", "bot"),
        ("sock_puppets", "customer", "honest"),
        ("sock_puppets", "operator", "puppet"),
        ("engagement_pod", "member", "honest"),
        ("viral", "none", "viral"),
        ("none", "none", "honest"),
        ("none", "none", "lurker"),
    ]:
        assert expected in got
    gamers = users.filter(pl.col("scenario").is_in(["none", "viral"]).not_())
    assert gamers["gaming_start"].null_count() == 0
    assert gamers["gaming_start"].min() >= START + timedelta(days=2)
    assert users.filter(pl.col("kind") == "viral")["viral_day"].null_count() == 0


def test_bought_followers_are_brand_new_accounts_that_only_follow(
    landing: dict, users: pl.DataFrame
):
    ev = landing["events"]
    fake = users.filter(pl.col("kind") == "new_follower_account")
    buyers = users.filter(pl.col("scenario") == "bought_followers", pl.col("role") == "customer")
    assert buyers.height >= 1
    acts = ev.join(
        fake.select(actor_id="user_id", group="group_id", start="gaming_start"), on="actor_id"
    )
    assert acts.height == fake.height  # one follow each, nothing else
    assert (acts["action"] == "follow").all()
    assert acts["ts"].dt.date().eq(acts["start"]).all()
    # never seen before: neither acting nor acted upon before their start
    seen_as_target = ev.filter(pl.col("target_user_id").is_in(fake["user_id"].implode()))
    assert seen_as_target.height == 0
    per_buyer = (
        acts.join(
            buyers.select(target_user_id="user_id", group="group_id"),
            on=["target_user_id", "group"],
        )
        .group_by("target_user_id")
        .agg(n=pl.len(), span=pl.col("ts").max() - pl.col("ts").min())
    )
    assert per_buyer.height == buyers.height
    assert per_buyer["n"].is_between(300, 2000).all()
    assert (per_buyer["span"] <= timedelta(hours=4)).all()


def test_like_farm_likes_every_customer_post_within_minutes(landing: dict, users: pl.DataFrame):
    ev = landing["events"]
    bots = _ids(users, kind="bot")
    customers = users.filter(pl.col("scenario") == "like_farm", pl.col("role") == "customer")
    start = customers["gaming_start"][0]
    by_bots = ev.filter(pl.col("actor_id").is_in(bots.implode()))
    assert set(by_bots["action"].unique()) == {"like"}
    posts = ev.filter(
        pl.col("action") == "post", pl.col("actor_id").is_in(customers["user_id"].implode())
    ).select(target_post_id="post_id", post_ts="ts")
    got = (
        posts.join(by_bots, on="target_post_id", how="left")
        .group_by("target_post_id")
        .agg(
            post_ts=pl.col("post_ts").first(),
            n=pl.col("actor_id").count(),
            delay=(pl.col("ts") - pl.col("post_ts")).median(),
        )
    )
    # reactions past the last midnight are not in any dump: leave the last hour out
    last_hour = datetime.combine(START + timedelta(days=DAYS - 1), time(23), tzinfo=UTC)
    after = got.filter(pl.col("post_ts").dt.date() >= start, pl.col("post_ts") < last_hour)
    assert after.height > 0
    assert (after["n"] >= 40).all()
    assert (after["delay"] < timedelta(minutes=10)).all()
    assert (got.filter(pl.col("post_ts").dt.date() < start)["n"] <= 3).all()


def test_sock_puppets_amplify_their_owner_and_little_else(landing: dict, users: pl.DataFrame):
    ev = landing["events"]
    puppets = users.filter(pl.col("kind") == "puppet").select(actor_id="user_id", group="group_id")
    owners = users.filter(pl.col("scenario") == "sock_puppets", pl.col("role") == "customer")
    acts = ev.join(puppets, on="actor_id").join(
        owners.select(target_user_id="user_id", owner_group="group_id"),
        on="target_user_id",
        how="left",
    )
    own = acts.filter(pl.col("owner_group") == pl.col("group"))
    assert own.height > 0.8 * acts.height
    assert {"share", "reply", "mention"} <= set(own["action"].unique())


def test_engagement_pods_react_to_each_other_fast(landing: dict, users: pl.DataFrame):
    ev = landing["events"]
    members = users.filter(pl.col("scenario") == "engagement_pod")
    assert members["group_id"].n_unique() >= 1
    assert members.group_by("group_id").len()["len"].is_between(8, 15).all()
    assert (
        members.group_by("group_id").agg(pl.col("home_network").n_unique())["home_network"].max()
        == 1
    )
    start = members["gaming_start"][0]
    m = members.select("user_id", "group_id")
    posts = (
        ev.filter(pl.col("action") == "post", pl.col("ts").dt.date() >= start)
        .join(m.rename({"user_id": "actor_id"}), on="actor_id")
        .select(target_post_id="post_id", post_ts="ts", group_id="group_id")
    )
    likes = (
        ev.filter(pl.col("action") == "like")
        .join(posts, on="target_post_id")
        .join(m.rename({"user_id": "actor_id", "group_id": "liker_group"}), on="actor_id")
        .filter(pl.col("liker_group") == pl.col("group_id"))
    )
    per_post = likes.group_by("target_post_id").agg(
        pl.len(), delay=(pl.col("ts") - pl.col("post_ts")).median()
    )
    assert per_post.height >= 0.9 * posts.height
    assert per_post["len"].median() >= 6
    assert (per_post["delay"] < timedelta(minutes=15)).all()
    # established: every member was active before the pod started
    before = ev.filter(pl.col("ts").dt.date() < start)["actor_id"].unique()
    assert members["user_id"].is_in(before.implode()).all()


def test_viral_posts_draw_many_established_strangers(landing: dict, users: pl.DataFrame):
    ev = landing["events"]
    viral = users.filter(pl.col("kind") == "viral")
    organic = users.filter(pl.col("kind").is_in(ORGANIC))["user_id"].implode()
    for u in viral.iter_rows(named=True):
        got = ev.filter(
            pl.col("target_user_id") == u["user_id"], pl.col("target_post_id").is_not_null()
        ).join(
            ev.filter(pl.col("action") == "post").select(target_post_id="post_id", post_ts="ts"),
            on="target_post_id",
        )
        on_day = got.filter(pl.col("post_ts").dt.date() == u["viral_day"])
        other = got.filter(pl.col("post_ts").dt.date() != u["viral_day"])
        # per post, since a big account's usual day is already busy
        usual = other.group_by("target_post_id").len()["len"].median() or 1
        top = on_day.group_by("target_post_id").len()["len"].max()
        assert on_day["actor_id"].n_unique() >= 40
        assert top > 5 * usual
        assert on_day["actor_id"].is_in(organic).mean() > 0.95
