"""A community of groups (issue 13): announcements to everyone, group messages to the group only.

`python -m bench.groups` (`--quick`: a small community, to try it). One community (a guild with
the COMMUNITY feature, docs/communities.md) of 5,000 people and 100 groups of 1,000 members each,
drawn at random (so each person is in about 20 groups), plus a group of SMALL and a group of two;
2,000 of the people hold a zlib-stream gateway session, in LOAD_GENERATORS processes (`Shape`).
In one run:

- announcement: the owner posts in the announcement channel (type 5, @everyone denied
  SEND_MESSAGES) at RATE for 30 s; every online session must get each one.
- everyone: the same in a plain channel everyone sees (the announcement's peer, same audience).
- group_1000, group_10: a member (offline) posts in one big group and in the small group, at
  the same rate; only the group's online members may get them (leaks: non-members' sessions
  that got one).
- floor: the same in the group of two, whose one other member is online: a message with one
  receiver, the cost of the send itself; and, its peer outside the community, the same in a
  guild of three (lone_guild): what the community's size adds to a send.

Each phase reports delivered/expected, leaks, send→receive p50/p99 and the server's CPU per
message, gross and net of its idle CPU (measured over IDLE_SECONDS with the sessions open).

Setting this up through the API would be slow (each account an argon2 hash and a join, each of
the 100,000 group memberships a write and a CHANNEL_UPDATE) and would tie the benchmark to the
group routes, so only the owner, the guild, an invite and the first API_ACCOUNTS members (timed,
to say what the other accounts would have cost) go through the API; the rest (users with the
owner's password hash and tokens made as townhall makes them, `actions.accounts.new_token`,
stored hashed; memberships; the channels and their overwrites) is written straight into the
server's SQLite file while it is stopped, as bench/history.py does.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, select, update

from bench import community, loadgen, rates, report, send
from bench.community import Account
from bench.loadgen import BUCKET_NS, LoadGenerator
from bench.proc import CONTENDED_PERCENT, CpuMeter, rss_bytes, wait_for_quiet
from bench.server import Townhall, townhall
from townhall.actions.accounts import new_token, token_hash
from townhall.domain.models import Channel, ChannelType
from townhall.domain.permissions import Overwrite, OverwriteType, Permission
from townhall.domain.snowflake import SnowflakeGenerator
from townhall.store import channels as channel_store
from townhall.store.database import create_engine
from townhall.store.schema import guilds, members, tokens, users


@dataclass(frozen=True)
class Shape:
    """The community and the load; `--quick` makes a small one to try the benchmark out."""

    members: int = 5000
    groups: int = 100
    group_size: int = 1000
    online: int = 2000
    seconds: int = 30
    """Each phase's sending time, at RATE."""


QUICK = Shape(members=600, groups=10, group_size=100, online=200, seconds=10)
SMALL = 10
LOAD_GENERATORS = 2
API_ACCOUNTS = 20
RATE = 2
"""Messages/s in every phase. One rate for all: a message's fixed cost depends on it (on this
kind of VM a send with no receivers took 3.1 ms of CPU at 10/s, 1.3 ms at 200/s: caches go
cold between requests), so only phases at the same rate compare."""
IDLE_SECONDS = 30.0
TAIL_SECONDS = 1.0
"""The CPU window runs this long past the last send: the last message's deliveries are in it."""
WARM_UP_MESSAGES = 5
SEED = 13
BATCH = 5000

GROUP_FLAG = 1 << 29
"""docs/communities.md's channel flag GROUP (townhall.domain.groups.GroupFlag.GROUP)."""
VIEW = int(Permission.VIEW_CHANNEL)
READ_ONLY = int(Permission.SEND_MESSAGES | Permission.SEND_MESSAGES_IN_THREADS)

NEAR_FLOOR = 1.5
"""Goal: the small group's net CPU per message at most this many times the floor's..."""
FAR_BELOW = 0.25
"""...and at most this fraction of the announcement's."""
GOAL_ANNOUNCE_P99_MS = 50.0
"""For reference: issue 8's fan-out goal (p99 < 50 ms at 100 msg/s to 200 receivers)."""


