"""Synthetic worlds of other shapes than the classic generator's, in the same landing contract.

clout's score and gaming rules were tuned on `transforms/generate.py` (the "classic" world).
A model that only works there has learnt the generator, not influence. Each family below wires
engagement, follows, replies and re-shares, networks, account age and id shapes to latent
influence in its own way, so a model can be chosen by its worst world:

- `broadcast` (a microblog of announcers: early Twitter, a news feed). One network. Reactions
  land only on original posts; replies and re-shares are plentiful (conversationalists and
  curators reply and re-share at rates that vary widely and have nothing to do with their
  influence) but draw nothing. Follows go to influence. Ids are numeric strings.
- `conversation` (a forum or Facebook-like thread culture). Every item draws reactions: a reply
  or re-share draws its author's influence times a drawn factor (0.2-0.5 for replies, 0.3-0.6
  for shares), so talkative people collect reactions on comments, not posts. People follow
  whom they see a lot (activity), not whom others react to. Users are on 1-3 networks. Ids are
  handles ("maria_lopez42", "j.smith", "DataNerd").
- `crossnet` (creators cross-posting to Mastodon, Bluesky, Threads, YouTube, TikTok). Users are
  on 2-4 of 5 networks, cross-post the same content (separate post ids) and are influential to
  a different degree on each network (a base plus a per-network deviation); reactions stay on
  the network of the post they react to. The truth influence is the activity-weighted mean of
  the per-network influences. Ids are UUIDs.
- `young` (a network in its first months). Half the accounts are created during the period and
  never act before; posting is rare, bursty and heavy-tailed, barely (even negatively) related
  to influence; reactions are mostly likes from each author's loyal repeat engagers rather
  than strangers; follows attach preferentially. Ids mix numbers, handles and hex.

Every family carries the same labelled groups, each started on its own day between 30% and 70%
of the period with parameters drawn per group: the honest look-alikes (viral posts, a news
day, friend cliques, superfan clubs, celebrity newcomers, volume posters) and the gaming kinds
(bought followers, drip-fed followers from an aged pool, fresh like farms, camouflaged aged
farms, sock-puppet rings, engagement pods of real accounts). Truth goes to
`<data_root>/truth/` (users.parquet, days.parquet, world.json); the dumps carry the same dirt
as the classic ones (invalid and repeated JSONL lines, late arrivals, many UTC offsets).

Vectorised with numpy/polars: Python loops run over days, networks, files and groups only.
"""

from __future__ import annotations

import gzip
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from transforms import engine
from transforms.contract import ACTIONS
from transforms.generate import (
    _OFFSETS,
    TOPICS,
    GenerateSummary,
    _Counter,
    _day_us,
    _delay_seconds,
    _dirty,
    _diurnal_seconds,
    _follow_and_unfollow,
    _hex,
    _json_lines,
    _lookup,
    _mix64,
    _Pools,
    _write_parquet,
    _write_parquet_plain,
    write_world_json,
)

__all__ = ["FAMILIES", "generate_world"]

FAMILIES: tuple[str, ...] = ("broadcast", "conversation", "crossnet", "young")

POST, REPLY, SHARE, LIKE, MENTION, FOLLOW, UNFOLLOW = range(7)
KINDS = ("honest", "lurker", "viral", "bot", "puppet", "new_follower_account", "follower_account")
HONEST, LURKER, VIRAL, BOT, PUPPET, NEW_FOLLOWER, AGED_FOLLOWER = range(7)
SCENARIOS = (
    "none",
    "bought_followers",
    "drip_followers",
    "like_farm",
    "camouflaged_farm",
    "sock_puppets",
    "engagement_pod",
    "viral",
)
ROLES = ("none", "customer", "operator", "member")
LOOKALIKES = (
    "none",
    "viral",
    "friend_clique",
    "superfan_club",
    "celebrity_newcomer",
    "volume_poster",
)
LOOKALIKE_ROLES = ("none", "subject", "crowd")

_US = 1_000_000
_DAY_US = 86_400 * _US
_LATE_WINDOW_US = 3 * 3600 * _US
_LATE_SHARE = 0.15
_GZIP_LEVEL = 1
# Offsets beyond the classic set (Nepal, central Australia, Newfoundland, Chatham) so a parser
# that assumes whole hours breaks here.
_WORLD_OFFSETS = np.concatenate([_OFFSETS, [345, 570, -210, 765, -570]])
_NT = _Pools.N_TOPIC  # topic slots per pool, the last one meaning any topic
_ANY = len(TOPICS)
# organic pools: who likes, replies, shares, who gets mentioned, established likers, follow targets
_P_LIKE, _P_REPLY, _P_SHARE, _P_MENTIONED, _P_ESTABLISHED, _P_FOLLOWED = range(6)


@dataclass(frozen=True)
class _Family:
    networks: tuple[str, ...]
    net_share: tuple[float, ...]
    nets_per_user: tuple[float, ...]  # P(on 1 network), P(on 2), ...
    formats: tuple[str, ...]  # file formats cycled over (network, shard)
    shards: int  # files per network and day
    id_shape: str
    post_shape: str
    mix: tuple[float, float, float, float]  # like, share, reply, mention of organic reactions
    follow_by: str
    inf_sigma: float
    act_sigma: float
    act_corr: float
    net_dev: float  # per-network deviation of influence (log scale)


_FAMILY = {
    "broadcast": _Family(
        networks=("twitter",),
        net_share=(1.0,),
        nets_per_user=(1.0,),
        formats=("jsonl.gz", "parquet", "jsonl"),
        shards=3,
        id_shape="numeric",
        post_shape="numeric",
        mix=(0.52, 0.2, 0.2, 0.08),
        follow_by="influence",
        inf_sigma=1.35,
        act_sigma=0.9,
        act_corr=0.3,
        net_dev=0.0,
    ),
    "conversation": _Family(
        networks=("reddit", "facebook", "discord"),
        net_share=(0.45, 0.35, 0.2),
        nets_per_user=(0.45, 0.35, 0.2),
        formats=("parquet", "jsonl.gz", "jsonl"),
        shards=1,
        id_shape="handle",
        post_shape="prefixed",
        mix=(0.45, 0.12, 0.35, 0.08),
        follow_by="activity",
        inf_sigma=1.0,
        act_sigma=1.0,
        act_corr=0.5,
        net_dev=0.25,
    ),
    "crossnet": _Family(
        networks=("mastodon", "bluesky", "threads", "youtube", "tiktok"),
        net_share=(0.15, 0.25, 0.25, 0.15, 0.2),
        nets_per_user=(0.0, 0.4, 0.35, 0.25),
        formats=("parquet", "parquet", "jsonl.gz", "parquet", "jsonl"),
        shards=1,
        id_shape="uuid",
        post_shape="uuid",
        mix=(0.6, 0.15, 0.17, 0.08),
        follow_by="influence",
        inf_sigma=1.15,
        act_sigma=0.9,
        act_corr=0.2,
        net_dev=0.7,
    ),
    "young": _Family(
        networks=("nova",),
        net_share=(1.0,),
        nets_per_user=(1.0,),
        formats=("jsonl", "parquet", "jsonl.gz"),
        shards=3,
        id_shape="mixed",
        post_shape="hex",
        mix=(0.84, 0.06, 0.07, 0.03),
        follow_by="preferential",
        inf_sigma=1.5,
        act_sigma=1.5,
        act_corr=-0.2,
        net_dev=0.0,
    ),
}


def _words(text: str) -> list[str]:
    return text.split()


_FIRST = _words(
    "maria james li ana john wei sofia omar emma noah olga raj fatima lucas yuki chen amir "
    "sara david nina ivan leila mateo hana kofi elena tom priya jorge mia ali zoe ben lena "
    "pablo aisha max nora hugo ines felix chloe ravi anya sam jade leo tara"
)
_LAST = _words(
    "lopez smith wang garcia kim muller rossi silva khan nguyen patel cohen novak ito brown "
    "jones meyer costa dubois santos ali okafor park sato ivanov moreau berg lindqvist haddad "
    "reyes fischer kowalski evans murphy tanaka bauer"
)
_ADJ = _words(
    "Data Pixel Quiet Lucky Urban Cosmic Happy Brave Retro Wild Tiny Neon Lazy Clever Salty "
    "Sunny Mellow Odd Rapid Vintage"
)
_NOUN = _words(
    "Nerd Fox Chef Owl Panda Rider Wolf Coder Baker Nomad Poet Tiger Monk Pilot Otter Sage "
    "Knight Gamer Crow Hiker"
)


# ----------------------------------------------------------------------------- ids


def _pick(words: list[str], idx: np.ndarray) -> pl.Series:
    return pl.Series(words).gather(pl.Series(idx))


def _numeric_ids(rng: np.random.Generator, n: int) -> pl.Series:
    return pl.Series(rng.choice(90_000_000, size=n, replace=False) + 10_000_000).cast(pl.String)


