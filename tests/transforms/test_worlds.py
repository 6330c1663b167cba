"""Tests for the structurally different synthetic worlds (transforms/worlds.py).

One small world per family is built once for the module; the tests read its dumps back the
way a partner's file would be read (and through clout's real ingest) and check the family's
structural claim, the labelled groups against the events, the ids and the truth files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from transforms.generate import GenerateSummary
from transforms.ingest import ingest_day
from transforms.worlds import FAMILIES, generate_world

START = date(2026, 1, 5)
USERS = 1_500
DAYS = 12
SEED = 5

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
ON_A_POST = ("reply", "share", "like")
TRUTH_COLUMNS = [
    "user_id", "influence", "activity", "kind", "home_network", "primary_topic", "focused",
    "scenario", "role", "gaming_start", "viral_day", "second_network", "group_id", "lookalike",
    "lookalike_role", "created",
]  # fmt: skip
GAMING = (
    "bought_followers",
    "drip_followers",
    "like_farm",
    "camouflaged_farm",
    "sock_puppets",
    "engagement_pod",
)
LOOKALIKES = ("viral", "friend_clique", "superfan_club", "celebrity_newcomer", "volume_poster")
ID_SHAPES = {
    "broadcast": [r"^[1-9]\d{7}$"],
    "conversation": [r"^[A-Za-z][A-Za-z0-9._]*$"],
    "crossnet": [r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$"],
    "young": [r"^[1-9]\d{7}$", r"^[A-Za-z][A-Za-z0-9._]*$", r"^[0-9a-f]{12}$"],
}
MINUTE = timedelta(minutes=1)


SCHEMA = {**{k: pl.String for k in FIELDS[:-1]}, "topics": pl.List(pl.String)}
VALID = pl.all_horizontal(
    *(pl.col(f).is_not_null() & (pl.col(f) != "") for f in BASE if f != "ts"),
    pl.col("ts").is_not_null(),
    pl.col("action").is_in(list(REQUIRED)),
    *(
        (pl.col("action") != a) | pl.all_horizontal(pl.col(f).is_not_null() for f in req)
        for a, req in REQUIRED.items()
    ),
    (pl.col("action") != "post") | pl.col("target_user_id").is_null(),
    pl.col("topics").list.len().fill_null(0) <= 3,
)


def _read_world(root: Path) -> tuple[pl.DataFrame, dict[date, dict]]:
    """Every valid row of every dump (with its dump date), and per dump what was seen.

    JSONL lines are checked one by one (bad lines counted, repeats checked to be exact copies);
    Parquet files are checked as columns.
    """
    frames: list[pl.DataFrame] = []
    seen_days: dict[date, dict] = {}
    for day_dir in sorted((root / "landing").iterdir()):
        day = date.fromisoformat(day_dir.name[3:])
        info: dict = {"bad": 0, "dup": 0, "formats": set(), "offsets": set()}
        marker = (day_dir / "_SUCCESS").stat()
        assert marker.st_size == 0
        for path in sorted(day_dir.iterdir()):
            if path.name == "_SUCCESS":
                continue
            assert path.stat().st_mtime_ns <= marker.st_mtime_ns
            if path.name.endswith(".parquet"):
                info["formats"].add("parquet")
                df = pl.read_parquet(path)
                assert df.columns == list(FIELDS)
                assert df.schema["ts"] == pl.Datetime("us", "UTC")
                assert df.select(VALID.all()).item()
                frames.append(df.with_columns(dump=pl.lit(day)))
                continue
            gz = path.name.endswith(".gz")
            info["formats"].add("jsonl.gz" if gz else "jsonl")
            data = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
            lines = data.split(b"\n")[:-1]
            parsed = []
            for line in lines:
                try:
                    ok = isinstance(json.loads(line), dict)
                except json.JSONDecodeError:
                    ok = False
                if ok:
                    parsed.append(line)
            raw = pl.Series("raw", parsed).cast(pl.String)
            df = pl.read_ndjson(b"\n".join(parsed), schema=SCHEMA).with_columns(raw=raw)
            parsed_ts = pl.col("ts").str.to_datetime(
                "%Y-%m-%dT%H:%M:%S%#z", time_unit="us", time_zone="UTC", strict=False
            )
            df = df.with_columns(
                ok=VALID.fill_null(False)
                & pl.col("ts").str.contains(RFC3339.pattern).fill_null(False)
                & parsed_ts.is_not_null()
            )
            info["bad"] += len(lines) - df.filter("ok").height
            df = df.filter("ok")
            repeat = df.filter(pl.col("event_id").is_duplicated())
            # a repeat is an exact copy of its first line
            copies = repeat.group_by("event_id").agg(pl.col("raw").n_unique())["raw"]
            assert (copies == 1).all()
            info["dup"] += df.height - df["event_id"].n_unique()
            df = df.unique("event_id", keep="first", maintain_order=True).drop("raw", "ok")
            info["offsets"] |= set(df["ts"].str.slice(19).unique())
            frames.append(
                df.with_columns(
                    ts=pl.col("ts").str.to_datetime(
                        "%Y-%m-%dT%H:%M:%S%#z", time_unit="us", time_zone="UTC"
                    ),
                    dump=pl.lit(day),
                )
            )
        seen_days[day] = info
    return pl.concat(frames), seen_days


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for family in FAMILIES:
        root = tmp_path_factory.mktemp(f"world-{family}")
        summary = generate_world(root, family, USERS, DAYS, START, SEED)
        events, seen = _read_world(root)
        out[family] = {
            "root": root,
            "summary": summary,
            "events": events,
            "seen": seen,
            "users": pl.read_parquet(root / "truth" / "users.parquet"),
            "days": pl.read_parquet(root / "truth" / "days.parquet"),
            "world": json.loads((root / "truth" / "world.json").read_text()),
        }
    return out


def _posts(ev: pl.DataFrame) -> pl.DataFrame:
    return ev.filter(pl.col("action") == "post").select(
        target_post_id="post_id", author="actor_id", post_ts="ts", post_net="network"
    )


def _ids(users: pl.DataFrame, *where: pl.Expr) -> set[str]:
    return set(users.filter(*where)["user_id"].to_list())


def _day(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


# ----------------------------------------------------------------------------- contract


@pytest.mark.parametrize("family", FAMILIES)
def test_dumps_satisfy_the_landing_contract_with_dirt(worlds: dict, family: str):
    w = worlds[family]
    summary: GenerateSummary = w["summary"]
    ev, seen, days = w["events"], w["seen"], w["days"]
    assert sorted(seen) == [START + timedelta(days=d) for d in range(DAYS)]
    assert days.columns == [
        "date", "news_day", "events_written", "bad_rows_injected", "duplicate_rows_injected",
        "late_events",
    ]  # fmt: skip
    for row in days.iter_rows(named=True):
        got = seen[row["date"]]
        assert got["bad"] == row["bad_rows_injected"]
        assert got["dup"] == row["duplicate_rows_injected"]
        assert ev.filter(pl.col("dump") == row["date"]).height == row["events_written"]
    formats = set().union(*(s["formats"] for s in seen.values()))
    assert formats == {"jsonl", "jsonl.gz", "parquet"}
    assert summary.events_written == ev.height == days["events_written"].sum()
    assert 0 < summary.bad_rows_injected < 0.002 * summary.events_written
    assert summary.duplicate_rows_injected > 0
    assert ev["event_id"].is_unique().all()
    assert set(ev["action"].unique()) == set(REQUIRED)
    # late arrivals: reactions from the evening before, in the next dump
    late = ev.filter(pl.col("ts").dt.date() < pl.col("dump"))
    assert late.height == summary.late_events == days["late_events"].sum() > 0
    assert late["dump"].min() > START
    assert ev.filter(pl.col("ts").dt.date() > pl.col("dump") + timedelta(days=1)).is_empty()
    offsets = set().union(*(s["offsets"] for s in seen.values()))
    assert {"Z", "+05:45", "-03:30"} <= offsets and len(offsets) >= 10
    # every reaction names the author of the content it reacts to, and that content exists
    content = ev.filter(pl.col("action").is_in(["post", "reply", "share"])).select(
        target_post_id="post_id", author="actor_id", c_ts="ts", c_net="network"
    )
    on_post = ev.filter(pl.col("action").is_in(ON_A_POST)).join(
        content, on="target_post_id", how="left"
    )
    assert on_post["author"].null_count() == 0
    assert (on_post["author"] == on_post["target_user_id"]).all()
    assert (on_post["network"] == on_post["c_net"]).all()  # engagement stays on its network
    assert (on_post["ts"] >= on_post["c_ts"]).all()
    # posts carry 0-3 topics
    n_topics = ev.filter(pl.col("action") == "post")["topics"].list.len().fill_null(0)
    assert n_topics.max() == 3 and (n_topics == 0).any() and (n_topics >= 2).any()


@pytest.mark.parametrize("family", FAMILIES)
def test_clout_ingest_accepts_every_good_row(
    worlds: dict, family: str, tmp_path_factory: pytest.TempPathFactory
):
    w = worlds[family]
    # a day with injected bad rows and late arrivals from the day before
    row = w["days"].filter(pl.col("late_events") > 0).sort("bad_rows_injected").row(-1, named=True)
    day = row["date"]
    counts = ingest_day(w["root"], day)
    assert counts.reconciles
    assert counts.events_quarantined == row["bad_rows_injected"] > 0
    assert counts.events_duplicate == row["duplicate_rows_injected"]
    assert counts.events_accepted == row["events_written"]
    assert counts.events_late == row["late_events"] > 0


@pytest.mark.parametrize("family", FAMILIES)
def test_same_arguments_give_the_same_bytes(
    worlds: dict, family: str, tmp_path_factory: pytest.TempPathFactory
):
    root = worlds[family]["root"]
    again = tmp_path_factory.mktemp(f"again-{family}")
    generate_world(again, family, USERS, DAYS, START, SEED)

    def digests(base: Path) -> dict[str, str]:
        files = [*(base / "landing").rglob("*"), *(base / "truth").iterdir()]
        return {
            str(p.relative_to(base)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files
            if p.is_file()
        }

    first = {k: v for k, v in digests(root).items() if k.startswith(("landing", "truth"))}
    assert first == digests(again)
    other = tmp_path_factory.mktemp(f"other-{family}")
    generate_world(other, family, 300, 3, START, SEED + 1)
    assert (other / "truth" / "world.json").read_text() != (root / "truth/world.json").read_text()


def test_unknown_family_is_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown family"):
        generate_world(tmp_path, "classic", USERS, DAYS, START, SEED)


# ----------------------------------------------------------------------------- truth


@pytest.mark.parametrize("family", FAMILIES)
def test_truth_files_and_ids(worlds: dict, family: str):
    w = worlds[family]
    users, ev = w["users"], w["events"]
    assert users.columns == TRUTH_COLUMNS
    assert users["user_id"].is_unique().all()
    assert users.height == w["summary"].accounts
    assert {p.name for p in (w["root"] / "truth").iterdir()} == {
        "users.parquet",
        "days.parquet",
        "world.json",
    }
    assert w["world"]["family"] == family and w["world"]["seed"] == SEED
    assert w["world"]["users"] == USERS and w["world"]["days"] == DAYS
    assert w["world"]["start"] == START.isoformat()
    kinds = {g["kind"] for g in w["world"]["params"]["groups"]}
    assert kinds == set(GAMING) | set(LOOKALIKES) - {"viral"}
    # every account in the events is in the truth, in the family's id shapes
    actors = set(ev["actor_id"].unique()) | set(ev["target_user_id"].drop_nulls().unique())
    assert actors <= set(users["user_id"])
    shapes = ID_SHAPES[family]
    for pattern in shapes:
        assert users["user_id"].str.contains(pattern).any(), pattern
    assert users["user_id"].str.contains("|".join(f"(?:{p})" for p in shapes)).all()
    if family == "conversation":
        assert users["user_id"].str.contains(r"^[a-z]+_[a-z]+\d+$").any()  # maria_lopez42
        assert users["user_id"].str.contains(r"^[a-z]\.[a-z]+$").any()  # j.smith
        assert users["user_id"].str.contains(r"^[A-Z][a-z]+[A-Z][a-z]+$").any()  # DataNerd
    # labels are consistent
    fake = users.filter(pl.col("kind").is_in(["bot", "puppet", "new_follower_account",
                                              "follower_account"]))  # fmt: skip
    assert (fake["influence"] == 0).all() and (fake["role"] == "operator").all()
    organic = users.filter(pl.col("role") != "operator")
    assert (organic["influence"] > 0).all()
    assert set(users["lookalike"].unique()) == {"none", *LOOKALIKES}
    assert set(users["scenario"].unique()) == {"none", "viral", *GAMING}
    viral = users.filter(pl.col("kind") == "viral")
    assert (viral["scenario"] == "viral").all() and (viral["lookalike"] == "viral").all()
    assert viral["viral_day"].null_count() == 0
    alike = users.filter(pl.col("lookalike").is_in(LOOKALIKES[1:]))
    assert (alike["scenario"] == "none").all() and (alike["role"] == "none").all()
    assert (alike.filter(pl.col("lookalike_role") == "subject")["kind"] == "honest").all()
    assert alike["kind"].is_in(["honest", "lurker"]).all()
    gamers = users.filter(pl.col("role").is_in(["customer", "member"]))
    assert gamers["gaming_start"].null_count() == 0
    # gamers are ordinary accounts, not the famous ones
    posters = users.filter(pl.col("role") == "none", pl.col("kind") != "lurker")
    top = posters["influence"].quantile(0.95)
    assert gamers["influence"].max() <= top
    # every group starts 30-70% through, leaving history before and after
    lo, hi = w["world"]["params"]["start_window"]
    assert 0.3 * DAYS <= lo <= hi <= 0.7 * DAYS
    for g in w["world"]["params"]["groups"]:
        assert lo <= g["start"] <= hi, g
    (news,) = w["days"].filter("news_day")["date"].to_list()
    assert lo <= (news - START).days <= hi


# ----------------------------------------------------------------------------- families


def test_broadcast_reactions_land_only_on_original_posts(worlds: dict):
    w = worlds["broadcast"]
    ev, users = w["events"], w["users"]
    assert set(ev["network"].unique()) == {"twitter"}
    items = ev.filter(pl.col("action").is_in(["reply", "share"]))
    assert items.height > 0.3 * ev.filter(pl.col("action") == "post").height
    on_items = ev.filter(pl.col("target_post_id").is_in(items["post_id"].implode()))
    assert on_items.is_empty()
    # conversationalists and curators: reply and share volumes vary widely among posters
    per_user = (
        items.group_by("actor_id")
        .agg(n=pl.len())
        .join(users.select(actor_id="user_id", influence="influence"), on="actor_id")
    )
    assert per_user["n"].quantile(0.9) >= 5 * per_user["n"].quantile(0.25)
    rho = per_user.select(pl.corr("n", "influence", method="spearman")).item()
    assert abs(rho) < 0.3


def test_conversation_replies_and_shares_draw_reactions(worlds: dict):
    w = worlds["conversation"]
    ev, users = w["events"], w["users"]
    items = ev.filter(pl.col("action").is_in(["reply", "share"]))
    reacted = ev.filter(pl.col("target_post_id").is_in(items["post_id"].implode()))
    assert reacted.height > 0.1 * ev.filter(pl.col("action").is_in(REACTIONS)).height
    assert set(reacted["action"].unique()) >= {"like", "reply", "share"}
    # and by the influence of the item's author
    got = (
        reacted.group_by("target_post_id")
        .agg(n=pl.len())
        .join(items.select(target_post_id="post_id", user_id="actor_id"), on="target_post_id")
        .group_by("user_id")
        .agg(n=pl.col("n").mean())
        .join(users, on="user_id")
    )
    assert got.select(pl.corr("n", "influence", method="spearman")).item() > 0.3
    organic = users.filter(pl.col("role") != "operator")
    on_two = organic["second_network"].is_not_null().mean()
    assert 0.3 < on_two < 0.8
    assert ev["network"].n_unique() == 3


def test_crossnet_users_span_networks_and_cross_post(worlds: dict):
    w = worlds["crossnet"]
    ev, users = w["events"], w["users"]
    assert set(ev["network"].unique()) == {"mastodon", "bluesky", "threads", "youtube", "tiktok"}
    organic = users.filter(pl.col("role") != "operator")
    assert organic["second_network"].is_not_null().all()
    nets = ev.group_by("actor_id").agg(nets=pl.col("network").n_unique())
    assert (nets["nets"] >= 2).mean() > 0.6
    # the same content (same author and topics) posted to another network minutes later
    posts = ev.filter(pl.col("action") == "post", pl.col("topics").is_not_null()).select(
        "actor_id", "network", "ts", "post_id", key=pl.col("topics").list.join(",")
    )
    pairs = posts.join(posts, on=["actor_id", "key"], suffix="_b").filter(
        pl.col("network") != pl.col("network_b"),
        (pl.col("ts_b") - pl.col("ts")).is_between(timedelta(0), timedelta(minutes=30)),
    )
    assert pairs["post_id"].n_unique() > 0.1 * posts.height
    assert (pairs["post_id"] != pairs["post_id_b"]).all()
    # influence differs per network: reactions per post by network differ for the same author
    per = (
        ev.filter(pl.col("action").is_in(ON_A_POST))
        .join(_posts(ev), on="target_post_id")
        .group_by("author", "post_net")
        .agg(n=pl.len())
        .group_by("author")
        .agg(spread=pl.col("n").max() / pl.col("n").min(), nets=pl.len())
        .filter(pl.col("nets") >= 2)
    )
    assert per["spread"].median() > 1.5


def test_young_network_grows_and_nobody_acts_before_creation(worlds: dict):
    w = worlds["young"]
    ev, users = w["events"], w["users"]
    organic = users.filter(pl.col("kind").is_in(["honest", "lurker", "viral"]))
    assert 0.3 < organic["created"].is_not_null().mean() < 0.7
    first = (
        pl.concat(
            [
                ev.select(user_id="actor_id", ts="ts"),
                ev.select(user_id="target_user_id", ts="ts").drop_nulls(),
            ]
        )
        .group_by("user_id")
        .agg(first=pl.col("ts").min())
        .join(users.select("user_id", "created"), on="user_id")
        .filter(pl.col("created").is_not_null())
    )
    assert first.height > 300
    assert (first["first"].dt.date() >= first["created"]).all()
    born_late = first.filter(pl.col("created") > START + timedelta(days=3))
    assert born_late.height > 100 and (born_late["first"].dt.date() > START).all()
    # reactions are mostly likes from repeat engagers, not strangers
    reactions = ev.filter(
        pl.col("action").is_in(REACTIONS),
        pl.col("target_user_id").is_in(organic["user_id"].implode()),
        pl.col("actor_id").is_in(organic["user_id"].implode()),
    )
    assert (reactions["action"] == "like").mean() > 0.7
    # the same faces again and again: far fewer engagers than reactions (strangers, as on
    # broadcast, give about 0.9 distinct engagers a reaction)
    per_author = (
        reactions.group_by("target_user_id")
        .agg(n=pl.len(), engagers=pl.col("actor_id").n_unique())
        .filter(pl.col("n") >= 30)
    )
    assert per_author.height >= 50
    assert (per_author["engagers"] / per_author["n"]).median() < 0.7
    # posting is heavy-tailed and bursty
    per_user = ev.filter(pl.col("action") == "post").group_by("actor_id").agg(n=pl.len())
    assert per_user["n"].max() > 10 * per_user["n"].median()


# ----------------------------------------------------------------------------- gaming


@pytest.mark.parametrize("family", FAMILIES)
def test_bought_followers_are_a_burst_from_new_accounts(worlds: dict, family: str):
    ev, users = worlds[family]["events"], worlds[family]["users"]
    customers = users.filter(pl.col("scenario") == "bought_followers", pl.col("role") == "customer")
    assert customers.height >= 1
    for c in customers.iter_rows(named=True):
        acc = users.filter(pl.col("group_id") == c["group_id"], pl.col("role") == "operator")
        assert acc.height >= 200 and (acc["kind"] == "new_follower_account").all()
        age = (c["gaming_start"] - acc["created"]).dt.total_days()
        assert age.is_between(0, 3).all()
        f = ev.filter(pl.col("action") == "follow", pl.col("target_user_id") == c["user_id"])
        f = f.filter(pl.col("actor_id").is_in(acc["user_id"].implode()))
        assert f.height == acc.height
        assert f["ts"].max() - f["ts"].min() <= timedelta(hours=6)
        other = ev.filter(pl.col("actor_id").is_in(acc["user_id"].implode()))
        assert other.height < 1.3 * acc.height  # little else


@pytest.mark.parametrize("family", FAMILIES)
def test_drip_followers_come_from_an_aged_shared_pool(worlds: dict, family: str):
    ev, users = worlds[family]["events"], worlds[family]["users"]
    pool = users.filter(pl.col("scenario") == "drip_followers", pl.col("role") == "operator")
    customers = users.filter(pl.col("scenario") == "drip_followers", pl.col("role") == "customer")
    assert pool.height >= 100 and customers.height >= 2
    assert (pool["kind"] == "follower_account").all()
    for gid, members in pool.group_by("group_id"):
        cust = customers.filter(pl.col("group_id") == gid[0])
        purchase = cust["gaming_start"].min()
        old = members["created"].is_null() | ((purchase - members["created"]).dt.total_days() >= 14)
        assert old.all()
        f = ev.filter(
            pl.col("action") == "follow",
            pl.col("actor_id").is_in(members["user_id"].implode()),
            pl.col("target_user_id").is_in(cust["user_id"].implode()),
        )
        per_customer = f.group_by("target_user_id").agg(
            n=pl.len(), days=pl.col("dump").n_unique(), hours=pl.col("ts").dt.hour().n_unique()
        )
        assert per_customer.height == cust.height
        assert (per_customer["n"] >= 100).all() and (per_customer["days"] >= 3).all()
        assert (per_customer["hours"] >= 12).all()  # spread through the day
        # one pool serves several customers
        assert f.group_by("actor_id").agg(c=pl.col("target_user_id").n_unique())["c"].mean() > 1.5
        # aged accounts with camouflage: they act on several days, also before the purchase
        acts = ev.filter(pl.col("actor_id").is_in(members["user_id"].implode()))
        active_days = acts.group_by("actor_id").agg(d=pl.col("dump").n_unique())
        assert active_days["d"].median() >= 4
        assert acts.filter(pl.col("dump") < purchase, pl.col("action") == "like").height > 0


@pytest.mark.parametrize("family", FAMILIES)
def test_like_farms_fresh_and_camouflaged(worlds: dict, family: str):
    ev, users = worlds[family]["events"], worlds[family]["users"]
    posts = _posts(ev)
    for scenario in ("like_farm", "camouflaged_farm"):
        bots = users.filter(pl.col("scenario") == scenario, pl.col("role") == "operator")
        customers = users.filter(pl.col("scenario") == scenario, pl.col("role") == "customer")
        assert bots.height >= 40 and customers.height >= 2 and (bots["kind"] == "bot").all()
        start = customers["gaming_start"].min()
        ages = (start - bots["created"]).dt.total_days()
        if scenario == "like_farm":
            assert ages.is_between(1, 5).all()
        else:
            assert (ages.is_null() | (ages >= 21)).all()
        likes = ev.filter(
            pl.col("action") == "like", pl.col("actor_id").is_in(bots["user_id"].implode())
        ).join(posts, on="target_post_id")
        on_cust = likes.filter(pl.col("author").is_in(customers["user_id"].implode()))
        delay = on_cust["ts"] - on_cust["post_ts"]
        cust_posts = posts.filter(
            pl.col("author").is_in(customers["user_id"].implode()), pl.col("post_ts") >= _day(start)
        )
        assert cust_posts.height > 0
        per_post = on_cust.group_by("target_post_id").agg(n=pl.col("actor_id").n_unique())
        share = per_post["n"] / bots.height
        if scenario == "like_farm":
            assert delay.max() <= 30 * MINUTE and delay.min() >= timedelta(seconds=30)
            assert share.median() > 0.85
            assert likes.height - on_cust.height < 0.3 * on_cust.height  # little else
        else:
            assert delay.max() <= 60 * MINUTE
            assert 0.3 < share.median() < 0.95
            # camouflage: likes of popular non-customer posts and follows, every day
            other = likes.height - on_cust.height
            assert other > on_cust.height * 0.2
            acts = ev.filter(pl.col("actor_id").is_in(bots["user_id"].implode()))
            assert acts.filter(pl.col("action") == "follow").height > 0
            daily = acts.group_by("actor_id", "dump").agg(n=pl.len())
            assert daily["n"].median() >= 5


@pytest.mark.parametrize("family", FAMILIES)
def test_sock_puppets_amplify_their_owner(worlds: dict, family: str):
    ev, users = worlds[family]["events"], worlds[family]["users"]
    owners = users.filter(pl.col("scenario") == "sock_puppets", pl.col("role") == "customer")
    assert owners.height >= 1
    for o in owners.iter_rows(named=True):
        ring = users.filter(pl.col("group_id") == o["group_id"], pl.col("role") == "operator")
        assert 2 <= ring.height <= 25 and (ring["kind"] == "puppet").all()
        ages = (o["gaming_start"] - ring["created"]).dt.total_days()
        assert (ages.is_null() | ages.is_between(3, 60)).all()
        acts = ev.filter(
            pl.col("actor_id").is_in(ring["user_id"].implode()),
            pl.col("target_user_id") == o["user_id"],
        )
        assert set(acts["action"].unique()) >= {"share", "reply", "mention"}
        assert acts["ts"].min() >= _day(o["gaming_start"])


@pytest.mark.parametrize("family", FAMILIES)
def test_engagement_pods_answer_each_other_fast(worlds: dict, family: str):
    ev, users = worlds[family]["events"], worlds[family]["users"]
    members = users.filter(pl.col("scenario") == "engagement_pod")
    assert members.height >= 5 and (members["role"] == "member").all()
    assert (members["kind"] == "honest").all() and (members["influence"] > 0).all()
    for gid, pod in members.group_by("group_id"):
        start = pod["gaming_start"][0]
        ids = pod["user_id"].implode()
        # every member is on the pod's network (some are on others too)
        net = _group(worlds[family], gid[0])["network"]
        posts = _posts(ev).filter(
            pl.col("author").is_in(ids), pl.col("post_ts") >= _day(start), pl.col("post_net") == net
        )
        answers = (
            ev.filter(pl.col("actor_id").is_in(ids), pl.col("action").is_in(ON_A_POST))
            .join(posts, on="target_post_id")
            .filter(pl.col("ts") - pl.col("post_ts") <= 30 * MINUTE)
            .group_by("target_post_id")
            .agg(n=pl.col("actor_id").n_unique())
        )
        share = posts.join(answers, on="target_post_id", how="left")["n"].fill_null(0)
        assert share.median() >= 0.5 * (pod.height - 1) * 0.8, gid
        # and before the pod started they did not
        before = _posts(ev).filter(pl.col("author").is_in(ids), pl.col("post_ts") < _day(start))
        early = ev.filter(
            pl.col("actor_id").is_in(ids),
            pl.col("target_post_id").is_in(before["target_post_id"].implode()),
        )
        assert early.height < 0.2 * before.height * (pod.height - 1)


# ----------------------------------------------------------------------------- look-alikes


@pytest.mark.parametrize("family", FAMILIES)
def test_honest_lookalikes_are_present(worlds: dict, family: str):
    w = worlds[family]
    ev, users = w["events"], w["users"]
    posts = _posts(ev)
    reactions = ev.filter(pl.col("action").is_in(ON_A_POST)).join(posts, on="target_post_id")
    per_post = reactions.group_by("target_post_id", "author", "post_ts").agg(n=pl.len())

    # viral: one post draws far more than the author's usual, from many accounts
    viral = users.filter(pl.col("lookalike") == "viral")
    assert viral.height >= 1
    ratios = []
    for v in viral.iter_rows(named=True):
        mine = posts.filter(pl.col("author") == v["user_id"]).join(
            per_post.select("target_post_id", "n"), on="target_post_id", how="left"
        )
        mine = mine.with_columns(pl.col("n").fill_null(0))
        on_day = mine.filter(pl.col("post_ts").dt.date() == v["viral_day"])["n"].max()
        usual = mine.filter(pl.col("post_ts").dt.date() != v["viral_day"])["n"].median() or 0
        ratios.append(on_day / max(usual, 3))
    assert sorted(ratios)[len(ratios) // 2] > 10

    # news day: far more posts on one topic
    (news,) = w["days"].filter("news_day")["date"].to_list()
    topic = w["world"]["params"]["news"]["topic"]
    daily = (
        ev.filter(pl.col("action") == "post", pl.col("topics").list.contains(topic))
        .group_by(day=pl.col("ts").dt.date())
        .agg(n=pl.len())
    )
    on_news = daily.filter(pl.col("day") == news)["n"].item()
    assert on_news > 3 * daily.filter(pl.col("day") != news)["n"].median()

    # friend cliques: reciprocal, slow
    clique = users.filter(pl.col("lookalike") == "friend_clique")
    assert clique.height >= 4 and (clique["lookalike_role"] == "subject").all()
    for _, members in clique.group_by("group_id"):
        ids = members["user_id"].implode()
        inner = reactions.filter(pl.col("actor_id").is_in(ids), pl.col("author").is_in(ids))
        pairs = inner.select("actor_id", "author").unique()
        back = pairs.join(pairs, left_on=["actor_id", "author"], right_on=["author", "actor_id"])
        assert back.height >= 2  # reciprocal
        assert inner["actor_id"].n_unique() >= 0.6 * members.height
        delay = (inner["ts"] - inner["post_ts"]).median()
        assert delay >= timedelta(minutes=30)

    # superfan clubs: fans like nearly every post of the creator within minutes
    club = users.filter(pl.col("lookalike") == "superfan_club")
    for gid, g in club.group_by("group_id"):
        creator = g.filter(pl.col("lookalike_role") == "subject")["user_id"].item()
        fans = g.filter(pl.col("lookalike_role") == "crowd")
        assert fans.height >= 30
        start = _day(START + timedelta(days=_group(w, gid[0])["start"]))
        net = _group(w, gid[0])["network"]  # the fans are on the creator's home network
        cposts = posts.filter(
            pl.col("author") == creator, pl.col("post_ts") >= start, pl.col("post_net") == net
        )
        fan_likes = reactions.filter(
            pl.col("author") == creator, pl.col("actor_id").is_in(fans["user_id"].implode())
        ).filter(pl.col("target_post_id").is_in(cposts["target_post_id"].implode()))
        assert fan_likes.height > 0.7 * fans.height * cposts.height
        assert (fan_likes["ts"] - fan_likes["post_ts"]).median() <= 15 * MINUTE
        # fans are also active elsewhere
        own = ev.filter(pl.col("actor_id").is_in(fans["user_id"].implode()),
                        pl.col("target_user_id") != creator)  # fmt: skip
        assert own["actor_id"].n_unique() > 0.8 * fans.height

    # celebrity newcomers: created mid-period, a crowd of established accounts follows in hours
    celeb = users.filter(pl.col("lookalike") == "celebrity_newcomer")
    for _, g in celeb.group_by("group_id"):
        (c,) = g.filter(pl.col("lookalike_role") == "subject").to_dicts()
        crowd = g.filter(pl.col("lookalike_role") == "crowd")
        assert c["created"] is not None and c["kind"] == "honest"
        assert crowd.height >= 300 and crowd["created"].is_null().all()
        mine = ev.filter(
            (pl.col("actor_id") == c["user_id"]) | (pl.col("target_user_id") == c["user_id"])
        )
        assert mine["ts"].min().date() == c["created"]
        f = mine.filter(
            pl.col("action") == "follow", pl.col("actor_id").is_in(crowd["user_id"].implode())
        )
        burst = f.filter(pl.col("ts") <= f["ts"].min() + timedelta(hours=8))
        assert burst["actor_id"].n_unique() == crowd.height
        assert c["influence"] >= users["influence"].quantile(0.99)

    # volume posters: from their start day on, many times the typical rate of posts
    vol = users.filter(pl.col("lookalike") == "volume_poster")
    assert vol.height >= 1 and (vol["lookalike_role"] == "subject").all()
    plain = users.filter(
        pl.col("kind") == "honest", pl.col("role") == "none", pl.col("lookalike") == "none"
    ).select(author="user_id")
    per_author = plain.join(posts.group_by("author").agg(n=pl.len()), on="author", how="left")
    typical = per_author["n"].fill_null(0).median() / DAYS
    after = before = 0.0
    for v in vol.iter_rows(named=True):
        start = START + timedelta(days=_group(w, v["group_id"])["start"])
        mine = posts.filter(pl.col("author") == v["user_id"])
        after += mine.filter(pl.col("post_ts") >= _day(start)).height / (
            DAYS - (start - START).days
        )
        before += mine.filter(pl.col("post_ts") < _day(start)).height / (start - START).days
    after, before = after / vol.height, before / vol.height
    assert after > 3 * typical and after > 2 * before, (after, before, typical)


def _group(w: dict, gid: str) -> dict:
    (g,) = [g for g in w["world"]["params"]["groups"] if g["group_id"] == gid]
    return g