@dataclass(frozen=True)
class Phase:
    name: str
    step: int
    channel_id: int
    sender: Account
    rate: int
    seconds: int
    receivers: frozenset[int]
    """Connection numbers (= member numbers) of the online sessions that may see the channel."""


@dataclass(frozen=True)
class Layout:
    owner: Account
    guild_id: int
    general_id: int
    announcements_id: int
    big_groups: list[int]
    small_id: int
    floor_id: int
    members: list[Account]
    group_members: dict[int, list[int]]
    """Member numbers of each group, by channel id."""
    api_ms_per_account: float
    seed_seconds: float
    overwrites: int


# -- the data set --------------------------------------------------------------------------------


async def through_api(api: str) -> tuple[community.Community, float]:
    """Owner, guild, invite and the first API_ACCOUNTS members (register + join), one at a
    time, timed: what each of the others would have cost."""
    group = await community.build(api, 0)
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        started = time.perf_counter()
        joined = []
        for index in range(API_ACCOUNTS):
            account = await community.register(http, f"m{index:05d}")
            await community.join(http, account, group.invite)
            joined.append(account)
        per_account = (time.perf_counter() - started) / API_ACCOUNTS * 1000
    return (
        community.Community(group.owner, group.guild_id, group.channel_id, joined, group.invite),
        per_account,
    )


def _chunks(rows: Sequence[dict[str, Any]]) -> list[Sequence[dict[str, Any]]]:
    return [rows[i : i + BATCH] for i in range(0, len(rows), BATCH)]


async def seed(db_url: str, made: community.Community, api_ms: float, shape: Shape) -> Layout:
    """The other members, the announcement channel and the groups, straight into the database."""
    ids = SnowflakeGenerator(node_id=1023)  # no running node leases the last id
    rng = random.Random(SEED)
    started = time.monotonic()
    now_ms = int(time.time() * 1000)
    accounts = list(made.members)
    user_rows, token_rows, member_rows = [], [], []
    for index in range(len(accounts), shape.members):
        user_id = ids.next_id()
        name = f"m{index:05d}_{uuid.uuid4().hex[:8]}"
        token = new_token(user_id)
        accounts.append(Account(user_id, token))
        user_rows.append({"id": user_id, "username": name, "username_key": name})
        token_rows.append({"token_hash": token_hash(token), "user_id": user_id})
        member_rows.append({"guild_id": made.guild_id, "user_id": user_id, "joined_at": now_ms})
    online_, offline = range(shape.online), range(shape.online, shape.members)
    everyone = made.guild_id  # the @everyone role's id is the guild's
    hidden = Overwrite(id=everyone, type=OverwriteType.ROLE, allow=0, deny=VIEW)

    def group(channel_id: int, name: str, position: int, numbers: list[int]) -> Channel:
        own = tuple(
            Overwrite(id=accounts[n].user_id, type=OverwriteType.MEMBER, allow=VIEW, deny=0)
            for n in numbers
        )
        return Channel(
            id=channel_id,
            type=ChannelType.GUILD_TEXT,
            guild_id=made.guild_id,
            name=name,
            position=position,
            flags=GROUP_FLAG,
            permission_overwrites=(hidden, *own),
        )

    announcements = Channel(
        id=ids.next_id(),
        type=ChannelType.GUILD_ANNOUNCEMENT,
        guild_id=made.guild_id,
        name="announcements",
        permission_overwrites=(
            Overwrite(id=everyone, type=OverwriteType.ROLE, allow=0, deny=READ_ONLY),
        ),
    )
    group_members: dict[int, list[int]] = {}
    channels = [announcements]
    for n in range(shape.groups):
        channel_id = ids.next_id()
        group_members[channel_id] = sorted(rng.sample(range(shape.members), shape.group_size))
        channels.append(group(channel_id, f"group-{n}", n + 1, group_members[channel_id]))
    # The small group: an offline sender and SMALL - 1 online members; the floor: an offline
    # sender and one online member. Their senders are nobody else's.
    small_id, floor_id = ids.next_id(), ids.next_id()
    first_offline = shape.online
    group_members[small_id] = [first_offline + 1, *sorted(rng.sample(online_, SMALL - 1))]
    group_members[floor_id] = [first_offline + 2, rng.choice(online_)]
    channels.append(group(small_id, "small-group", shape.groups + 1, group_members[small_id]))
    channels.append(group(floor_id, "group-of-two", shape.groups + 2, group_members[floor_id]))
    assert all(n in offline for n in (first_offline + 1, first_offline + 2))

    engine = create_engine(db_url)
    try:
        async with engine.begin() as conn:
            password_hash = (
                await conn.execute(
                    select(users.c.password_hash).where(users.c.id == made.owner.user_id)
                )
            ).scalar_one()
            for row in user_rows:
                row["password_hash"] = password_hash
            for row in token_rows:
                row["created_at"] = now_ms
            for table, rows in ((users, user_rows), (tokens, token_rows), (members, member_rows)):
                for chunk in _chunks(rows):
                    await conn.execute(insert(table), chunk)
            for channel in channels:
                await channel_store.insert_channel(conn, channel)
            await conn.execute(
                update(guilds)
                .where(guilds.c.id == made.guild_id)
                .values(community=True, announcements_channel_id=announcements.id)
            )
    finally:
        await engine.dispose()
    return Layout(
        owner=made.owner,
        guild_id=made.guild_id,
        general_id=made.channel_id,
        announcements_id=announcements.id,
        big_groups=[c.id for c in channels[1 : shape.groups + 1]],
        small_id=small_id,
        floor_id=floor_id,
        members=accounts,
        group_members=group_members,
        api_ms_per_account=round(api_ms, 2),
        seed_seconds=round(time.monotonic() - started, 1),
        overwrites=sum(len(c.permission_overwrites) for c in channels),
    )