def _handle_ids(rng: np.random.Generator, n: int) -> pl.Series:
    """Handles in the styles people pick; clashes get a number appended until unique."""
    first = _pick(_FIRST, rng.integers(0, len(_FIRST), n))
    last = _pick(_LAST, rng.integers(0, len(_LAST), n))
    adj = _pick(_ADJ, rng.integers(0, len(_ADJ), n))
    noun = _pick(_NOUN, rng.integers(0, len(_NOUN), n))
    num = pl.Series(rng.integers(1, 1000, n)).cast(pl.String)
    style = pl.Series(rng.integers(0, 6, n))
    df = pl.DataFrame({"f": first, "l": last, "a": adj, "o": noun, "n": num, "s": style})
    f, la, a, o, nn, s = (pl.col(c) for c in ("f", "l", "a", "o", "n", "s"))
    handle = (
        pl.when(s == 0)
        .then(pl.concat_str([f, pl.lit("_"), la, nn]))
        .when(s == 1)
        .then(pl.concat_str([f.str.slice(0, 1), pl.lit("."), la]))
        .when(s == 2)
        .then(pl.concat_str([a, o]))
        .when(s == 3)
        .then(pl.concat_str([a.str.to_lowercase(), pl.lit("_"), o.str.to_lowercase(), nn]))
        .when(s == 4)
        .then(pl.concat_str([f, pl.lit("."), la]))
        .otherwise(pl.concat_str([la, f, nn]))
    )
    ids = df.select(handle.alias("h"))["h"]
    for round_ in range(2, 50):
        rank = ids.to_frame("h").select(r=pl.int_range(pl.len()).over("h"))["r"]
        if not (rank > 0).any():
            break
        ids = pl.select(
            pl.when(rank > 0)
            .then(pl.concat_str([ids, pl.lit(str(round_)), rank.cast(pl.String)]))
            .otherwise(ids)
        ).to_series()
    return ids


_HEX_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _ascii_strings(chars: np.ndarray) -> pl.Series:
    """Rows of an (n, width) uint8 ASCII array as a string column, through one Arrow buffer."""
    n, width = chars.shape
    offsets = np.arange(0, width * (n + 1), width, dtype=np.int32)
    arr = pa.StringArray.from_buffers(
        n, pa.py_buffer(offsets.tobytes()), pa.py_buffer(np.ascontiguousarray(chars).tobytes())
    )
    return pl.from_arrow(arr)


def _uuid(values: np.ndarray, salt: int) -> pl.Series:
    """RFC 4122-shaped version 4 UUIDs from two mixes of each key, built as ASCII in numpy."""
    v = values.astype(np.uint64)
    n = len(v)
    if n == 0:
        return pl.Series([], dtype=pl.String)
    raw = np.column_stack([_mix64(v ^ np.uint64(salt)), _mix64(v ^ np.uint64(salt ^ 0x33))])
    nbytes = raw.astype(">u8").view(np.uint8).reshape(n, 16)
    nib = np.empty((n, 32), dtype=np.uint8)
    nib[:, 0::2], nib[:, 1::2] = nbytes >> 4, nbytes & 0xF
    h = _HEX_DIGITS[nib]

    def const(text: bytes) -> np.ndarray:
        return np.broadcast_to(np.frombuffer(text, dtype=np.uint8), (n, len(text)))

    out = np.concatenate(
        [h[:, :8], const(b"-"), h[:, 8:12], const(b"-4"), h[:, 13:16], const(b"-a"),
         h[:, 17:20], const(b"-"), h[:, 20:32]],
        axis=1,
    )  # fmt: skip
    return _ascii_strings(out)


def _user_ids(rng: np.random.Generator, shape: str, n: int) -> pl.Series:
    salt = int(rng.integers(0, 2**62))
    if shape == "numeric":
        return _numeric_ids(rng, n)
    if shape == "handle":
        return _handle_ids(rng, n)
    if shape == "uuid":
        return _uuid(np.arange(n), salt)
    # young: whatever the sign-up flow of the month produced, in one id space
    numeric, handle = _numeric_ids(rng, n), _handle_ids(rng, n)
    hexes = _hex("", _mix64(np.arange(n, dtype=np.uint64) ^ np.uint64(salt)), 6)
    which = pl.Series(rng.choice(3, size=n, p=[0.35, 0.45, 0.2]))
    return pl.select(
        pl.when(which == 0).then(numeric).when(which == 1).then(handle).otherwise(hexes)
    ).to_series()


def _content_ids(keys: np.ndarray, shape: str, salt: int) -> pl.Series:
    k = keys.astype(np.uint64)
    if shape == "numeric":  # snowflake-like decimal ids
        m = (_mix64(k ^ np.uint64(salt)) >> np.uint64(2)) | np.uint64(1 << 60)
        return pl.Series(m).cast(pl.String)
    if shape == "uuid":
        return _uuid(k, salt)
    if shape == "prefixed":
        return _hex("t1_", _mix64(k ^ np.uint64(salt)), 8)
    return _hex("p", _mix64(k ^ np.uint64(salt)), 8)


# ----------------------------------------------------------------------------- events


class _Ev:
    """Column buffers for one day's events (classic's `_Events` plus a third topic)."""

    COLS = ("key", "ts", "net", "actor", "action", "tuser", "tpost", "t1", "t2", "t3")

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {c: [] for c in self.COLS}

    def add(self, counter: _Counter, *, key: np.ndarray | None = None, **cols: Any) -> np.ndarray:
        n = len(cols["ts"])
        keys = counter.take(n) if key is None else key
        if n == 0:
            return keys
        cols["key"] = keys
        for c in self.COLS:
            v = cols.get(c, -1)
            self.parts[c].append(np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy())
        return keys

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            c: (np.concatenate(p) if p else np.empty(0, dtype=np.int64))
            for c, p in self.parts.items()
        }


