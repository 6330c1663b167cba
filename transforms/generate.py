"""Deterministic synthetic social network written in the landing contract.

Each simulated day becomes `<data_root>/landing/dt=YYYY-MM-DD/` with one file per network (the
format is fixed per network, so every day mixes JSONL, gzipped JSONL and Parquet) and an empty
`_SUCCESS` marker written last. The answers (who is a bot, who games, which day is the news day)
go to `<data_root>/truth/` and never into the dumps.

Truth: `users.parquet` has one row per account (organic users first, then the gaming accounts):
user_id, influence (latent, 0 for fake accounts), activity (posts a day for posters, like propensity
for lurkers), kind, home_network, primary_topic, focused, scenario, role, gaming_start, viral_day,
second_network, group_id (which purchase, farm, puppet set or pod), lookalike ('viral' for the
viral users, else 'none'), lookalike_role ('subject' for them), created (the creation day of bots,
puppets and bought followers; null for organic accounts). `days.parquet` has one row per dump:
date, news_day, events_written, bad_rows_injected, duplicate_rows_injected, late_events.
`world.json` names the family ("classic"), the arguments and the drawn parameters; the other
families of worlds live in `transforms/worlds.py` and write the same truth files.

Everything is vectorised with numpy/polars; Python loops run only over days, networks, files and
gaming groups, never over events.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa

from transforms import engine
from transforms.contract import ACTIONS, LANDING_FIELDS

__all__ = [
    "ACTIONS",
    "NETWORKS",
    "NETWORK_FILES",
    "TOPICS",
    "GenerateSummary",
    "generate",
    "write_world_json",
]

NETWORKS: tuple[str, ...] = ("twitter", "instagram", "facebook")
NETWORK_FILES: dict[str, str] = {
    "twitter": "twitter.jsonl.gz",
    "instagram": "instagram.parquet",
    "facebook": "facebook.jsonl",
}
TOPICS: tuple[str, ...] = (
    "ai",
    "football",
    "cooking",
    "music",
    "politics",
    "travel",
    "fashion",
    "gaming",
    "science",
    "finance",
    "fitness",
    "movies",
    "books",
    "photography",
    "tech",
    "health",
    "parenting",
    "crypto",
    "art",
    "climate",
)

POST, REPLY, SHARE, LIKE, MENTION, FOLLOW, UNFOLLOW = range(7)
KINDS = ("honest", "lurker", "viral", "bot", "puppet", "new_follower_account")
HONEST, LURKER, VIRAL, BOT, PUPPET, NEW_FOLLOWER = range(6)
SCENARIOS = ("none", "bought_followers", "like_farm", "sock_puppets", "engagement_pod", "viral")
ROLES = ("none", "customer", "operator", "member")

_NET_SHARE = np.array([0.45, 0.30, 0.25])
# UTC offsets (minutes) people render their timestamps in; a mix forces parsers to honour them.
_OFFSETS = np.array(
    [-480, -420, -360, -300, -240, -180, 0, 0, 60, 60, 120, 180, 330, 480, 540, 600]
)
_US = 1_000_000
_DAY_US = 86_400 * _US
_EPOCH = date(1970, 1, 1)
_LATE_WINDOW_US = 3 * 3600 * _US
_LATE_SHARE = 0.15
# level 1: the dumps are written once a day and read once; speed beats 15% more bytes
_GZIP_LEVEL = 1

_REQUIRED = {
    POST: ("post_id",),
    REPLY: ("target_user_id", "target_post_id", "post_id"),
    SHARE: ("target_user_id", "target_post_id", "post_id"),
    LIKE: ("target_user_id", "target_post_id"),
    MENTION: ("target_user_id",),
    FOLLOW: ("target_user_id",),
    UNFOLLOW: ("target_user_id",),
}
_BASE_FIELDS = ("event_id", "ts", "network", "actor_id", "action")
_BAD_ACTIONS = ("retweet", "poke", "LIKE", "view", "")


@dataclass(frozen=True)
class GenerateSummary:
    """What `generate` wrote; counts are over the whole run."""

    users: int
    accounts: int
    days: int
    start: date
    seed: int
    events_written: int
    bad_rows_injected: int
    duplicate_rows_injected: int
    late_events: int
    news_day: date
    files: list[Path] = field(default_factory=list)
    truth_files: list[Path] = field(default_factory=list)


# ----------------------------------------------------------------------------- helpers


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a bijection on uint64, so distinct keys give distinct opaque ids."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _hex(prefix: str, values: np.ndarray, nbytes: int) -> pl.Series:
    """Fixed-width lowercase hex strings, vectorised through an Arrow fixed-size binary array."""
    if len(values) == 0:
        return pl.Series([], dtype=pl.String)
    raw = values.astype(">u8").view(np.uint8).reshape(-1, 8)[:, 8 - nbytes :].tobytes()
    arr = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(nbytes), len(values), [None, pa.py_buffer(raw)]
    )
    return prefix + pl.from_arrow(arr).bin.encode("hex")


def _day_us(d: date) -> int:
    return (d - _EPOCH).days * _DAY_US


def _diurnal_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds after UTC midnight; activity peaks in the (UTC) evening, so late posts exist."""
    hours = np.arange(24)
    w = 1.0 + 0.8 * np.cos(2 * np.pi * (hours - 20) / 24)
    h = rng.choice(24, size=n, p=w / w.sum())
    return h * 3600 + rng.integers(0, 3600, size=n)


def _delay_seconds(rng: np.random.Generator, n: int) -> np.ndarray:
    """Reaction delay: most within half an hour, a long tail of hours (truncated below 20 h)."""
    fast = rng.random(n) < 0.7
    d = np.where(fast, rng.exponential(25 * 60, n), rng.exponential(3 * 3600, n))
    return np.minimum(30 + d, 20 * 3600).astype(np.int64)


# ----------------------------------------------------------------------------- events