async def lone_guild(api: str, layout: Layout, shape: Shape) -> int:
    """Another guild of three (the owner, online member 0, an offline sender): its general
    channel is the floor's peer outside the community, to tell what the community's size adds
    to a send. Through the API, after the restart (the seeded tokens work like any other)."""
    async with httpx.AsyncClient(base_url=api, timeout=60) as http:
        auth = {"Authorization": layout.owner.token}
        guild = await http.post("/guilds", json={"name": "Elsewhere"}, headers=auth)
        guild.raise_for_status()
        channel_id = int(guild.json()["system_channel_id"])
        invite = await http.post(f"/channels/{channel_id}/invites", json={}, headers=auth)
        invite.raise_for_status()
        for number in (0, shape.online + 3):
            await community.join(http, layout.members[number], invite.json()["code"])
    return channel_id


def phases(layout: Layout, shape: Shape, lone_channel_id: int) -> list[Phase]:
    first_offline = shape.online
    online = frozenset(range(first_offline))
    big = layout.big_groups[0]
    big_sender = next(n for n in layout.group_members[big] if n >= first_offline)
    people = layout.members

    def seen(channel_id: int) -> frozenset[int]:
        return frozenset(n for n in layout.group_members[channel_id] if n < first_offline)

    return [
        Phase(
            "announcement",
            1,
            layout.announcements_id,
            layout.owner,
            RATE,
            shape.seconds,
            online,
        ),
        Phase(
            "everyone",
            2,
            layout.general_id,
            people[first_offline],
            RATE,
            shape.seconds,
            online,
        ),
        Phase(
            f"group_{shape.group_size}",
            3,
            big,
            people[big_sender],
            RATE,
            shape.seconds,
            seen(big),
        ),
        Phase(
            f"group_{SMALL}",
            4,
            layout.small_id,
            people[first_offline + 1],
            RATE,
            shape.seconds,
            seen(layout.small_id),
        ),
        Phase(
            "floor",
            5,
            layout.floor_id,
            people[first_offline + 2],
            RATE,
            shape.seconds,
            seen(layout.floor_id),
        ),
        Phase(
            "lone_guild",
            6,
            lone_channel_id,
            people[first_offline + 3],
            RATE,
            shape.seconds,
            frozenset({0}),
        ),
    ]


# -- measuring -------------------------------------------------------------------------------------