def _take(a: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {c: v[idx] for c, v in a.items()}


def _cat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {c: np.concatenate([a[c], b[c]]) for c in a}


def _topics3(t1: np.ndarray, t2: np.ndarray, t3: np.ndarray) -> pl.Series:
    """A list column of up to three topic names, null when an event has none."""
    cnt = (t1 >= 0).astype(np.int32) + (t2 >= 0) + (t3 >= 0)
    offsets = np.zeros(len(t1) + 1, dtype=np.int32)
    np.cumsum(cnt, out=offsets[1:])
    flat = np.column_stack([t1, t2, t3]).ravel()
    values = pl.Series(TOPICS).gather(pl.Series(flat[flat >= 0])).to_arrow()
    lists = pa.ListArray.from_arrays(
        pl.Series(offsets).to_arrow(), values, mask=pl.Series(cnt == 0).to_arrow()
    )
    return pl.Series("topics", pl.from_arrow(lists))


# ----------------------------------------------------------------------------- the world


@dataclass
class _Group:
    """One labelled group: its kind, members and drawn parameters (as world.json shows them)."""

    kind: str
    gid: str
    start: int
    params: dict[str, Any]
    subjects: np.ndarray  # customers, owners, members, creators, newcomers
    accounts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # operators/crowd
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _World:
    fam: _Family
    family: str
    n: int  # organic users
    n_total: int
    k: int  # networks
    ids: pl.Series
    offset: np.ndarray
    created: np.ndarray  # day index, -1 = existed before day 0 (all accounts)
    created_sec: np.ndarray  # second of the creation day
    kind: np.ndarray
    scenario: np.ndarray
    role: np.ndarray
    gaming_start: np.ndarray
    viral_day: np.ndarray
    group: list[str | None]
    lookalike: np.ndarray
    lookalike_role: np.ndarray
    influence: np.ndarray  # truth, all accounts
    activity: np.ndarray  # truth, all accounts
    home: np.ndarray  # all accounts
    second: np.ndarray
    # organic only
    inf_net: np.ndarray  # (k, n)
    net_w: np.ndarray  # (k, n) posting weights, zero off a user's networks
    on_net: np.ndarray  # (k, n)
    poster: np.ndarray  # bool
    primary: np.ndarray
    focused: np.ndarray
    topic_set: np.ndarray
    like_p: np.ndarray
    reply_p: np.ndarray
    share_p: np.ndarray
    p_on: np.ndarray  # chance to post at all on a day (bursty posting)
    p_cross: np.ndarray
    fans: np.ndarray  # size of each author's loyal engager set
    params: dict[str, Any]
    groups: list[_Group]
    viral_boost: np.ndarray
    viral_spread_h: np.ndarray
    vol_mult: np.ndarray
    vol_start: np.ndarray
    news_day: int
    news_topic: int
    news_mult: float


def _window(days: int) -> tuple[int, int]:
    """Group start days: 30-70% through, with 5 days before and after where the period allows."""
    lo = max(int(np.ceil(0.3 * days)), 5)
    hi = min(int(0.7 * days), days - 6)
    if lo > hi:
        lo = max(1, min(int(0.3 * days), days - 2))
        hi = max(lo, min(int(0.7 * days), days - 2))
    return lo, hi


def _build(family: str, users: int, days: int, rng: np.random.Generator) -> _World:
    fam = _FAMILY[family]
    n, k = users, len(fam.networks)
    scale = users / 20_000
    lo, hi = _window(days)

    def start() -> int:
        return int(rng.integers(lo, hi + 1))

    def count(at_20k: float) -> int:
        return max(1, round(at_20k * scale))

    params: dict[str, Any] = {"networks": list(fam.networks), "start_window": [lo, hi]}

    # latent influence and posting ------------------------------------------------------------
    z_inf = rng.standard_normal(n)
    base_inf = np.exp(fam.inf_sigma * z_inf)
    z_act = fam.act_corr * z_inf + np.sqrt(1 - fam.act_corr**2) * rng.standard_normal(n)
    act_level = {"broadcast": 0.5, "conversation": 0.3, "crossnet": 0.28, "young": 0.15}[family]
    activity = np.exp(np.log(act_level) + fam.act_sigma * z_act)
    lurker_share = float(rng.uniform(0.25, 0.4))
    lurker = rng.random(n) < lurker_share
    base_inf[lurker] *= 0.2
    poster = ~lurker
    kind = np.where(lurker, LURKER, HONEST)
    like_p = rng.lognormal(0, 0.8, n) * np.where(lurker, 1.5, 1.0)
    activity = np.where(lurker, like_p, activity)
    # broadcast's conversationalists and curators: reply/share appetite independent of influence
    rsig = 1.3 if family == "broadcast" else 0.8
    reply_p = rng.lognormal(0, rsig, n)
    share_p = rng.lognormal(0, rsig, n)
    if family == "conversation":  # talkers reply a lot: appetite follows activity
        reply_p *= activity / act_level
    p_on = rng.uniform(0.05, 0.5, n) if family == "young" else np.ones(n)
    params.update(lurker_share=lurker_share, posts_per_day_median=act_level)

    # networks --------------------------------------------------------------------------------
    m_nets = rng.choice(len(fam.nets_per_user), size=n, p=fam.nets_per_user) + 1
    share = np.asarray(fam.net_share)
    keys = rng.random((n, k)) ** (1 / share)  # weighted sampling without replacement
    order = np.argsort(-keys, axis=1)
    on_net = np.zeros((k, n), dtype=bool)
    for j in range(k):
        on_net[order[:, j], np.arange(n)] |= j < m_nets
    net_w = rng.dirichlet(np.ones(k), size=n).T * on_net
    net_w /= net_w.sum(axis=0, keepdims=True)
    inf_net = base_inf[None, :] * np.exp(fam.net_dev * rng.standard_normal((k, n))) * on_net
    influence = (net_w * inf_net).sum(axis=0)
    home = np.argmax(net_w, axis=0)
    second = np.where(m_nets >= 2, np.argsort(-net_w, axis=0)[min(1, k - 1)], -1)
    p_cross = rng.uniform(0.0, 0.8, n) if family == "crossnet" else np.zeros(n)

    primary = rng.integers(0, len(TOPICS), size=n)
    focused = rng.random(n) < 0.55
    topic_set = np.column_stack(
        [primary]
        + [(primary + rng.integers(1, len(TOPICS), size=n)) % len(TOPICS) for _ in range(5)]
    )
    # young: each author's loyal engagers, more for the influential
    fans = np.maximum(3, np.round(3 + 8 * base_inf**0.6)).astype(np.int64)

    # account creation: young grows during the period, the others see a trickle of sign-ups
    created = np.full(n, -1, dtype=np.int64)
    new_share = float(rng.uniform(0.4, 0.6)) if family == "young" else 0.03
    is_new = rng.random(n) < new_share
    if days > 2:
        created[is_new] = 1 + np.floor((days - 1) * rng.beta(1.3, 1.0, is_new.sum())).astype(
            np.int64
        )
        created = np.minimum(created, days - 1)
    params["created_during_period_share"] = new_share
    created_sec = rng.integers(0, 86_400, n)

    scenario = np.zeros(n, dtype=np.int64)
    role = np.zeros(n, dtype=np.int64)
    gaming_start = np.full(n, -1, dtype=np.int64)
    viral_day = np.full(n, -1, dtype=np.int64)
    lookalike = np.zeros(n, dtype=np.int64)
    lk_role = np.zeros(n, dtype=np.int64)
    group: list[str | None] = [None] * n
    used = np.zeros(n, dtype=bool)
    established = created < 0
    poster_inf = influence[poster]
    q = {p: float(np.quantile(poster_inf, p)) for p in (0.2, 0.3, 0.9, 0.97)}
    act_q60 = float(np.quantile(activity[poster], 0.6))
    ordinary = (
        poster & established & (influence >= q[0.2]) & (influence <= q[0.9]) & (activity >= act_q60)
    )

    def pick(kk: int, mask: np.ndarray, net: int | None = None) -> np.ndarray:
        ok = mask & ~used
        if net is not None:
            ok &= on_net[net]
        cand = np.flatnonzero(ok)
        chosen = rng.permutation(cand)[:kk] if len(cand) else cand
        used[chosen] = True
        return np.sort(chosen)

    def pick_one(mask: np.ndarray) -> int:
        got = pick(1, mask)
        if not len(got):
            got = pick(1, poster & established)
        return int(got[0])

    groups: list[_Group] = []
    extra: dict[str, list[Any]] = {
        k_: [] for k_ in ("kind", "home", "created", "scen", "start", "group")
    }
    next_acc = n

    def accounts(kk: int, kd: int, net: np.ndarray | int, cr: np.ndarray, scen: int, gs: int, g):
        nonlocal next_acc
        extra["kind"].append(np.full(kk, kd))
        extra["home"].append(np.broadcast_to(np.asarray(net), (kk,)).copy())
        extra["created"].append(np.asarray(cr, dtype=np.int64))
        extra["scen"].append(np.full(kk, scen))
        extra["start"].append(np.full(kk, gs))
        extra["group"].extend([g] * kk)
        idx = np.arange(next_acc, next_acc + kk)
        next_acc += kk
        return idx

    def label(idx: np.ndarray, scen: int, rl: int, gs: int, gid: str | None) -> None:
        scenario[idx], role[idx], gaming_start[idx] = scen, rl, gs
        for i in idx.tolist():
            group[i] = gid

    def size(lo_: int, hi_: int, cap_share: float) -> int:
        """A group size drawn log-uniformly, its top shrunk in small worlds."""
        top = max(lo_ * 1.5, min(hi_, cap_share * n))
        return int(np.exp(rng.uniform(np.log(lo_), np.log(top))))

    def age_created(gs: int, a_lo: int, a_hi: int, kk: int) -> np.ndarray:
        c = gs - rng.integers(a_lo, a_hi + 1, kk)
        return np.where(c < 0, -1, c)

    # gaming -----------------------------------------------------------------------------------
    for i in range(count(3)):
        s, gid = start(), f"bought_followers-{i}"
        cust = pick_one(ordinary)
        kk = size(200, 3000, 0.15)
        net = int(home[cust])
        cr = s - rng.integers(0, 4, kk)
        acc = accounts(kk, NEW_FOLLOWER, net, cr, 1, s, gid)
        label(np.array([cust]), 1, 1, s, gid)
        span_h = float(rng.uniform(1, 6))
        groups.append(
            _Group(
                "bought_followers",
                gid,
                s,
                {"follows": kk, "span_hours": span_h},
                np.array([cust]),
                acc,
                {"net": net, "span_h": span_h},
            )
        )

    for i in range(count(2)):
        gid = f"drip_followers-{i}"
        n_cust = int(rng.integers(3, 6))
        custs = pick(n_cust, ordinary)
        pool_n = size(150, 2500, 0.12)
        starts = [start() for _ in custs]
        s0 = min(starts) if starts else start()
        cr = age_created(s0, 14, 56, pool_n)
        acc = accounts(pool_n, AGED_FOLLOWER, home[custs[0]], cr, 2, s0, gid)
        plan = []
        for c, sc in zip(custs.tolist(), starts, strict=True):
            kk = max(100, min(pool_n, int(pool_n * rng.uniform(0.6, 0.95))))
            kk = min(kk, pool_n)
            dur = int(min(rng.integers(3, 15), days - sc))
            who = rng.choice(acc, size=kk, replace=False)
            fday = sc + rng.integers(0, max(1, dur), kk)
            plan.append({"customer": c, "start": sc, "days": dur, "who": who, "day": fday})
            label(np.array([c]), 2, 1, sc, gid)
        camo_p = float(rng.uniform(0.6, 0.95))
        groups.append(
            _Group(
                "drip_followers",
                gid,
                s0,
                {
                    "pool": pool_n,
                    "camouflage_day_share": camo_p,
                    "customers": [
                        {"follows": len(p["who"]), "start": p["start"], "days": p["days"]}
                        for p in plan
                    ],
                },
                custs,
                acc,
                {"plan": plan, "camo_p": camo_p},
            )
        )

    for i in range(count(2)):
        s, gid = start(), f"like_farm-{i}"
        custs = pick(int(rng.integers(2, 7)), ordinary)
        kk = size(40, 400, 0.02)
        cr = s - rng.integers(1, 6, kk)
        acc = accounts(kk, BOT, rng.integers(0, k, kk), cr, 3, s, gid)
        label(custs, 3, 1, s, gid)
        p_like = float(rng.uniform(0.9, 1.0))
        max_delay = float(rng.uniform(5, 30)) * 60
        groups.append(
            _Group(
                "like_farm",
                gid,
                s,
                {
                    "bots": kk,
                    "customers": len(custs),
                    "like_share": p_like,
                    "max_delay_s": max_delay,
                },
                custs,
                acc,
                {"p": p_like, "max_delay": max_delay},
            )
        )

    for i in range(count(2)):
        s, gid = start(), f"camouflaged_farm-{i}"
        custs = pick(int(rng.integers(2, 7)), ordinary)
        kk = size(50, 400, 0.02)
        cr = age_created(s, 21, 200, kk)
        acc = accounts(kk, BOT, rng.integers(0, k, kk), cr, 4, s, gid)
        label(custs, 4, 1, s, gid)
        frac = sorted(rng.uniform(0.4, 0.9, 2).tolist())
        max_delay = float(rng.uniform(10, 60)) * 60
        camo = sorted(rng.integers(5, 31, 2).tolist())
        groups.append(
            _Group(
                "camouflaged_farm",
                gid,
                s,
                {
                    "bots": kk,
                    "customers": len(custs),
                    "subset_share": frac,
                    "max_delay_s": max_delay,
                    "camouflage_per_day": camo,
                },
                custs,
                acc,
                {"frac": frac, "max_delay": max_delay, "camo": camo},
            )
        )

    for i in range(count(6)):
        s, gid = start(), f"sock_puppets-{i}"
        owner = np.array([pick_one(ordinary)])
        kk = int(rng.integers(2, 26))
        cr = age_created(s, 3, 60, kk)
        acc = accounts(kk, PUPPET, home[owner[0]], cr, 5, s, gid)
        label(owner, 5, 1, s, gid)
        p = float(rng.uniform(0.6, 0.95))
        mean_delay = float(np.exp(rng.uniform(np.log(300), np.log(3 * 3600))))
        groups.append(
            _Group(
                "sock_puppets",
                gid,
                s,
                {"puppets": kk, "answer_share": p, "mean_delay_s": mean_delay},
                owner,
                acc,
                {"p": p, "mean_delay": mean_delay},
            )
        )

    for i in range(count(4)):
        s, gid = start(), f"engagement_pod-{i}"
        net = int(rng.choice(k, p=share))
        members = pick(int(rng.integers(5, 41)), ordinary, net=net)
        if len(members) < 3:
            used[members] = False
            continue
        label(members, 6, 3, s, gid)
        p = float(rng.uniform(0.6, 0.95))
        max_delay = float(rng.uniform(1, 30)) * 60
        groups.append(
            _Group(
                "engagement_pod",
                gid,
                s,
                {
                    "members": len(members),
                    "network": fam.networks[net],
                    "answer_share": p,
                    "max_delay_s": max_delay,
                },
                members,
                extra={"p": p, "max_delay": max_delay},
            )
        )

    # gamers post regularly: that is what they pay for
    gamer = role > 0
    p_on[gamer] = np.maximum(p_on[gamer], 0.7)
    floor = max(0.7, float(np.quantile(activity[poster], 0.75)))
    activity[gamer] = np.maximum(activity[gamer], floor)

    # honest look-alikes ------------------------------------------------------------------------
    honest_ok = poster & established

    def look(idx: np.ndarray, lk: int, rl: int, gid: str | None) -> None:
        lookalike[idx], lk_role[idx] = lk, rl
        for i in idx.tolist():
            group[i] = gid

    for i in range(count(5)):
        s, gid = start(), f"friend_clique-{i}"
        net = int(rng.choice(k, p=share))
        # friends who post often enough to have something to react to every day
        chatty = honest_ok & (influence <= q[0.9]) & (activity >= act_q60)
        members = pick(int(rng.integers(4, 16)), chatty, net=net)
        if len(members) < 3:
            used[members] = False
            continue
        look(members, 2, 1, gid)
        p_on[members] = np.maximum(p_on[members], 0.7)
        p = float(rng.uniform(0.6, 0.9))
        median_h = float(rng.uniform(1, 6))
        groups.append(
            _Group(
                "friend_clique",
                gid,
                s,
                {"members": len(members), "answer_share": p, "median_delay_h": median_h},
                members,
                extra={"p": p, "median_h": median_h},
            )
        )

    for i in range(count(3)):
        s, gid = start(), f"superfan_club-{i}"
        creator = pick(1, honest_ok & (influence >= q[0.97]))
        if not len(creator):
            continue
        net = int(home[creator[0]])
        fans_ = pick(size(30, 300, 0.05), honest_ok, net=net)
        activity[creator] = np.maximum(activity[creator], 1.0)
        p_on[creator] = 1.0
        look(creator, 3, 1, gid)
        look(fans_, 3, 2, gid)
        p_like, p_share = float(rng.uniform(0.85, 0.98)), float(rng.uniform(0.1, 0.4))
        delay = float(rng.uniform(1, 10)) * 60
        groups.append(
            _Group(
                "superfan_club",
                gid,
                s,
                {
                    "fans": len(fans_),
                    "network": fam.networks[net],
                    "like_share": p_like,
                    "share_share": p_share,
                    "mean_delay_s": delay,
                },
                creator,
                fans_,
                {"p_like": p_like, "p_share": p_share, "delay": delay},
            )
        )

    for i in range(count(2)):
        s, gid = start(), f"celebrity_newcomer-{i}"
        cand = pick(1, poster & ~established & (created >= 0))
        if not len(cand):
            cand = pick(1, poster)
        (c,) = cand
        created[c] = s
        base_inf[c] = float(np.quantile(base_inf, 0.995)) * rng.uniform(1, 3)
        inf_net[:, c] = base_inf[c] * on_net[:, c]
        influence[c] = (net_w[:, c] * inf_net[:, c]).sum()
        activity[c], p_on[c] = max(activity[c], float(rng.uniform(1, 3))), 1.0
        fans[c] = max(fans[c], 200)
        net = int(home[c])
        crowd = pick(size(300, 5000, 0.2), established, net=net)
        look(np.array([c]), 4, 1, gid)
        look(crowd, 4, 2, gid)
        span_h = float(rng.uniform(1, 8))
        groups.append(
            _Group(
                "celebrity_newcomer",
                gid,
                s,
                {"crowd": len(crowd), "follow_span_h": span_h, "influence": float(base_inf[c])},
                np.array([c]),
                crowd,
                {"span_h": span_h, "net": net},
            )
        )

    # volume posters: an ordinary rate until their start day, then 5-15 times it
    typical = float(np.median(activity[poster]))
    vol_mult, vol_start = np.ones(n), np.full(n, -1, dtype=np.int64)
    for i in range(max(5, count(20))):
        s = start()
        v = pick(1, honest_ok & (influence <= q[0.3]))
        if not len(v):
            continue
        mult = float(rng.uniform(5, 15))
        activity[v], p_on[v] = typical, 1.0
        vol_mult[v], vol_start[v] = mult, s
        look(v, 5, 1, f"volume_poster-{i}")
        groups.append(_Group("volume_poster", f"volume_poster-{i}", s, {"rate_multiple": mult}, v))

    viral = pick(count(20), poster & established & (influence <= q[0.9]))
    viral_boost = np.zeros(n)
    viral_spread = np.zeros(n)
    viral_boost[viral] = np.exp(rng.uniform(np.log(50), np.log(500), len(viral)))
    viral_spread[viral] = rng.uniform(1, 8, len(viral))
    viral_day[viral] = rng.integers(lo, hi + 1, len(viral))
    kind[viral] = VIRAL
    scenario[viral] = 7
    lookalike[viral], lk_role[viral] = 1, 1
    p_on[viral] = np.maximum(p_on[viral], 0.5)
    params["viral"] = [
        {
            "day": int(viral_day[v]),
            "boost": float(viral_boost[v]),
            "spread_h": float(viral_spread[v]),
        }
        for v in viral.tolist()
    ]

    news_day = int(rng.integers(lo, hi + 1))
    news_topic = int(rng.integers(0, len(TOPICS)))
    news_mult = float(rng.uniform(4, 10))
    params["news"] = {"day": news_day, "topic": TOPICS[news_topic], "multiple": news_mult}

    # all accounts -----------------------------------------------------------------------------
    n_total = next_acc
    k_extra = n_total - n

    def cat(a: np.ndarray, key: str) -> np.ndarray:
        return np.concatenate([a, *extra[key]]) if extra[key] else a

    ids = _user_ids(rng, fam.id_shape, n_total)
    assert ids.is_unique().all(), "user ids must be unique"
    pad = np.full(k_extra, -1)
    params["groups"] = [
        {"group_id": g.gid, "kind": g.kind, "start": g.start, **g.params} for g in groups
    ]
    return _World(
        fam=fam,
        family=family,
        n=n,
        n_total=n_total,
        k=k,
        ids=ids,
        offset=rng.choice(_WORLD_OFFSETS, size=n_total),
        created=cat(created, "created"),
        # fake accounts are made in the small hours, before whatever they do that day
        created_sec=np.concatenate([created_sec, rng.integers(0, 3600, k_extra)]),
        kind=cat(kind, "kind"),
        scenario=cat(scenario, "scen"),
        role=np.concatenate([role, np.full(k_extra, 2)]),
        gaming_start=cat(gaming_start, "start"),
        viral_day=np.concatenate([viral_day, pad]),
        group=group + extra["group"],
        lookalike=np.concatenate([lookalike, np.zeros(k_extra, np.int64)]),
        lookalike_role=np.concatenate([lk_role, np.zeros(k_extra, np.int64)]),
        influence=np.concatenate([influence, np.zeros(k_extra)]),
        activity=np.concatenate([activity, np.zeros(k_extra)]),
        home=cat(home, "home"),
        second=np.concatenate([second, pad]),
        inf_net=inf_net,
        net_w=net_w,
        on_net=on_net,
        poster=poster,
        primary=primary,
        focused=focused,
        topic_set=topic_set,
        like_p=like_p,
        reply_p=reply_p,
        share_p=share_p,
        p_on=p_on,
        p_cross=p_cross,
        fans=fans,
        params=params,
        groups=groups,
        viral_boost=viral_boost,
        viral_spread_h=viral_spread,
        vol_mult=vol_mult,
        vol_start=vol_start,
        news_day=news_day,
        news_topic=news_topic,
        news_mult=news_mult,
    )


# ----------------------------------------------------------------------------- one day


@dataclass
class _State:
    followers: np.ndarray
    items: np.ndarray  # (k, n) content items authored so far, per network
    edge_key: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    edge_net: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def _pools(w: _World, st: _State, d: int) -> _Pools:
    """Today's weighted samplers per (pool, network, topic) over live organic accounts."""
    n = w.n
    cr = w.created[:n]
    live = cr <= d
    est = (cr < 0) | (cr <= d - 14)
    by = w.fam.follow_by
    if by == "influence":
        fw = w.inf_net
    elif by == "activity":  # people follow whom they see a lot
        fw = (st.items + 0.3) * w.on_net
    else:
        fw = (st.followers[None, :n] + 1.0) * (0.3 + w.inf_net) * w.on_net
    weights = (
        (w.like_p, live),
        (w.reply_p, live & w.poster),
        (w.share_p, live & w.poster),
        (None, live & w.poster),
        (w.like_p, est),
        (None, live),
    )
    # members sorted by primary topic once, so each topic slot is a slice
    order = np.argsort(w.primary, kind="stable")
    bounds = np.searchsorted(w.primary[order], np.arange(len(TOPICS) + 1))
    groups: list[tuple[np.ndarray, np.ndarray]] = []
    empty = (np.empty(0, np.int64), np.empty(0))
    for p, (wt, mask) in enumerate(weights):
        for net in range(w.k):
            if p == _P_MENTIONED:
                wv = w.inf_net[net]
            elif p == _P_FOLLOWED:
                wv = fw[net]
            else:
                wv = wt
            m = mask & w.on_net[net]
            topical = p in (_P_LIKE, _P_REPLY, _P_SHARE)
            for t in range(_NT):
                if t < len(TOPICS):
                    if not topical:
                        groups.append(empty)
                        continue
                    idx = order[bounds[t] : bounds[t + 1]]
                    idx = idx[m[idx]]
                else:
                    idx = np.flatnonzero(m)
                groups.append((idx, wv[idx]))
    return _Pools(groups)


def _pid(w: _World, pool: int, net: np.ndarray | int, topic: np.ndarray | int) -> np.ndarray:
    return (pool * w.k + np.asarray(net)) * _NT + np.asarray(topic)


def _sample(
    w: _World, pools: _Pools, rng: np.random.Generator, pool: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw from each row's pool, falling back to its any-topic slot; also says which succeeded."""
    any_slot = pool - (pool % _NT) + _ANY
    pool = np.where(pools.empty[pool], any_slot, pool)
    ok = ~pools.empty[pool]
    out = np.full(len(pool), -1, dtype=np.int64)
    if ok.any():
        out[ok] = pools.sample(rng, pool[ok])
    return out, ok


def _topics_for(
    w: _World, rng: np.random.Generator, author: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """0-3 topics a post: focused users stay on their topic, broad ones roam their set."""
    p_n = len(author)
    cnt = rng.choice(4, size=p_n, p=[0.1, 0.5, 0.28, 0.12])
    foc = w.focused[author]
    t = np.empty((3, p_n), dtype=np.int64)
    t[0] = np.where(
        foc & (rng.random(p_n) < 0.85),
        w.primary[author],
        w.topic_set[author, rng.integers(0, 6, p_n)],
    )
    for j in (1, 2):
        t[j] = np.where(
            rng.random(p_n) < 0.6,
            w.topic_set[author, rng.integers(0, 6, p_n)],
            rng.integers(0, len(TOPICS), p_n),
        )
    t[1] = np.where(t[1] == t[0], -1, t[1])
    t[2] = np.where((t[2] == t[0]) | (t[2] == t[1]), -1, t[2])
    for j in range(3):
        t[j] = np.where(cnt > j, t[j], -1)
    return t[0], t[1], t[2]


def _reactions(
    w: _World,
    pools: _Pools,
    rng: np.random.Generator,
    counter: _Counter,
    ev: _Ev,
    items: dict[str, np.ndarray],
    lam: np.ndarray,
    d: int,
    day0: int,
    spread_h: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Organic reactions to `items`; returns the replies and shares they made (new items)."""
    n_it = len(items["key"])
    cap = 0.3 * np.array(
        [
            pools.end[_pid(w, _P_LIKE, x, _ANY)] - pools.begin[_pid(w, _P_LIKE, x, _ANY)]
            for x in range(w.k)
        ]
    )
    cnt = rng.poisson(np.minimum(lam, cap[items["net"]]) if n_it else lam)
    j = np.repeat(np.arange(n_it), cnt)
    r = len(j)
    action = rng.choice([LIKE, SHARE, REPLY, MENTION], size=r, p=w.fam.mix)
    author, net = items["actor"][j], items["net"][j]
    wide = (spread_h[j] > 0) if spread_h is not None else np.zeros(r, dtype=bool)
    pool_kind = np.select([action == LIKE, action == SHARE], [_P_LIKE, _P_SHARE], default=_P_REPLY)
    pool_kind = np.where(wide, _P_ESTABLISHED, pool_kind)
    same_topic = (rng.random(r) < 0.3) & ~wide & (items["t1"][j] >= 0)
    topic = np.where(same_topic, items["t1"][j], _ANY)
    actor, ok = _sample(w, pools, rng, _pid(w, pool_kind, net, topic))
    if w.family == "young":
        # most reactions come from the author's loyal engagers, the same faces every time
        loyal = (rng.random(r) < w.params["loyal_share"]) & ~wide
        fan_ok = np.zeros(r, dtype=bool)
        # a fan whose account does not exist yet is skipped for another of the author's fans
        for _ in range(3):
            slot = (rng.random(r) * w.fans[author]).astype(np.int64)
            key = (author * np.int64(1_000_003) + slot).astype(np.uint64) ^ np.uint64(0xF4F4)
            fan = (_mix64(key) % np.uint64(w.n)).astype(np.int64)
            hit = loyal & ~fan_ok & (w.created[fan] <= d) & w.on_net[net, fan]
            actor = np.where(hit, fan, actor)
            fan_ok |= hit
        ok |= fan_ok
    ok &= actor != author
    dedup = (j * np.int64(w.n_total) + np.maximum(actor, 0)) * 8 + action
    first = np.zeros(r, dtype=bool)
    first[np.unique(dedup, return_index=True)[1]] = True
    keep = np.flatnonzero(ok & first)
    j, action, actor, wide = j[keep], action[keep], actor[keep], wide[keep]
    if spread_h is not None:
        spread = spread_h[j] * 3600 * rng.exponential(0.5, len(j))
        delay = np.where(wide, 60 + spread, _delay_seconds(rng, len(j))).astype(np.int64)
    else:
        delay = _delay_seconds(rng, len(j))
    carry = ((action == SHARE) & (rng.random(len(j)) < 0.6)) | (
        (action == REPLY) & (rng.random(len(j)) < 0.3)
    )
    ts = _after_birth(w, actor, items["ts"][j] + delay * _US, d, day0)
    t = {c: np.where(carry, items[c][j], -1) for c in ("t1", "t2", "t3")}
    keys = ev.add(
        counter,
        ts=ts,
        net=items["net"][j],
        actor=actor,
        action=action,
        tuser=items["actor"][j],
        tpost=np.where(action == MENTION, -1, items["key"][j]),
        **t,
    )
    made = np.flatnonzero((action == REPLY) | (action == SHARE))
    return {
        "key": keys[made],
        "ts": ts[made],
        "net": items["net"][j][made],
        "actor": actor[made],
        "action": action[made],
        **{c: v[made] for c, v in t.items()},
    }


def _after_birth(w: _World, who: np.ndarray, ts: np.ndarray, d: int, day0: int) -> np.ndarray:
    """Timestamps moved after the creation of accounts created today (never before it)."""
    born_today = w.created[who] == d
    return np.where(born_today, np.maximum(ts, day0 + (w.created_sec[who] + 30) * _US), ts)


def _crew(
    ev: _Ev,
    counter: _Counter,
    rng: np.random.Generator,
    w: _World,
    posts: dict[str, np.ndarray],
    post_idx: np.ndarray,
    crew: np.ndarray,
    probs: dict[int, float],
    delay: Callable[[int], np.ndarray],
    one_action: bool = False,
) -> None:
    """Crew members react to the chosen posts (on networks they are on), `delay` seconds later."""
    if len(post_idx) == 0 or len(crew) == 0:
        return
    j = np.repeat(post_idx, len(crew))
    a = np.tile(crew, len(post_idx))
    keep = a != posts["actor"][j]
    organic = a < w.n
    keep &= ~organic | w.on_net[posts["net"][j], np.where(organic, a, 0)]
    j, a = j[keep], a[keep]
    if one_action:  # an answer: one of the actions, chosen by weight, with probability total
        acts = np.array(list(probs))
        pw = np.array(list(probs.values()))
        total = min(1.0, float(pw.sum()))
        hit = rng.random(len(j)) < total
        j, a = j[hit], a[hit]
        chosen = rng.choice(acts, size=len(j), p=pw / pw.sum())
        plan = [(int(x), chosen == x) for x in acts]
    else:
        plan = [(x, rng.random(len(j)) < p) for x, p in probs.items()]
    for action, hit in plan:
        jj, aa = j[hit], a[hit]
        ev.add(
            counter,
            ts=posts["ts"][jj] + delay(len(jj)) * _US,
            net=posts["net"][jj],
            actor=aa,
            action=action,
            tuser=posts["actor"][jj],
            tpost=-1 if action == MENTION else posts["key"][jj],
        )


def _popular_likes(
    ev: _Ev,
    counter: _Counter,
    rng: np.random.Generator,
    w: _World,
    posts: dict[str, np.ndarray],
    actors: np.ndarray,
    follow_share: float,
    day0: int,
    d: int,
) -> None:
    """Camouflage: likes of today's popular posts and follows of popular accounts.

    Never of the gaming's own customers or members: camouflage is spent on strangers.
    """
    if len(actors) == 0 or len(posts["key"]) == 0:
        return
    pw = w.inf_net[posts["net"], posts["actor"]] ** 1.5 * (w.role[posts["actor"]] == 0)
    cw = np.cumsum(pw)
    if cw[-1] <= 0:
        return
    fol = rng.random(len(actors)) < follow_share
    a = actors[~fol]
    j = np.minimum(np.searchsorted(cw, rng.random(len(a)) * cw[-1], side="right"), len(cw) - 1)
    ev.add(
        counter,
        ts=posts["ts"][j] + _delay_seconds(rng, len(a)) * _US,
        net=posts["net"][j],
        actor=a,
        action=LIKE,
        tuser=posts["actor"][j],
        tpost=posts["key"][j],
    )
    a = actors[fol]
    top = w.params["popular"]
    top = top[w.created[top] <= d]
    tgt = top[rng.integers(0, len(top), len(a))]
    nets = np.argmax(w.on_net[:, tgt], axis=0) if len(a) else np.empty(0, np.int64)
    ev.add(
        counter,
        ts=day0 + _diurnal_seconds(rng, len(a)) * _US,
        net=nets,
        actor=a,
        action=FOLLOW,
        tuser=tgt,
    )


def _simulate_day(
    w: _World, st: _State, d: int, day0: int, rng: np.random.Generator, counter: _Counter
) -> dict[str, np.ndarray]:
    ev = _Ev()
    n = w.n
    live = w.created[:n] <= d
    news = d == w.news_day
    pools = _pools(w, st, d)

    # original posts ---------------------------------------------------------------------------
    posters = np.flatnonzero(w.poster & live)
    on = rng.random(len(posters)) < w.p_on[posters]
    rate = np.where(on, w.activity[posters] / w.p_on[posters], 0.0)
    vs = w.vol_start[posters]
    rate *= np.where((vs >= 0) & (d >= vs), w.vol_mult[posters], 1.0)
    if w.family == "young":  # bursts, for all but the regular posters (gamers, creators)
        burst = rng.lognormal(-0.5, 1.0, len(posters))
        rate *= np.where(w.p_on[posters] < 0.7, burst, 1.0)
    author = np.repeat(posters, rng.poisson(rate))
    t1, t2, t3 = _topics_for(w, rng, author)
    if news:  # the topic of the day: everyone adds posts on it
        extra = np.repeat(posters, rng.poisson(w.activity[posters] * (w.news_mult - 1) * 0.08))
        e1, e2, e3 = _topics_for(w, rng, extra)
        author = np.concatenate([author, extra])
        t1 = np.concatenate([t1, np.full(len(extra), w.news_topic)])
        t2 = np.concatenate([t2, np.where(e1 == w.news_topic, e2, e1)])
        t3 = np.concatenate([t3, e3])
    viral_today = np.flatnonzero((w.viral_day[:n] == d) & live)
    v1, v2, v3 = _topics_for(w, rng, viral_today)
    author = np.concatenate([author, viral_today])
    t1, t2, t3 = (np.concatenate(x) for x in ((t1, v1), (t2, v2), (t3, v3)))
    boost = np.concatenate([np.ones(len(author) - len(viral_today)), w.viral_boost[viral_today]])
    spread = np.concatenate(
        [np.zeros(len(author) - len(viral_today)), w.viral_spread_h[viral_today]]
    )
    p_n = len(author)
    cum = np.cumsum(w.net_w[:, author], axis=0)
    net = np.minimum((cum < rng.random(p_n)[None, :]).sum(axis=0), w.k - 1)
    sec = _diurnal_seconds(rng, p_n)
    # a viral post goes out early enough for its hours of spread to land mostly today
    sec = np.where(boost > 1, rng.integers(6 * 3600, 14 * 3600, p_n), sec)
    ts = _after_birth(w, author, day0 + sec * _US, d, day0)
    if w.family == "crossnet":
        # the same content, posted again to the author's other networks a few minutes later
        parts_a, parts_n, parts_ts, parts_t, parts_b, parts_s = (
            [author],
            [net],
            [ts],
            [],
            [boost],
            [spread],
        )
        src = np.arange(p_n)
        for x in range(w.k):
            c = np.flatnonzero(
                w.on_net[x, author] & (net != x) & (rng.random(p_n) < w.p_cross[author])
            )
            parts_a.append(author[c])
            parts_n.append(np.full(len(c), x))
            parts_ts.append(ts[c] + rng.integers(30, 1800, len(c)) * _US)
            parts_t.append(c)
            parts_b.append(np.ones(len(c)))
            parts_s.append(np.zeros(len(c)))
        src = np.concatenate([src, *parts_t])
        author, net, ts = (np.concatenate(x) for x in (parts_a, parts_n, parts_ts))
        boost, spread = np.concatenate(parts_b), np.concatenate(parts_s)
        t1, t2, t3 = t1[src], t2[src], t3[src]
        p_n = len(author)
    pkey = ev.add(counter, ts=ts, net=net, actor=author, action=POST, t1=t1, t2=t2, t3=t3)
    posts = {"key": pkey, "ts": ts, "net": net, "actor": author, "t1": t1, "t2": t2, "t3": t3}

    # organic reactions ------------------------------------------------------------------------
    base = w.params["reactions_per_influence"]
    usual = base * w.inf_net[net, author]
    quality = rng.lognormal(-0.32, 0.8, p_n)
    lam = np.where(boost > 1, boost * np.maximum(usual, 1.5), usual * quality)
    lam *= 1.2 if news else 1.0
    made = _reactions(w, pools, rng, counter, ev, posts, lam, d, day0, spread)
    factors = w.params["item_factor"]
    if factors["reply"] > 0 or factors["share"] > 0:
        # replies and shares draw reactions of their own, by their author's influence
        f = np.where(made["action"] == REPLY, factors["reply"], factors["share"])
        lam2 = f * base * w.inf_net[made["net"], made["actor"]] * rng.lognormal(-0.32, 0.8, len(f))
        made2 = _reactions(w, pools, rng, counter, ev, made, lam2, d, day0)
        made = _cat(made, made2)
    np.add.at(st.items, (posts["net"], posts["actor"]), 1)
    np.add.at(st.items, (made["net"], made["actor"]), 1)

    # standalone mentions of influential accounts
    m = np.flatnonzero(rng.random(p_n) < 0.1)
    target, ok = _sample(w, pools, rng, _pid(w, _P_MENTIONED, net[m], _ANY))
    ok &= target != author[m]
    m, target = m[ok], target[ok]
    ev.add(
        counter,
        ts=ts[m] + rng.integers(0, 5, len(m)) * _US,
        net=net[m],
        actor=author[m],
        action=MENTION,
        tuser=target,
    )

    # follows and unfollows --------------------------------------------------------------------
    n_follow = int(rng.poisson(0.1 * live.sum() * (1.5 if news else 1.0)))
    f_net = rng.choice(w.k, size=n_follow, p=np.asarray(w.fam.net_share))
    f_actor, ok1 = _sample(w, pools, rng, _pid(w, _P_LIKE, f_net, _ANY))
    f_target, ok2 = _sample(w, pools, rng, _pid(w, _P_FOLLOWED, f_net, _ANY))
    _follow_and_unfollow(
        ev, counter, st, rng, w.n_total, day0, f_actor, f_target, f_net, ok1 & ok2, 0.04
    )

    _groups_day(w, st, d, day0, rng, counter, ev, posts)
    e = ev.arrays()
    # nobody acts before their account exists, nor is followed or named before it exists
    for col in ("actor", "tuser"):
        who = np.maximum(e[col], 0)
        e["ts"] = np.where(e[col] >= 0, _after_birth(w, who, e["ts"], d, day0), e["ts"])
    return e


def _groups_day(
    w: _World,
    st: _State,
    d: int,
    day0: int,
    rng: np.random.Generator,
    counter: _Counter,
    ev: _Ev,
    posts: dict[str, np.ndarray],
) -> None:
    author = posts["actor"]

    def live(acc: np.ndarray) -> np.ndarray:
        return acc[w.created[acc] <= d]

    def uniform(lo_s: float, hi_s: float) -> Callable[[int], np.ndarray]:
        return lambda m: rng.uniform(lo_s, hi_s, m).astype(np.int64)

    def loguniform(lo_s: float, hi_s: float) -> Callable[[int], np.ndarray]:
        return lambda m: np.exp(rng.uniform(np.log(lo_s), np.log(hi_s), m)).astype(np.int64)

    for g in w.groups:
        x = g.extra
        active = d >= g.start
        if g.kind == "bought_followers":
            if d != g.start:
                continue
            acc = g.accounts
            begin = int(rng.integers(2 * 3600, 16 * 3600))
            offs = np.sort(rng.random(len(acc)) ** 1.3 * x["span_h"] * 3600).astype(np.int64)
            ev.add(
                counter,
                ts=day0 + (begin + offs) * _US,
                net=x["net"],
                actor=acc,
                action=FOLLOW,
                tuser=g.subjects[0],
            )
            # a few of them leave one like: bought accounts do little else
            some = acc[rng.random(len(acc)) < 0.1]
            _popular_likes(ev, counter, rng, w, posts, some, 0.0, day0, d)
        elif g.kind == "drip_followers":
            acc = live(g.accounts)
            today = acc[rng.random(len(acc)) < x["camo_p"]]
            _popular_likes(
                ev,
                counter,
                rng,
                w,
                posts,
                np.repeat(today, rng.integers(1, 4, len(today))),
                0.3,
                day0,
                d,
            )
            for p in x["plan"]:
                who = p["who"][p["day"] == d]
                ev.add(
                    counter,
                    ts=day0 + rng.integers(0, 86_400, len(who)) * _US,
                    net=w.home[p["customer"]],
                    actor=who,
                    action=FOLLOW,
                    tuser=p["customer"],
                )
        elif g.kind == "like_farm":
            acc = live(g.accounts)
            idle = acc[rng.random(len(acc)) < 0.1]
            _popular_likes(ev, counter, rng, w, posts, idle, 0.0, day0, d)
            if active:
                pj = np.flatnonzero(np.isin(author, g.subjects))
                _crew(
                    ev,
                    counter,
                    rng,
                    w,
                    posts,
                    pj,
                    acc,
                    {LIKE: x["p"]},
                    loguniform(30, x["max_delay"]),
                )
        elif g.kind == "camouflaged_farm":
            acc = live(g.accounts)
            lo_c, hi_c = x["camo"]
            _popular_likes(
                ev,
                counter,
                rng,
                w,
                posts,
                np.repeat(acc, rng.integers(lo_c, hi_c + 1, len(acc))),
                0.2,
                day0,
                d,
            )
            if active:
                for j in np.flatnonzero(np.isin(author, g.subjects)).tolist():
                    f = rng.uniform(*x["frac"])
                    crew = acc[rng.random(len(acc)) < f]
                    _crew(
                        ev,
                        counter,
                        rng,
                        w,
                        posts,
                        np.array([j]),
                        crew,
                        {LIKE: 1.0},
                        uniform(60, x["max_delay"]),
                    )
        elif g.kind == "sock_puppets":
            acc = live(g.accounts)
            _popular_likes(
                ev, counter, rng, w, posts, acc[rng.random(len(acc)) < 0.3], 0.1, day0, d
            )
            if active:
                pj = np.flatnonzero(author == g.subjects[0])
                p = x["p"]
                md = x["mean_delay"]
                _crew(
                    ev,
                    counter,
                    rng,
                    w,
                    posts,
                    pj,
                    acc,
                    {SHARE: p * 0.7, REPLY: p * 0.6, MENTION: p * 0.4, LIKE: p * 0.5},
                    lambda m, md=md: (60 + rng.exponential(md, m)).astype(np.int64),
                )
                # and they talk their owner up between posts too
                a = np.repeat(acc, rng.poisson(0.3, len(acc)))
                owner = int(g.subjects[0])
                ev.add(
                    counter,
                    ts=day0 + _diurnal_seconds(rng, len(a)) * _US,
                    net=w.home[owner],
                    actor=a,
                    action=MENTION,
                    tuser=owner,
                )
        elif g.kind == "engagement_pod":
            if active:
                pj = np.flatnonzero(np.isin(author, g.subjects))
                _crew(
                    ev,
                    counter,
                    rng,
                    w,
                    posts,
                    pj,
                    g.subjects,
                    {LIKE: 0.6 * x["p"], REPLY: 0.25 * x["p"], SHARE: 0.15 * x["p"]},
                    uniform(30, x["max_delay"]),
                    one_action=True,
                )
        elif g.kind == "friend_clique":
            if active:
                pj = np.flatnonzero(np.isin(author, g.subjects))
                med = x["median_h"] * 3600
                _crew(
                    ev,
                    counter,
                    rng,
                    w,
                    posts,
                    pj,
                    g.subjects,
                    {LIKE: x["p"], REPLY: 0.4 * x["p"], SHARE: 0.1 * x["p"]},
                    lambda m, med=med: np.minimum(med * rng.lognormal(0, 0.7, m), 20 * 3600).astype(
                        np.int64
                    ),
                )
        elif g.kind == "superfan_club":
            if active:
                pj = np.flatnonzero(author == g.subjects[0])
                dl = x["delay"]
                _crew(
                    ev,
                    counter,
                    rng,
                    w,
                    posts,
                    pj,
                    g.accounts,
                    {LIKE: x["p_like"], SHARE: x["p_share"]},
                    lambda m, dl=dl: (20 + rng.exponential(dl, m)).astype(np.int64),
                )
        elif g.kind == "celebrity_newcomer":
            if d != g.start:
                continue
            crowd = g.accounts
            c = int(g.subjects[0])
            born = int(w.created_sec[c])
            offs = np.sort(rng.random(len(crowd)) ** 1.5 * x["span_h"] * 3600).astype(np.int64)
            ev.add(
                counter,
                ts=day0 + (born + 60 + offs) * _US,
                net=x["net"],
                actor=crowd,
                action=FOLLOW,
                tuser=c,
            )
            st.followers[c] += len(crowd)
            # the crowd now follows: organic follows must not repeat the edge
            st.edge_key = np.concatenate([st.edge_key, crowd * np.int64(w.n_total) + c])
            st.edge_net = np.concatenate([st.edge_net, np.full(len(crowd), x["net"])])


# ----------------------------------------------------------------------------- writing


def _sparse(keys: np.ndarray, has: np.ndarray, shape: str, salt: int) -> pl.Series:
    idx = np.flatnonzero(has)
    out = pl.Series(values=[None] * 0, dtype=pl.String).extend_constant(None, len(keys))
    if len(idx):
        out = out.scatter(idx, _content_ids(keys[idx], shape, salt))
    return out


def _render(w: _World, e: dict[str, np.ndarray], salt_e: int, salt_p: int) -> pl.DataFrame:
    key = e["key"].astype(np.uint64)
    action, tpost = e["action"], e["tpost"]
    no_post = (action != POST) & (action != REPLY) & (action != SHARE)
    shape = w.fam.post_shape
    eid = _uuid(key, salt_e) if shape == "uuid" else _hex("e", _mix64(key ^ np.uint64(salt_e)), 8)
    # content ids only where a row has one: most rows are likes and follows
    pid = _sparse(key, ~no_post, shape, salt_p)
    tpid = _sparse(np.maximum(tpost, 0).astype(np.uint64), tpost >= 0, shape, salt_p)
    zulu = (_mix64(key ^ np.uint64(salt_e ^ 0x5A5A)) & np.uint64(0xFF)) < np.uint64(40)
    off = np.where(zulu, 0, w.offset[e["actor"]])
    return pl.DataFrame(
        {
            "event_id": eid,
            "ts_us": e["ts"],
            "off": off,
            "zulu": zulu,
            "net": e["net"],
            "network": _lookup(pl.Series(w.fam.networks), e["net"]),
            "actor_id": _lookup(w.ids, e["actor"]),
            "action": _lookup(pl.Series(ACTIONS), action),
            "target_user_id": _lookup(w.ids, e["tuser"]),
            "target_post_id": tpid,
            "post_id": pid,
            "topics": _topics3(e["t1"], e["t2"], e["t3"]),
        }
    )


def _write_day(
    w: _World,
    day_dir: Path,
    frame: pl.DataFrame,
    rng: np.random.Generator,
    counter: _Counter,
    salt_e: int,
    rates: tuple[float, float],
    pool: ThreadPoolExecutor,
) -> tuple[list[Path], int, int]:
    """Write the day's files; rendering and compression run in threads (they release the GIL),
    the dirt is drawn in file order on this thread, so the bytes do not depend on scheduling."""
    files: list[Path] = []
    jobs: list[tuple[Path, str, Future[Any]]] = []
    shard = (frame["ts_us"] // 1_000_003 % w.fam.shards).to_numpy() if w.fam.shards > 1 else None
    slot = 0
    for k_net, name in enumerate(w.fam.networks):
        part_net = frame.filter(pl.col("net") == k_net)
        sh = shard[frame["net"].to_numpy() == k_net] if shard is not None else None
        for s in range(w.fam.shards):
            fmt = w.fam.formats[slot % len(w.fam.formats)]
            slot += 1
            part = part_net if sh is None else part_net.filter(pl.Series(sh == s))
            path = day_dir / (f"{name}.{fmt}" if w.fam.shards == 1 else f"{name}-{s}.{fmt}")
            task = _write_parquet if fmt == "parquet" else _json_lines_for
            jobs.append((path, fmt, pool.submit(task, path, part)))
            files.append(path)
    bad = dup = 0
    writes = []
    for path, fmt, job in jobs:
        lines = job.result()
        if fmt == "parquet":
            continue
        body, b, u = _dirty(lines, rng, counter, salt_e, *rates)
        bad, dup = bad + b, dup + u
        writes.append(pool.submit(_write_jsonl, path, body, fmt == "jsonl.gz"))
    for job in writes:
        job.result()
    return files, bad, dup


def _json_lines_for(path: Path, part: pl.DataFrame) -> list[bytes]:
    return _json_lines(part)


def _write_jsonl(path: Path, body: bytes, compress: bool) -> None:
    if compress:
        body = gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0)
    engine.write_bytes(path, body)


def _write_truth(root: Path, w: _World, start: date, day_rows: list[dict[str, Any]]) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)

    def as_date(col: np.ndarray) -> pl.Series:
        days = np.datetime64(start, "D") + np.maximum(col, 0)
        return pl.Series(days.astype("datetime64[D]")).set(pl.Series(col < 0), None)

    def names(values: tuple[str, ...], col: np.ndarray) -> pl.Series:
        return pl.Series(np.array(values)[np.maximum(col, 0)]).set(pl.Series(col < 0), None)

    n, pad = w.n, np.full(w.n_total - w.n, -1)
    fake = pl.Series(np.arange(w.n_total) >= n)
    users = pl.DataFrame(
        {
            "user_id": w.ids,
            "influence": w.influence,
            "activity": w.activity,
            "kind": names(KINDS, w.kind),
            "home_network": names(w.fam.networks, w.home),
            "primary_topic": names(TOPICS, np.concatenate([w.primary, pad])),
            "focused": pl.Series(np.concatenate([w.focused, np.zeros(len(pad), bool)])).set(
                fake, None
            ),
            "scenario": names(SCENARIOS, w.scenario),
            "role": names(ROLES, w.role),
            "gaming_start": as_date(w.gaming_start),
            "viral_day": as_date(w.viral_day),
            "second_network": names(w.fam.networks, w.second),
            "group_id": pl.Series(w.group, dtype=pl.String),
            "lookalike": names(LOOKALIKES, w.lookalike),
            "lookalike_role": names(LOOKALIKE_ROLES, w.lookalike_role),
            "created": as_date(w.created),
        }
    )
    days_df = pl.DataFrame(
        day_rows,
        schema={
            "date": pl.Date,
            "news_day": pl.Boolean,
            "events_written": pl.Int64,
            "bad_rows_injected": pl.Int64,
            "duplicate_rows_injected": pl.Int64,
            "late_events": pl.Int64,
        },
    )
    out = []
    for name, df in (("users.parquet", users), ("days.parquet", days_df)):
        path = root / name
        _write_parquet_plain(path, df)
        out.append(path)
    return out


# ----------------------------------------------------------------------------- entry point


def generate_world(
    data_root: Path,
    family: str,
    users: int,
    days: int,
    start: date,
    seed: int,
    progress: Callable[[str], None] | None = None,
    *,
    bad_rate: float = 0.0005,
    duplicate_rate: float = 0.0005,
) -> GenerateSummary:
    """Write a world of `family` (one of FAMILIES): `days` daily dumps and the truth.

    Same arguments give byte-identical files.
    """
    if family not in _FAMILY:
        raise ValueError(f"unknown family {family!r}: one of {', '.join(FAMILIES)}")
    if users < 100:
        raise ValueError("users must be at least 100")
    if days < 1:
        raise ValueError("days must be at least 1")
    data_root = Path(data_root)
    fam_no = FAMILIES.index(family) + 1
    world_rng = np.random.default_rng([seed, fam_no, 0])
    w = _build(family, users, days, world_rng)
    w.params["reactions_per_influence"] = float(world_rng.uniform(2.5, 4.5))
    w.params["loyal_share"] = float(world_rng.uniform(0.65, 0.9)) if family == "young" else 0.0
    w.params["item_factor"] = {
        "conversation": {
            "reply": float(world_rng.uniform(0.2, 0.5)),
            "share": float(world_rng.uniform(0.3, 0.6)),
        },
        "crossnet": {"reply": 0.0, "share": float(world_rng.uniform(0.05, 0.2))},
    }.get(family, {"reply": 0.0, "share": 0.0})
    # camouflage targets: the accounts everyone can see are popular
    top_n = max(10, w.n // 50)
    w.params["popular"] = np.argsort(-w.influence[: w.n], kind="stable")[:top_n]
    salts = np.random.default_rng([seed, fam_no, 1]).integers(0, 2**62, size=2)
    salt_e, salt_p = int(salts[0]), int(salts[1])

    st = _State(followers=np.zeros(w.n_total), items=np.zeros((w.k, w.n)))
    counter = _Counter()
    carry = _Ev().arrays()
    files: list[Path] = []
    day_rows: list[dict[str, Any]] = []
    totals = {"events": 0, "bad": 0, "dup": 0, "late": 0}
    # rendering and compressing files in threads: polars, zstd and zlib release the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        for d in range(days):
            t0 = time.perf_counter()
            day = start + timedelta(days=d)
            day0 = _day_us(day)
            rng = np.random.default_rng([seed, fam_no, 2, d])
            e = _simulate_day(w, st, d, day0, rng, counter)
            day_end = day0 + _DAY_US
            after = e["ts"] >= day_end
            late_arrival = (
                (e["ts"] >= day_end - _LATE_WINDOW_US)
                & ~after
                & np.isin(e["action"], (REPLY, SHARE, LIKE, MENTION))
                & (e["tpost"] >= 0)
                & (rng.random(len(e["ts"])) < _LATE_SHARE)
                & (d < days - 1)
            )
            nxt = after | late_arrival
            today = _cat(carry, _take(e, np.flatnonzero(~nxt)))
            carry = _take(e, np.flatnonzero(nxt))
            today = _take(today, np.lexsort((today["key"], today["ts"])))
            late = int((today["ts"] < day0).sum())

            day_dir = data_root / "landing" / f"dt={day.isoformat()}"
            if day_dir.exists():
                shutil.rmtree(day_dir)
            day_dir.mkdir(parents=True)
            frame = _render(w, today, salt_e, salt_p)
            written, bad, dup = _write_day(
                w, day_dir, frame, rng, counter, salt_e, (bad_rate, duplicate_rate), pool
            )
            files.extend(written)
            (day_dir / "_SUCCESS").write_bytes(b"")
            n_ev = len(today["key"])
            totals["events"] += n_ev
            totals["bad"] += bad
            totals["dup"] += dup
            totals["late"] += late
            day_rows.append(
                {
                    "date": day,
                    "news_day": d == w.news_day,
                    "events_written": n_ev,
                    "bad_rows_injected": bad,
                    "duplicate_rows_injected": dup,
                    "late_events": late,
                }
            )
            if progress is not None:
                progress(
                    f"{family} {day.isoformat()}: {n_ev:,} events in {len(written)} files "
                    f"({time.perf_counter() - t0:.1f} s)"
                )

    truth = data_root / "truth"
    truth_files = _write_truth(truth, w, start, day_rows)
    params = {k: v for k, v in w.params.items() if k != "popular"}
    truth_files.append(write_world_json(truth, family, seed, users, days, start, params))
    return GenerateSummary(
        users=users,
        accounts=w.n_total,
        days=days,
        start=start,
        seed=seed,
        events_written=totals["events"],
        bad_rows_injected=totals["bad"],
        duplicate_rows_injected=totals["dup"],
        late_events=totals["late"],
        news_day=start + timedelta(days=w.news_day),
        files=files,
        truth_files=truth_files,
    )