class _Events:
    """Column buffers for one batch of events; keys are drawn from one run-wide counter."""

    COLS = ("key", "ts", "net", "actor", "action", "tuser", "tpost", "t1", "t2")

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {c: [] for c in self.COLS}

    def add(
        self,
        counter: _Counter,
        *,
        ts: np.ndarray,
        net: np.ndarray | int,
        actor: np.ndarray,
        action: np.ndarray | int,
        tuser: np.ndarray | int = -1,
        tpost: np.ndarray | int = -1,
        t1: np.ndarray | int = -1,
        t2: np.ndarray | int = -1,
        key: np.ndarray | None = None,
    ) -> None:
        n = len(ts)
        if n == 0:
            return
        vals = {
            "key": counter.take(n) if key is None else key,
            "ts": ts,
            "net": net,
            "actor": actor,
            "action": action,
            "tuser": tuser,
            "tpost": tpost,
            "t1": t1,
            "t2": t2,
        }
        for c, v in vals.items():
            self.parts[c].append(np.broadcast_to(np.asarray(v, dtype=np.int64), (n,)).copy())

    def arrays(self) -> dict[str, np.ndarray]:
        return {
            c: (np.concatenate(p) if p else np.empty(0, dtype=np.int64))
            for c, p in self.parts.items()
        }


class _Counter:
    def __init__(self) -> None:
        self.next = 0

    def take(self, n: int) -> np.ndarray:
        out = np.arange(self.next, self.next + n, dtype=np.int64)
        self.next += n
        return out


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {c: np.concatenate([a[c], b[c]]) for c in _Events.COLS}