async def send_schedule(
    sender: rates.HttpSender, step: int, rate: int, total: int
) -> dict[str, int]:
    """Open loop, as bench/rates.py: message i is due at start + i/rate and carries that time."""
    interval = 1e9 / rate
    start = time.time_ns() + 100_000_000
    due_times = iter(range(total))
    outcome = {"ok": 0, "errors": 0}

    async def worker() -> None:
        for i in due_times:
            due = start + int(i * interval)
            delay = (due - time.time_ns()) / 1e9
            if delay > 0:
                await asyncio.sleep(delay)
            ok = await sender.send(f"bench {step} {due} {rates.PADDING}")
            outcome["ok" if ok else "errors"] += 1

    await asyncio.gather(*(worker() for _ in range(rates.senders_for(rate, 25))))
    return outcome


def _profile(name: str, pid: int, seconds: int) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=<dir>: py-spy's collapsed stacks of the server during the phase, in
    `<dir>/groups/<phase>.txt` (its CPU figures then include py-spy's pauses: use another run's)."""
    directory = rates.profile_directory("groups")
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if directory is None or not Path(spy).exists():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200"]
    command += ["--format", "raw", "--output", str(directory / f"{name}.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def by_connection(reports: Sequence[dict[str, Any]], step: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for entry in reports:
        for number, n in entry.get("by_connection", {}).get(str(step), {}).items():
            counts[int(number)] = counts.get(int(number), 0) + n
    return counts


async def run_phase(
    server: Townhall,
    generators: Sequence[LoadGenerator],
    phase: Phase,
    idle_percent: float,
    *,
    warm_up: bool = False,
) -> dict[str, Any]:
    sender = rates.HttpSender(server.api, phase.channel_id, phase.sender.token, connections=4)
    await sender.open()
    total = WARM_UP_MESSAGES if warm_up else phase.rate * phase.seconds
    step = phase.step + (900 if warm_up else 0)
    quiet = None if warm_up else await asyncio.to_thread(wait_for_quiet, CONTENDED_PERCENT, 20.0)
    meter = CpuMeter(
        {"server": server.pids, "loadgen": [g.pid for g in generators], "sender": os.getpid()}
    )
    spy = None if warm_up else _profile(phase.name, server.pid, phase.seconds)
    meter.start()
    began = time.monotonic()
    outcome = await send_schedule(sender, step, phase.rate, total)
    await asyncio.sleep(TAIL_SECONDS)
    elapsed = time.monotonic() - began
    cpu = meter.stop()
    await sender.close()
    await asyncio.sleep(rates.DRAIN_SECONDS)
    if spy is not None:
        spy.wait()
    reports = [await asyncio.to_thread(g.report) for g in generators]
    histogram, _received, size = rates.merge(reports, step)
    counts = by_connection(reports, step)
    sent = outcome["ok"]
    expected = sent * len(phase.receivers)
    delivered = sum(min(counts.get(n, 0), sent) for n in phase.receivers)
    leaks = {n: c for n, c in counts.items() if n not in phase.receivers}
    duplicates = sum(max(0, counts.get(n, 0) - sent) for n in phase.receivers)
    missing = expected - delivered
    width = BUCKET_NS / 1e6
    p50 = report.histogram_percentile(histogram, missing, 50, width)
    p99 = report.histogram_percentile(histogram, missing, 99, width)
    server_seconds = cpu["server"] / 100 * elapsed
    net_seconds = max(0.0, (cpu["server"] - idle_percent) / 100 * elapsed)
    per_message = server_seconds / sent * 1000 if sent else math.nan
    net_per_message = net_seconds / sent * 1000 if sent else math.nan
    return {
        "phase": phase.name,
        "channel_id": str(phase.channel_id),
        "rate": phase.rate,
        "seconds": phase.seconds if not warm_up else None,
        "sent": sent,
        "send_errors": outcome["errors"],
        "receivers": len(phase.receivers),
        "expected_deliveries": expected,
        "delivered": delivered,
        "delivered_percent": round(100 * delivered / expected, 3) if expected else None,
        "sessions_with_all": sum(1 for n in phase.receivers if counts.get(n, 0) >= sent),
        "duplicates": duplicates,
        "leaked_deliveries": sum(leaks.values()),
        "leaked_sessions": len(leaks),
        "frame_bytes": round(size / max(1, sum(counts.values()))) if counts else None,
        "p50_ms": round(p50, 1) if math.isfinite(p50) else "inf",
        "p99_ms": round(p99, 1) if math.isfinite(p99) else "inf",
        "cpu_window_seconds": round(elapsed, 2),
        "cpu_percent": cpu,
        "server_cpu_ms_per_message": round(per_message, 3),
        "server_cpu_ms_per_message_net_of_idle": round(net_per_message, 3),
        "others_cpu_percent_before": quiet,
    }


def http_floor_of(server: Townhall) -> dict[str, Any]:
    """`GET /healthz`'s CPU (bench/send.py): what a request costs on this machine at all, to
    compare runs on machines of different speed (docs/performance.md)."""
    with httpx.Client(timeout=30) as http:
        return send.http_floor(http, server.pid, server.api[: -len("/api/v10")] + "/healthz")


async def idle(server: Townhall) -> dict[str, Any]:
    """The server's CPU with every session open and nothing sent (sweeper, timers)."""
    await asyncio.to_thread(wait_for_quiet, CONTENDED_PERCENT, 20.0)
    meter = CpuMeter({"server": server.pids})
    meter.start()
    await asyncio.sleep(IDLE_SECONDS)
    return {"seconds": IDLE_SECONDS, "cpu_percent": meter.stop()}


async def measure(shape: Shape) -> dict[str, Any]:
    with townhall("sqlite", "groups") as server:
        made, api_ms = await through_api(server.api)
        await asyncio.to_thread(server.stop)
        database = f"sqlite:///{(server.data_dir / 'townhall.sqlite3').resolve()}"
        layout = await seed(database, made, api_ms, shape)
        print(
            f"    {API_ACCOUNTS} accounts through the API: {layout.api_ms_per_account} ms each "
            f"(register + join; {shape.members:,} would take "
            f"{layout.api_ms_per_account * shape.members / 1000:.0f} s); the rest, "
            f"{shape.groups + 2} groups and {layout.overwrites:,} overwrites seeded in "
            f"{layout.seed_seconds} s",
            flush=True,
        )
        await asyncio.to_thread(server.start)
        lone_channel_id = await lone_guild(server.api, layout, shape)
        tokens = [m.token for m in layout.members[: shape.online]]
        started = time.monotonic()
        generators = await asyncio.to_thread(
            loadgen.start_all,
            loadgen.split(
                shape.online,
                LOAD_GENERATORS,
                [server.gateway],
                tokens,
                compress="zlib-stream",
                concurrency=50,
                ready_timeout=600,
                count_by_connection=True,
            ),
        )
        ready_seconds = time.monotonic() - started
        print(
            f"    {shape.online:,} zlib-stream sessions ready in {ready_seconds:.1f} s", flush=True
        )
        results: list[dict[str, Any]] = []
        try:
            plan = phases(layout, shape, lone_channel_id)
            for phase in plan:  # compiled queries, filled caches (viewers of each channel)
                await run_phase(server, generators, phase, 0.0, warm_up=True)
            resting = await idle(server)
            idle_percent = resting["cpu_percent"]["server"]
            print(f"    idle: server {idle_percent} % of a core", flush=True)
            for phase in plan:
                result = await run_phase(server, generators, phase, idle_percent)
                results.append(result)
                print(f"    {_line(result)}", flush=True)
            rss = sum(rss_bytes(pid) for pid in server.pids)
            healthz = await asyncio.to_thread(http_floor_of, server)
            print(
                f"    GET /healthz (the machine's yardstick): p50 {healthz['p50_ms']} ms, "
                f"{healthz['server_cpu_ms_per_request']} ms CPU",
                flush=True,
            )
        finally:
            for generator in generators:
                generator.stop()
    by_name = {r["phase"]: r for r in results}
    return {
        "shape": {
            "members": shape.members,
            "groups": shape.groups,
            "group_size": shape.group_size,
            "small_group": SMALL,
            "groups_per_member": round(shape.groups * shape.group_size / shape.members, 1),
            "online_sessions": shape.online,
            "load_generators": LOAD_GENERATORS,
            "compress": "zlib-stream",
            "overwrites": layout.overwrites,
        },
        "setup": {
            "api_accounts": API_ACCOUNTS,
            "api_ms_per_account": layout.api_ms_per_account,
            "seed_seconds": layout.seed_seconds,
            "sessions_ready_seconds": round(ready_seconds, 1),
            "server_rss_mib": round(rss / 1024 / 1024, 1),
        },
        "idle": resting,
        "http_floor_healthz": healthz,
        "phases": by_name,
        **verdicts(by_name, f"group_{shape.group_size}"),
    }