def _take(a: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {c: v[idx] for c, v in a.items()}


# ----------------------------------------------------------------------------- the world


class _Pools:
    """Weighted samplers for (kind, network, topic) pools packed into one cumulative array.

    Packing every pool into one array lets a single searchsorted draw actors for all events of
    a day at once, whatever pool each event draws from.
    """

    N_TOPIC = len(TOPICS) + 1  # last slot = any topic

    def __init__(self, groups: list[tuple[np.ndarray, np.ndarray]]) -> None:
        members, weights, begin, end = [], [], [], []
        pos = 0
        for m, w in groups:
            members.append(m)
            weights.append(w)
            begin.append(pos)
            pos += len(m)
            end.append(pos)
        self.members = np.concatenate(members) if members else np.empty(0, np.int64)
        self.cw = np.cumsum(np.concatenate(weights)) if weights else np.empty(0)
        self.begin = np.array(begin)
        self.end = np.array(end)
        start_cw = np.concatenate([[0.0], self.cw])
        self.lo = start_cw[self.begin]
        self.hi = start_cw[self.end]
        self.empty = self.hi - self.lo <= 0

    def sample(self, rng: np.random.Generator, pool: np.ndarray) -> np.ndarray:
        lo, hi = self.lo[pool], self.hi[pool]
        pos = np.searchsorted(self.cw, lo + rng.random(len(pool)) * (hi - lo), side="right")
        pos = np.clip(pos, self.begin[pool], self.end[pool] - 1)
        return self.members[pos]


@dataclass
class _World:
    n_org: int
    n_total: int
    ids: pl.Series
    kind: np.ndarray
    influence: np.ndarray
    activity: np.ndarray
    home: np.ndarray
    second: np.ndarray
    primary: np.ndarray
    focused: np.ndarray
    topic_set: np.ndarray
    offset: np.ndarray
    scenario: np.ndarray
    role: np.ndarray
    gaming_start: np.ndarray
    viral_day: np.ndarray
    group: list[str | None]
    pools: _Pools
    on_net: np.ndarray  # (3, n_org) bool
    posters: np.ndarray  # organic indices that post
    followers0: np.ndarray
    buyers: list[tuple[int, int, np.ndarray]]  # (buyer, purchase day, follower accounts)
    farm_bots: np.ndarray
    farm_created: np.ndarray
    farm_customers: np.ndarray
    farm_start: int
    puppet_groups: list[tuple[int, np.ndarray]]
    puppet_created: np.ndarray  # per puppet account index (full array, -1 elsewhere)
    puppet_start: int
    pods: list[np.ndarray]
    pod_start: int
    viral_boost: np.ndarray  # per organic user


def _pool_id(kind: int, net: np.ndarray | int, topic: np.ndarray | int) -> np.ndarray:
    return (kind * 3 + np.asarray(net)) * _Pools.N_TOPIC + np.asarray(topic)


def _build_world(users: int, days: int, rng: np.random.Generator) -> _World:
    n = users
    scale = users / 20_000
    z_inf = rng.standard_normal(n)
    influence = np.exp(1.25 * z_inf)
    # influencers post a bit more than average: correlated lognormal activity
    z_act = 0.3 * z_inf + np.sqrt(1 - 0.09) * rng.standard_normal(n)
    activity = np.exp(np.log(0.55) + 1.0 * z_act)
    lurker = rng.random(n) < 0.30
    influence[lurker] *= 0.2
    kind = np.where(lurker, LURKER, HONEST)

    home = rng.choice(3, size=n, p=_NET_SHARE)
    two = (~lurker) & (rng.random(n) < 0.2)
    second = np.where(two, (home + rng.integers(1, 3, size=n)) % 3, -1)
    primary = rng.integers(0, len(TOPICS), size=n)
    focused = rng.random(n) < 0.6
    # broad users spread posts over their primary topic plus five others
    topic_set = np.column_stack(
        [primary]
        + [(primary + rng.integers(1, len(TOPICS), size=n)) % len(TOPICS) for _ in range(5)]
    )
    followers0 = np.where(
        lurker, rng.poisson(5, n), np.round(influence * 60 * rng.lognormal(0, 0.5, n))
    ).astype(np.float64)

    scenario = np.zeros(n, dtype=np.int64)
    role = np.zeros(n, dtype=np.int64)
    gaming_start = np.full(n, -1, dtype=np.int64)
    viral_day = np.full(n, -1, dtype=np.int64)
    group: list[str | None] = [None] * n

    # each scenario starts on its own day 40-50% through the period (distinct while days allow)
    lo, hi = (int(np.clip(round(days * f), 1, max(1, days - 1))) for f in (0.40, 0.50))
    starts = iter(np.resize(rng.permutation(np.arange(lo, hi + 1)), 4).tolist())

    def scenario_start() -> int:
        return 0 if days < 2 else int(next(starts))

    # gamers are ordinary active, not famous accounts
    cand_mask = (~lurker) & (activity >= 0.6) & (influence <= np.quantile(influence, 0.95))
    cand = rng.permutation(np.flatnonzero(cand_mask))
    used = np.zeros(n, dtype=bool)

    def pick(k: int, net: int | None = None) -> np.ndarray:
        ok = cand[~used[cand]]
        if net is not None:
            ok = ok[home[ok] == net]
        chosen = ok[:k]
        used[chosen] = True
        return chosen

    extra_kind: list[np.ndarray] = []
    extra_home: list[np.ndarray] = []
    extra_act: list[np.ndarray] = []
    extra_scen: list[int] = []
    extra_start: list[np.ndarray] = []
    extra_group: list[str] = []
    next_acc = n

    def add_accounts(k: int, kd: int, net: np.ndarray, act: float, scen: int, gs: int, grp: str):
        nonlocal next_acc
        extra_kind.append(np.full(k, kd))
        extra_home.append(np.broadcast_to(net, (k,)).copy())
        extra_act.append(np.full(k, act))
        extra_scen.append(scen)
        extra_start.append(np.full(k, gs))
        extra_group.extend([grp] * k)
        idx = np.arange(next_acc, next_acc + k)
        next_acc += k
        return idx

    # bought followers: each purchase is a burst of follows from accounts never seen before
    bf_start = scenario_start()
    buyers: list[tuple[int, int, np.ndarray]] = []
    for i, b in enumerate(pick(max(1, round(0.0015 * n)))):
        day = min(days - 1, bf_start + int(rng.integers(0, max(1, min(4, (days - bf_start) // 2)))))
        size = int(rng.integers(300, 2001))
        acc = add_accounts(size, NEW_FOLLOWER, home[b], 0.0, 1, day, f"bought_followers-{i}")
        buyers.append((int(b), day, acc))
        scenario[b], role[b], gaming_start[b], group[b] = 1, 1, day, f"bought_followers-{i}"

    # like farm: bots appear a few days before they start liking the customers' posts
    farm_start = scenario_start()
    customers = pick(max(2, round(10 * scale)))
    n_bots = max(60, round(150 * scale))
    farm_bots = add_accounts(
        n_bots, BOT, rng.choice(3, n_bots, p=_NET_SHARE), 1.5, 2, farm_start, "like_farm-0"
    )
    farm_created = np.maximum(0, farm_start - rng.integers(2, 5, size=n_bots))
    for c in customers:
        scenario[c], role[c], gaming_start[c], group[c] = 2, 1, farm_start, "like_farm-0"

    # sock puppets: alternate accounts that exist quietly, then amplify their owner
    puppet_start = scenario_start()
    puppet_groups: list[tuple[int, np.ndarray]] = []
    puppet_created_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for i, p in enumerate(pick(max(2, round(10 * scale)))):
        k = int(rng.integers(3, 7))
        acc = add_accounts(k, PUPPET, home[p], 0.2, 3, puppet_start, f"sock_puppets-{i}")
        puppet_groups.append((int(p), acc))
        puppet_created_parts.append(
            (acc, np.maximum(0, puppet_start - rng.integers(3, 16, size=k)))
        )
        scenario[p], role[p], gaming_start[p], group[p] = 3, 1, puppet_start, f"sock_puppets-{i}"

    # engagement pods: established accounts on one network reacting to each other
    pod_start = scenario_start()
    pods: list[np.ndarray] = []
    for i in range(max(1, round(5 * scale))):
        members = pick(int(rng.integers(8, 16)), net=int(rng.choice(3, p=_NET_SHARE)))
        if len(members) < 3:
            used[members] = False
            continue
        pods.append(members)
        for m in members:
            scenario[m], role[m], gaming_start[m], group[m] = 4, 3, pod_start, f"engagement_pod-{i}"

    # genuinely viral honest users: one post of an ordinary (not famous) account takes off
    ordinary = influence <= np.quantile(influence[~lurker], 0.9)
    viral_cand = rng.permutation(np.flatnonzero((~lurker) & (~used) & ordinary))
    viral = viral_cand[: max(2, round(0.002 * n))]
    viral_boost = np.zeros(n)
    viral_boost[viral] = rng.uniform(50, 200, size=len(viral))
    viral_day[viral] = rng.integers(0, days, size=len(viral))
    kind[viral] = VIRAL
    scenario[viral] = 5

    n_total = next_acc
    k_extra = n_total - n
    kind_all = np.concatenate([kind, *extra_kind]) if extra_kind else kind
    home_all = np.concatenate([home, *extra_home]) if extra_home else home
    act_all = np.concatenate([activity, *extra_act]) if extra_act else activity
    scen_all = np.concatenate(
        [scenario] + [np.full(len(a), s) for a, s in zip(extra_kind, extra_scen, strict=True)]
    )
    role_all = np.concatenate([role, np.full(k_extra, 2)])
    gs_all = np.concatenate([gaming_start, *extra_start]) if extra_start else gaming_start
    pad = np.full(k_extra, -1)
    puppet_created = np.full(n_total, -1, dtype=np.int64)
    for acc, created in puppet_created_parts:
        puppet_created[acc] = created

    # ids of one opaque shape for every account; the sample is already in random order
    raw_ids = rng.choice(2**32, size=n_total, replace=False).astype(np.uint64)
    ids = _hex("u", raw_ids, 4)

    on_net = np.zeros((3, n), dtype=bool)
    on_net[home, np.arange(n)] = True
    on_net[second[two], np.flatnonzero(two)] = True

    groups: list[tuple[np.ndarray, np.ndarray]] = []
    posters_mask = ~lurker
    for pk in range(3):  # 0 likers (everyone), 1 posters, 2 mention targets (posters by influence)
        base = np.ones(n, dtype=bool) if pk == 0 else posters_mask
        w = influence if pk == 2 else activity
        for net in range(3):
            for t in range(_Pools.N_TOPIC):
                m = base & on_net[net]
                if t < len(TOPICS):
                    m = m & (primary == t)
                idx = np.flatnonzero(m)
                groups.append((idx, w[idx]))
    pools = _Pools(groups)

    return _World(
        n_org=n,
        n_total=n_total,
        ids=ids,
        kind=kind_all,
        influence=np.concatenate([influence, np.zeros(k_extra)]),
        activity=act_all,
        home=home_all,
        second=np.concatenate([second, pad]),
        primary=np.concatenate([primary, pad]),
        focused=np.concatenate([focused, np.zeros(k_extra, dtype=bool)]),
        topic_set=topic_set,
        offset=np.concatenate([rng.choice(_OFFSETS, size=n), rng.choice(_OFFSETS, size=k_extra)]),
        scenario=scen_all,
        role=role_all,
        gaming_start=gs_all,
        viral_day=np.concatenate([viral_day, pad]),
        group=group + extra_group,
        pools=pools,
        on_net=on_net,
        posters=np.flatnonzero(posters_mask),
        followers0=np.concatenate([followers0, np.zeros(k_extra)]),
        buyers=buyers,
        farm_bots=farm_bots,
        farm_created=farm_created,
        farm_customers=customers,
        farm_start=farm_start,
        puppet_groups=puppet_groups,
        puppet_created=puppet_created,
        puppet_start=puppet_start,
        pods=pods,
        pod_start=pod_start,
        viral_boost=viral_boost,
    )


# ----------------------------------------------------------------------------- one day


@dataclass
class _State:
    followers: np.ndarray
    edge_key: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    edge_net: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))


def _random_likes(
    ev: _Events,
    counter: _Counter,
    rng: np.random.Generator,
    actors: np.ndarray,
    rate: float,
    posts: dict[str, np.ndarray],
) -> None:
    """A few likes of random posts: the camouflage of bots and puppets."""
    if len(actors) == 0 or len(posts["key"]) == 0:
        return
    a = np.repeat(actors, rng.poisson(rate, len(actors)))
    j = rng.integers(0, len(posts["key"]), size=len(a))
    ev.add(
        counter,
        ts=posts["ts"][j] + _delay_seconds(rng, len(a)) * _US,
        net=posts["net"][j],
        actor=a,
        action=LIKE,
        tuser=posts["actor"][j],
        tpost=posts["key"][j],
    )


def _group_reactions(
    ev: _Events,
    counter: _Counter,
    rng: np.random.Generator,
    posts: dict[str, np.ndarray],
    post_idx: np.ndarray,
    crew: np.ndarray,
    probs: dict[int, float],
    mean_delay_s: float,
) -> None:
    """Every crew member reacts to every selected post with per-action probabilities, fast."""
    if len(post_idx) == 0 or len(crew) == 0:
        return
    j = np.repeat(post_idx, len(crew))
    a = np.tile(crew, len(post_idx))
    keep = a != posts["actor"][j]
    j, a = j[keep], a[keep]
    for action, p in probs.items():
        hit = rng.random(len(j)) < p
        jj, aa = j[hit], a[hit]
        delay = np.minimum(20 + rng.exponential(mean_delay_s, len(jj)), 6 * 3600).astype(np.int64)
        ev.add(
            counter,
            ts=posts["ts"][jj] + delay * _US,
            net=posts["net"][jj],
            actor=aa,
            action=action,
            tuser=posts["actor"][jj],
            tpost=-1 if action == MENTION else posts["key"][jj],
        )


def _follow_and_unfollow(
    ev: _Events,
    counter: _Counter,
    st: _State,
    rng: np.random.Generator,
    n_total: int,
    day0: int,
    f_actor: np.ndarray,
    f_target: np.ndarray,
    f_net: np.ndarray,
    ok: np.ndarray,
    unfollow_rate: float,
) -> None:
    """The day's follows (each new (actor, target) once, never oneself, never one already
    followed), then unfollows of random existing edges at ``unfollow_rate`` of the new ones;
    ``st`` keeps the follower counts and the edges. Both generators share it (worlds.py)."""
    f_key = f_actor * np.int64(n_total) + f_target
    first = np.zeros(len(f_key), dtype=bool)
    first[np.unique(f_key, return_index=True)[1]] = True
    keep = np.flatnonzero(ok & first & (f_actor != f_target) & ~np.isin(f_key, st.edge_key))
    f_actor, f_target, f_net, f_key = f_actor[keep], f_target[keep], f_net[keep], f_key[keep]
    ev.add(
        counter,
        ts=day0 + _diurnal_seconds(rng, len(keep)) * _US,
        net=f_net,
        actor=f_actor,
        action=FOLLOW,
        tuser=f_target,
    )
    np.add.at(st.followers, f_target, 1)
    n_unf = min(int(rng.poisson(unfollow_rate * len(keep))), len(st.edge_key))
    if n_unf:
        gone = rng.choice(len(st.edge_key), size=n_unf, replace=False)
        u_actor, u_target = st.edge_key[gone] // n_total, st.edge_key[gone] % n_total
        ev.add(
            counter,
            ts=day0 + _diurnal_seconds(rng, n_unf) * _US,
            net=st.edge_net[gone],
            actor=u_actor,
            action=UNFOLLOW,
            tuser=u_target,
        )
        np.add.at(st.followers, u_target, -1)
        alive = np.ones(len(st.edge_key), dtype=bool)
        alive[gone] = False
        st.edge_key, st.edge_net = st.edge_key[alive], st.edge_net[alive]
    st.edge_key = np.concatenate([st.edge_key, f_key])
    st.edge_net = np.concatenate([st.edge_net, f_net])


def _simulate_day(
    w: _World,
    st: _State,
    d: int,
    day0: int,
    news: float,
    news_topic: int,
    rng: np.random.Generator,
    counter: _Counter,
) -> dict[str, np.ndarray]:
    ev = _Events()
    n = w.n_org
    is_news = news > 1

    # posts ---------------------------------------------------------------------------------
    counts = rng.poisson(w.activity[w.posters] * news)
    author = np.repeat(w.posters, counts)
    viral_today = np.flatnonzero(w.viral_day[:n] == d)
    author = np.concatenate([author, viral_today])  # the post that takes off
    boost = np.concatenate([np.ones(len(author) - len(viral_today)), w.viral_boost[viral_today]])
    p_n = len(author)
    net = w.home[author].copy()
    alt = (w.second[author] >= 0) & (rng.random(p_n) < 0.35)
    net[alt] = w.second[author][alt]
    ts = day0 + (_diurnal_seconds(rng, p_n) * _US)
    foc = w.focused[author]
    t1 = np.where(
        foc & (rng.random(p_n) < 0.85),
        w.primary[author],
        w.topic_set[author, rng.integers(0, 6, size=p_n)],
    )
    t1 = np.where(foc | (rng.random(p_n) < 0.9), t1, rng.integers(0, len(TOPICS), size=p_n))
    t2 = np.where(rng.random(p_n) < 0.25, rng.integers(0, len(TOPICS), size=p_n), -1)
    if is_news:
        t2 = np.where(rng.random(p_n) < 0.5, news_topic, t2)
    t2 = np.where(t2 == t1, -1, t2)
    pkey = counter.take(p_n)
    ev.add(counter, key=pkey, ts=ts, net=net, actor=author, action=POST, t1=t1, t2=t2)
    posts = {"key": pkey, "ts": ts, "net": net, "actor": author, "t1": t1, "t2": t2}

    # organic reactions: heavy-tailed in author influence x per-post quality ------------------
    quality = rng.lognormal(-0.32, 0.8, p_n)
    usual = 3.4 * w.influence[author]
    # a viral post gets 50-200x its author's usual reactions (floored: tiny accounts go viral too)
    lam = np.where(boost > 1, boost * np.maximum(usual, 1.5), usual * quality)
    lam *= 1.15 if is_news else 1.0
    cap = 0.3 * (
        w.pools.end[_pool_id(0, net, len(TOPICS))] - w.pools.begin[_pool_id(0, net, len(TOPICS))]
    )
    k = rng.poisson(np.minimum(lam, cap))
    j = np.repeat(np.arange(p_n), k)
    r_n = len(j)
    action = rng.choice([LIKE, SHARE, REPLY, MENTION], size=r_n, p=[0.65, 0.15, 0.12, 0.08])
    # a viral post reaches far beyond its topic: unrelated accounts
    same_topic = (rng.random(r_n) < 0.3) & (boost[j] == 1)
    pool = _pool_id(
        np.where(action == LIKE, 0, 1), net[j], np.where(same_topic, t1[j], len(TOPICS))
    )
    pool = np.where(
        w.pools.empty[pool], _pool_id(np.where(action == LIKE, 0, 1), net[j], len(TOPICS)), pool
    )
    actor = w.pools.sample(rng, pool)
    ok = actor != author[j]
    dedup_key = (j * np.int64(w.n_total) + actor) * 8 + action
    first = np.zeros(r_n, dtype=bool)
    first[np.unique(dedup_key, return_index=True)[1]] = True
    keep = np.flatnonzero(ok & first)
    j, action, actor = j[keep], action[keep], actor[keep]
    carry_topics = ((action == SHARE) & (rng.random(len(j)) < 0.5)) | (
        (action == REPLY) & (rng.random(len(j)) < 0.3)
    )
    ev.add(
        counter,
        ts=ts[j] + _delay_seconds(rng, len(j)) * _US,
        net=net[j],
        actor=actor,
        action=action,
        tuser=author[j],
        tpost=np.where(action == MENTION, -1, pkey[j]),
        t1=np.where(carry_topics, t1[j], -1),
        t2=np.where(carry_topics, t2[j], -1),
    )

    # standalone mentions, targets weighted by influence -------------------------------------
    m = np.flatnonzero(rng.random(p_n) < 0.12)
    target = w.pools.sample(rng, _pool_id(2, net[m], len(TOPICS)))
    ok = target != author[m]
    m, target = m[ok], target[ok]
    ev.add(
        counter,
        ts=ts[m] + rng.integers(0, 5, len(m)) * _US,
        net=net[m],
        actor=author[m],
        action=MENTION,
        tuser=target,
    )

    # follows with preferential attachment, and a few unfollows ------------------------------
    n_follow = rng.poisson(0.12 * n * (1 + (news - 1) / 2))
    f_net = rng.choice(3, size=n_follow, p=_NET_SHARE)
    f_actor = w.pools.sample(rng, _pool_id(0, f_net, len(TOPICS)))
    f_target = np.empty(n_follow, dtype=np.int64)
    weight = st.followers[:n] + 1
    for k_net in range(3):
        sel = np.flatnonzero(f_net == k_net)
        members = np.flatnonzero(w.on_net[k_net])
        cw = np.cumsum(weight[members])
        pos = np.searchsorted(cw, rng.random(len(sel)) * cw[-1], side="right")
        f_target[sel] = members[np.minimum(pos, len(members) - 1)]
    _follow_and_unfollow(
        ev, counter, st, rng, w.n_total, day0, f_actor, f_target, f_net, np.True_, 0.05
    )

    # gaming ----------------------------------------------------------------------------------
    for buyer, day, acc in w.buyers:
        if day != d:
            continue
        begin = int(rng.integers(3600, 19 * 3600))  # the burst ends before midnight
        span = rng.uniform(1, 4) * 3600
        offs = np.sort(rng.random(len(acc)) ** 1.5 * span).astype(np.int64)
        ev.add(
            counter,
            ts=day0 + (begin + offs) * _US,
            net=w.home[buyer],
            actor=acc,
            action=FOLLOW,
            tuser=buyer,
        )
        st.followers[buyer] += len(acc)

    live_bots = w.farm_bots[w.farm_created <= d]
    _random_likes(ev, counter, rng, live_bots, 1.5, posts)
    if d >= w.farm_start and len(live_bots):
        cp = np.flatnonzero(np.isin(author, w.farm_customers))
        n_b = len(live_bots)
        take = np.minimum(rng.integers(40, 121, size=len(cp)), int(0.8 * n_b))
        # a random subset of the pool per post: the first `take` of a random permutation per row
        order = np.argsort(rng.random((len(cp), n_b)), axis=1)
        rows, pos = np.nonzero(np.arange(n_b)[None, :] < take[:, None])
        jj = cp[rows]
        delay = np.minimum(30 + rng.exponential(240, len(jj)), 3600).astype(np.int64)
        ev.add(
            counter,
            ts=ts[jj] + delay * _US,
            net=net[jj],
            actor=live_bots[order[rows, pos]],
            action=LIKE,
            tuser=author[jj],
            tpost=pkey[jj],
        )

    for owner, acc in w.puppet_groups:
        live = acc[w.puppet_created[acc] <= d]
        _random_likes(ev, counter, rng, live, 0.15, posts)
        if d < w.puppet_start:
            continue
        pj = np.flatnonzero(author == owner)
        _group_reactions(
            ev,
            counter,
            rng,
            posts,
            pj,
            live,
            {SHARE: 0.55, REPLY: 0.45, MENTION: 0.3, LIKE: 0.5},
            900,
        )
        a = np.repeat(live, rng.poisson(0.7, len(live)))
        ev.add(
            counter,
            ts=day0 + _diurnal_seconds(rng, len(a)) * _US,
            net=w.home[owner],
            actor=a,
            action=MENTION,
            tuser=owner,
        )

    if d >= w.pod_start:
        for members in w.pods:
            pj = np.flatnonzero(np.isin(author, members))
            _group_reactions(
                ev, counter, rng, posts, pj, members, {LIKE: 0.95, REPLY: 0.5, SHARE: 0.35}, 300
            )
    return ev.arrays()


# ----------------------------------------------------------------------------- writing


def _lookup(names: pl.Series, idx: np.ndarray) -> pl.Series:
    """names[idx] with null where idx < 0."""
    out = names.gather(pl.Series(np.maximum(idx, 0)))
    return out.set(pl.Series(idx < 0), None) if len(idx) else out


def _topics(t1: np.ndarray, t2: np.ndarray) -> pl.Series:
    """A list column of up to two topic names, null when an event has none (built in Arrow)."""
    cnt = (t1 >= 0).astype(np.int32) + (t2 >= 0)
    offsets = np.zeros(len(t1) + 1, dtype=np.int32)
    np.cumsum(cnt, out=offsets[1:])
    flat = np.column_stack([t1, t2]).ravel()
    values = pl.Series(TOPICS).gather(pl.Series(flat[flat >= 0])).to_arrow()
    # via polars, not pa.array(numpy): that first call drags in pandas (seconds)
    lists = pa.ListArray.from_arrays(
        pl.Series(offsets).to_arrow(), values, mask=pl.Series(cnt == 0).to_arrow()
    )
    return pl.Series("topics", pl.from_arrow(lists))


def _frame(w: _World, e: dict[str, np.ndarray], salt_e: int, salt_p: int) -> pl.DataFrame:
    """Render events as contract columns; ts stays UTC microseconds until each file's format."""
    key = e["key"].astype(np.uint64)
    action = e["action"]
    tpost = e["tpost"]
    no_post = (action != POST) & (action != REPLY) & (action != SHARE)
    eid = _hex("e", _mix64(key ^ np.uint64(salt_e)), 8)
    pid = _hex("p", _mix64(key ^ np.uint64(salt_p)), 8)
    tpid = _hex("p", _mix64(np.maximum(tpost, 0).astype(np.uint64) ^ np.uint64(salt_p)), 8)
    # some events are rendered in UTC ("Z"), the rest in the actor's own offset
    zulu = (_mix64(key ^ np.uint64(salt_e ^ 0x5A5A)) & np.uint64(0xFF)) < np.uint64(40)
    off = np.where(zulu, 0, w.offset[e["actor"]])
    if len(key):
        tpid = tpid.set(pl.Series(tpost < 0), None)
        pid = pid.set(pl.Series(no_post), None)
    return pl.DataFrame(
        {
            "event_id": eid,
            "ts_us": e["ts"],
            "off": off,
            "zulu": zulu,
            "net": e["net"],
            "network": _lookup(pl.Series(NETWORKS), e["net"]),
            "actor_id": _lookup(w.ids, e["actor"]),
            "action": _lookup(pl.Series(ACTIONS), action),
            "target_user_id": _lookup(w.ids, e["tuser"]),
            "target_post_id": tpid,
            "post_id": pid,
            "topics": _topics(e["t1"], e["t2"]),
        }
    )


def _offset_suffix() -> pl.Expr:
    sign = pl.when(pl.col("off") < 0).then(pl.lit("-")).otherwise(pl.lit("+"))
    a = pl.col("off").abs()
    hh = (a // 60).cast(pl.String).str.zfill(2)
    mm = (a % 60).cast(pl.String).str.zfill(2)
    return (
        pl.when(pl.col("zulu"))
        .then(pl.lit("Z"))
        .otherwise(pl.concat_str([sign, hh, pl.lit(":"), mm]))
    )


_COLUMNS = LANDING_FIELDS


def _json_lines(df: pl.DataFrame) -> list[bytes]:
    local = (pl.col("ts_us") + pl.col("off").cast(pl.Int64) * 60 * _US).cast(pl.Datetime("us"))
    out = df.with_columns(
        ts=pl.concat_str([local.dt.strftime("%Y-%m-%dT%H:%M:%S"), _offset_suffix()])
    ).select(_COLUMNS)
    text = out.write_ndjson()
    return text.encode().split(b"\n")[:-1] if text else []


def _dirty(
    lines: list[bytes],
    rng: np.random.Generator,
    counter: _Counter,
    salt_e: int,
    bad_rate: float,
    dup_rate: float,
) -> tuple[bytes, int, int]:
    """Insert malformed/invalid lines and exact repeats of earlier lines at random places."""
    n = len(lines)
    n_bad = int(rng.binomial(n, bad_rate)) if n else 0
    n_dup = int(rng.binomial(n, dup_rate)) if n else 0
    extra: list[bytes] = []
    src = rng.integers(0, n, size=n_bad) if n else np.empty(0, np.int64)
    fresh = _hex("e", _mix64(counter.take(n_bad).astype(np.uint64) ^ np.uint64(salt_e)), 8)
    kinds = rng.integers(0, 4, size=n_bad)
    for i, (s, kd) in enumerate(zip(src.tolist(), kinds.tolist(), strict=True)):
        obj = json.loads(lines[s])
        obj["event_id"] = fresh[i]
        if kd == 0:  # malformed: a cut-off line (a proper prefix of an object is never valid JSON)
            raw = json.dumps(obj, separators=(",", ":"))
            extra.append(raw[: int(len(raw) * rng.uniform(0.3, 0.9))].encode())
            continue
        if kd == 1:  # a required field is missing
            req = _BASE_FIELDS[1:] + _REQUIRED[ACTIONS.index(obj["action"])]
            del obj[req[int(rng.integers(0, len(req)))]]
        elif kd == 2:  # an action outside the contract
            obj["action"] = _BAD_ACTIONS[int(rng.integers(0, len(_BAD_ACTIONS)))]
        else:  # an unparsable or offset-less timestamp
            bad_ts = (
                obj["ts"][:19],
                obj["ts"][:10] + " " + obj["ts"][11:19],
                "not-a-time",
                str(int(rng.integers(1_600_000_000, 1_800_000_000))),
                obj["ts"][:5] + "13-45T25:61:00Z",
            )
            obj["ts"] = bad_ts[int(rng.integers(0, len(bad_ts)))]
        extra.append(json.dumps(obj, separators=(",", ":")).encode())
    # a duplicate always lands after the line it repeats
    dsrc = rng.integers(0, n, size=n_dup) if n else np.empty(0, np.int64)
    dpos = rng.integers(dsrc + 1, n + 1) if n_dup else np.empty(0, np.int64)
    extra.extend(lines[s] for s in dsrc.tolist())
    bpos = rng.integers(0, n + 1, size=n_bad) if n_bad else np.empty(0, np.int64)
    sort_key = np.concatenate([2 * np.arange(n) + 1, 2 * bpos, 2 * dpos])
    order = np.argsort(sort_key, kind="stable")
    allrows = np.empty(n + len(extra), dtype=object)
    allrows[:n] = lines
    allrows[n:] = extra
    body = b"\n".join(allrows[order].tolist())
    return (body + b"\n" if len(allrows) else b""), n_bad, n_dup


def _write_parquet(path: Path, df: pl.DataFrame) -> None:
    out = df.with_columns(
        ts=pl.col("ts_us").cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    ).select(_COLUMNS)
    tmp = path.with_name(f".{path.name}.tmp")
    out.write_parquet(
        tmp, compression="zstd", compression_level=3, statistics=True, row_group_size=256_000
    )
    os.replace(tmp, path)


# ----------------------------------------------------------------------------- entry point


def generate(
    data_root: Path,
    users: int,
    days: int,
    start: date,
    seed: int,
    progress: Callable[[str], None] | None = None,
    *,
    bad_rate: float = 0.0005,
    duplicate_rate: float = 0.0005,
) -> GenerateSummary:
    """Simulate `days` days of `users` organic users (plus gaming accounts) into `data_root`.

    Same arguments give byte-identical files. `bad_rate` and `duplicate_rate` are the shares of
    JSONL lines injected as invalid rows and as exact repeats.
    """
    if users < 100:
        raise ValueError("users must be at least 100")
    if days < 1:
        raise ValueError("days must be at least 1")
    data_root = Path(data_root)
    world_rng = np.random.default_rng([seed, 0])
    w = _build_world(users, days, world_rng)
    news_idx = min(days - 1, int(days * 0.6))
    news_mult = float(world_rng.uniform(5, 8))
    news_topic = int(world_rng.integers(0, len(TOPICS)))
    salts = np.random.default_rng([seed, 1]).integers(0, 2**63, size=2)
    salt_e, salt_p = int(salts[0]), int(salts[1])

    st = _State(followers=w.followers0.copy())
    counter = _Counter()
    carry: dict[str, np.ndarray] = _Events().arrays()
    files: list[Path] = []
    day_rows: list[dict[str, object]] = []
    totals = {"events": 0, "bad": 0, "dup": 0, "late": 0}

    for d in range(days):
        t0 = time.perf_counter()
        day = start + timedelta(days=d)
        day0 = _day_us(day)
        rng = np.random.default_rng([seed, 2, d])
        e = _simulate_day(
            w, st, d, day0, news_mult if d == news_idx else 1.0, news_topic, rng, counter
        )
        # reactions after midnight belong to the next dump anyway; a share of the reactions of the
        # evening's last hours also arrive too late for today's dump (late arrivals)
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
        e_today = _concat(carry, _take(e, np.flatnonzero(~nxt)))
        carry = _take(e, np.flatnonzero(nxt))
        order = np.lexsort((e_today["key"], e_today["ts"]))
        e_today = _take(e_today, order)
        late = int((e_today["ts"] < day0).sum())

        day_dir = data_root / "landing" / f"dt={day.isoformat()}"
        if day_dir.exists():
            shutil.rmtree(day_dir)
        day_dir.mkdir(parents=True)
        frame = _frame(w, e_today, salt_e, salt_p)
        bad = dup = 0
        for k_net, name in enumerate(NETWORKS):
            path = day_dir / NETWORK_FILES[name]
            part = frame.filter(pl.col("net") == k_net)
            if path.suffix == ".parquet":
                _write_parquet(path, part)
            else:
                body, b, u = _dirty(
                    _json_lines(part), rng, counter, salt_e, bad_rate, duplicate_rate
                )
                bad, dup = bad + b, dup + u
                engine.write_bytes(
                    path,
                    gzip.compress(body, compresslevel=_GZIP_LEVEL, mtime=0)
                    if path.name.endswith(".gz")
                    else body,
                )
            files.append(path)
        (day_dir / "_SUCCESS").write_bytes(b"")

        n_ev = len(e_today["key"])
        totals["events"] += n_ev
        totals["bad"] += bad
        totals["dup"] += dup
        totals["late"] += late
        day_rows.append(
            {
                "date": day,
                "news_day": d == news_idx,
                "events_written": n_ev,
                "bad_rows_injected": bad,
                "duplicate_rows_injected": dup,
                "late_events": late,
            }
        )
        if progress is not None:
            progress(
                f"{day.isoformat()}: {n_ev:,} events in {len(NETWORKS)} files "
                f"({time.perf_counter() - t0:.1f} s)"
            )

    truth_files = _write_truth(data_root / "truth", w, start, day_rows)
    params = {
        "networks": list(NETWORKS),
        "news": {"day": news_idx, "topic": TOPICS[news_topic], "multiple": news_mult},
        "starts": {
            "like_farm": w.farm_start,
            "sock_puppets": w.puppet_start,
            "engagement_pod": w.pod_start,
            "bought_followers": sorted({day for _, day, _ in w.buyers}),
        },
        "groups": {
            "bought_followers": [len(acc) for _, _, acc in w.buyers],
            "like_farm_bots": len(w.farm_bots),
            "like_farm_customers": len(w.farm_customers),
            "sock_puppets": [len(acc) for _, acc in w.puppet_groups],
            "engagement_pods": [len(m) for m in w.pods],
            "viral": int((w.kind == VIRAL).sum()),
        },
    }
    truth_files.append(
        write_world_json(data_root / "truth", "classic", seed, users, days, start, params)
    )
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
        news_day=start + timedelta(days=news_idx),
        files=files,
        truth_files=truth_files,
    )


def _write_truth(
    root: Path, w: _World, start: date, day_rows: list[dict[str, object]]
) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)

    def as_date(col: np.ndarray) -> pl.Series:
        days = np.datetime64(start, "D") + np.maximum(col, 0)
        return pl.Series(days.astype("datetime64[D]")).set(pl.Series(col < 0), None)

    def names(values: tuple[str, ...], col: np.ndarray) -> pl.Series:
        return pl.Series(np.array(values)[np.maximum(col, 0)]).set(pl.Series(col < 0), None)

    users = pl.DataFrame(
        {
            "user_id": w.ids,
            "influence": w.influence,
            "activity": w.activity,
            "kind": names(KINDS, w.kind),
            "home_network": names(NETWORKS, w.home),
            "primary_topic": names(TOPICS, w.primary),
            "focused": w.focused,
            "scenario": names(SCENARIOS, w.scenario),
            "role": names(ROLES, w.role),
            "gaming_start": as_date(w.gaming_start),
            "viral_day": as_date(w.viral_day),
            "second_network": names(NETWORKS, w.second),
            "group_id": pl.Series(w.group, dtype=pl.String),
            "lookalike": np.where(w.kind == VIRAL, "viral", "none"),
            "lookalike_role": np.where(w.kind == VIRAL, "subject", "none"),
            "created": as_date(_created_day(w)),
        }
    )
    # topic focus means nothing for fake accounts
    users = users.with_columns(
        focused=users["focused"].set(pl.Series(np.arange(w.n_total) >= w.n_org), None)
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


def _created_day(w: _World) -> np.ndarray:
    """The day each account was created where the world knows it (-1: before day 0).

    Like-farm bots and puppets carry their creation day; bought followers appear on the day of
    the purchase; organic accounts existed before the first day.
    """
    created = np.full(w.n_total, -1, dtype=np.int64)
    for _, day, acc in w.buyers:
        created[acc] = day
    created[w.farm_bots] = w.farm_created
    puppets = w.puppet_created >= 0
    created[puppets] = w.puppet_created[puppets]
    return created


def _write_parquet_plain(path: Path, df: pl.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    df.write_parquet(tmp, compression="zstd", compression_level=3, statistics=True)
    os.replace(tmp, path)


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating | float):
        return round(float(x), 6)
    return x


def write_world_json(
    root: Path, family: str, seed: int, users: int, days: int, start: date, params: dict[str, Any]
) -> Path:
    """`<root>/world.json`: which generator made the world, and its drawn parameters."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "world.json"
    doc = {
        "family": family,
        "seed": seed,
        "users": users,
        "days": days,
        "start": start.isoformat(),
        "params": _jsonable(params),
    }
    engine.write_bytes(path, (json.dumps(doc, indent=2) + "\n").encode())
    return path