def verdicts(by_name: dict[str, dict[str, Any]], big: str) -> dict[str, Any]:
    """Delivered, leaked, and the costs side by side: per message and per receiver."""
    net = {name: r["server_cpu_ms_per_message_net_of_idle"] for name, r in by_name.items()}
    floor = net["floor"]
    small = net[f"group_{SMALL}"]
    announcement = by_name["announcement"]

    def per_receiver_us(name: str) -> float | None:
        if name == "lone_guild":
            return None
        extra = by_name[name]["receivers"] - by_name["floor"]["receivers"]
        return round((net[name] - floor) / extra * 1000, 1) if extra > 0 else None

    groups = [by_name[big], by_name[f"group_{SMALL}"], by_name["floor"]]
    leaks = sum(r["leaked_deliveries"] for r in by_name.values())
    small_to_floor = round(small / floor, 2) if floor else None
    small_to_announcement = round(small / net["announcement"], 3) if net["announcement"] else None
    return {
        "announcement_delivered_percent": announcement["delivered_percent"],
        "announcement_p99_ms": announcement["p99_ms"],
        "reference_p99_ms": GOAL_ANNOUNCE_P99_MS,
        "leaks": leaks,
        "net_cpu_ms_per_message": net,
        "extra_cpu_us_per_receiver": {
            name: per_receiver_us(name) for name in by_name if name != "floor"
        },
        "small_group_to_floor": small_to_floor,
        "floor_to_lone_guild": round(floor / net["lone_guild"], 2) if net["lone_guild"] else None,
        "small_group_to_announcement": small_to_announcement,
        "meets_delivery_goal": all(
            r["delivered"] == r["expected_deliveries"] and r["send_errors"] == 0
            for r in by_name.values()
        ),
        "meets_leak_goal": leaks == 0 and all(r["duplicates"] == 0 for r in groups),
        "meets_proportionality_goal": (
            small_to_floor is not None
            and small_to_announcement is not None
            and small_to_floor <= NEAR_FLOOR
            and small_to_announcement <= FAR_BELOW
        ),
    }


def _line(r: dict[str, Any]) -> str:
    cpu = ", ".join(f"{k} {v}%" for k, v in r["cpu_percent"].items())
    return (
        f"{r['phase']:<13} {r['sent']} sent to {r['receivers']} sessions: delivered "
        f"{r['delivered']}/{r['expected_deliveries']} ({r['delivered_percent']} %), leaks "
        f"{r['leaked_deliveries']}, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms; server "
        f"{r['server_cpu_ms_per_message']} ms CPU/message "
        f"({r['server_cpu_ms_per_message_net_of_idle']} net of idle); cpu {cpu}"
    )


def run(shape: Shape = Shape()) -> dict[str, Any]:
    report.machine()
    print(
        f"  groups: {shape.members:,} members, {shape.groups} groups of {shape.group_size:,}, "
        f"{shape.online:,} online (SQLite)",
        flush=True,
    )
    result = asyncio.run(measure(shape))
    report.write("groups" if shape == Shape() else "groups-quick", result)
    print(
        f"    announcement delivered {result['announcement_delivered_percent']} %, "
        f"p99 {result['announcement_p99_ms']} ms; leaks {result['leaks']}; net CPU/message "
        + ", ".join(f"{k} {v} ms" for k, v in result["net_cpu_ms_per_message"].items())
        + f"; small group / floor {result['small_group_to_floor']}, "
        f"/ announcement {result['small_group_to_announcement']}",
        flush=True,
    )
    return result


if __name__ == "__main__":
    run(QUICK if "--quick" in sys.argv[1:] else Shape())
