"""What every voice scenario does: make the channel, start the load generators, measure a
window, and read delivery, latency, join time, CPU and memory out of the reports.

Shared by `bench.voice` (stage, calls, floor), `bench.voice_janus` and `bench.voice_video`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from bench import community
from bench.loadgen import LoadGenerator
from bench.proc import CpuMeter, rss_bytes
from bench.report import histogram_percentile, percentile
from bench.server import Townhall

PER_PROCESS = 25
CALL_PER_PROCESS = 16
"""A caller sends 50 packets/s and receives 150: 16 of them cost a process what 25 listeners do."""
AUDIO_SLOTS = 3
GOAL_DELIVERED = 0.99
GOAL_JOIN_MS = 1000.0
"""Issue 11: join-to-first-audio under 1 s on loopback."""
SETTLE_SECONDS = 3.0
"""After the last join: slots settle (a louder speaker takes a slot within 0.4 s)."""
GRACE_SECONDS = 1.5
"""Packets sent in the window that arrive later than this after it count as lost."""
VOICE_ENV = {"TOWNHALL_VOICE_ADDRESSES": "127.0.0.1"}
STAGE_CHANNEL, VOICE_CHANNEL = 13, 2
MEMORY_OF = ("server", "janus")
"""The processes whose resident memory is reported (a worker counts with its server)."""

SourcesOf = Callable[[dict[str, Any], dict[int, int]], list[int]]


def call_levels(people: int) -> list[int]:
    """Three clearly loudest (10, 12, 14 dBov), everyone else 8 dB or more quieter (22 to 49)."""
    rest = people - 3
    return [10, 12, 14, *(22 + (27 * i) // max(1, rest - 1) for i in range(rest))][:people]


def person(number: int, account: community.Account, level: int | None) -> dict[str, Any]:
    return {"number": number, "user_id": account.user_id, "token": account.token, "level": level}


def chunks(items: Sequence[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


async def start(configs: Sequence[dict[str, Any]], module: str) -> list[LoadGenerator]:
    """Start load generators together; wait until each has joined everyone it plays."""
    generators = [LoadGenerator(config, module=module) for config in configs]
    readies = await asyncio.gather(*(asyncio.to_thread(g.wait_ready, 600) for g in generators))
    failed = [f for ready in readies for f in ready.get("failures", [])]
    if failed:
        print(f"    {sum(r['failed'] for r in readies)} failed: {failed[:3]}", flush=True)
    return generators


async def stop(generators: Sequence[LoadGenerator]) -> None:
    await asyncio.gather(*(asyncio.to_thread(g.stop) for g in generators))


async def reports_of(generators: Sequence[LoadGenerator]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(asyncio.to_thread(g.report) for g in generators)))


async def measure(
    generators: Sequence[LoadGenerator], pids: dict[str, int | list[int]], seconds: float
) -> tuple[list[dict[str, Any]], dict[str, float], dict[str, float]]:
    """Count the packets sent in the next `seconds`, the CPU every process used meanwhile, and
    the resident memory (MiB) of the server (and Janus) at the window's end."""
    start_ns = time.time_ns() + 500_000_000
    for generator in generators:
        generator.command(f"window {start_ns} {start_ns + int(seconds * 1e9)}")
    await asyncio.sleep((start_ns - time.time_ns()) / 1e9)
    meter = CpuMeter(pids)
    meter.start()
    await asyncio.sleep(seconds)
    cpu = meter.stop()
    rss: dict[str, float] = {}
    for name in MEMORY_OF:
        group = pids.get(name)
        if group is not None:
            members = group if isinstance(group, list) else [group]
            rss[name] = round(sum(rss_bytes(pid) for pid in members) / 2**20, 1)
    await asyncio.sleep(GRACE_SECONDS)
    return await reports_of(generators), cpu, rss


def people_of(reports: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [p for r in reports for p in r["people"]]


def merged_histogram(reports: Sequence[dict[str, Any]]) -> dict[int, int]:
    histogram: dict[int, int] = {}
    for r in reports:
        for bucket, n in r["histogram"].items():
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + n
    return histogram


def latency(histogram: dict[int, int]) -> dict[str, float | None]:
    return {
        "latency_p50_ms": round(histogram_percentile(histogram, 0, 50, 0.1), 1),
        "latency_p99_ms": round(histogram_percentile(histogram, 0, 99, 0.1), 1),
        "latency_max_ms": round((max(histogram) + 1) * 0.1, 1) if histogram else None,
    }


def join_times(people: Sequence[dict[str, Any]], listeners: set[int]) -> dict[str, Any]:
    joins = sorted(
        p["join_ms"] for p in people if p["number"] in listeners and p["join_ms"] is not None
    )
    return {
        "join_p50_ms": percentile(joins, 50) if joins else None,
        "join_p99_ms": percentile(joins, 99) if joins else None,
        "join_max_ms": joins[-1] if joins else None,
        "joins_under_goal": sum(j < GOAL_JOIN_MS for j in joins),
        "never_heard": sum(p["first_ns"] is None for p in people if p["number"] in listeners),
    }


def summarize(
    reports: Sequence[dict[str, Any]],
    cpu: dict[str, float],
    seconds: float,
    listeners: set[int],
    sources_of: SourcesOf,
) -> dict[str, Any]:
    """Delivery, latency and join time over `listeners`; `sources_of(person, sent)` names the
    speakers a listener should have received in the window."""
    people = people_of(reports)
    sent = {p["number"]: p["sent"] for p in people if p["sent"]}
    delivered, switched, lost = [], 0, 0
    for p in people:
        if p["number"] not in listeners:
            continue
        sources = sources_of(p, sent)
        expected = sum(sent.get(s, 0) for s in sources)
        got = sum(p["received"].get(str(s), 0) for s in sources)
        delivered.append(got / expected if expected else 0.0)
        lost += expected - got
        switched += len(p["received"]) > AUDIO_SLOTS
    delivered.sort()
    forwarded = sum(sum(p["received"].values()) for p in people)
    server_cpu_s = cpu["server"] / 100 * seconds
    return {
        "listeners": len(delivered),
        "packets_sent_per_s": round(sum(sent.values()) / seconds, 1),
        "packets_delivered_per_s": round(forwarded / seconds, 1),
        "delivered_min_percent": round(100 * delivered[0], 2) if delivered else None,
        "delivered_p50_percent": round(100 * percentile(delivered, 50), 2) if delivered else None,
        "listeners_at_goal": sum(d >= GOAL_DELIVERED for d in delivered),
        "packets_lost": lost,
        "listeners_whose_slots_switched": switched,
        **latency(merged_histogram(reports)),
        **join_times(people, listeners),
        "failures": [f for r in reports for f in r.get("failures", [])][:5],
        "cpu_percent": cpu,
        "others_cpu_percent": cpu["others"],
        "server_cpu_us_per_delivered_packet": round(server_cpu_s / forwarded * 1e6, 1)
        if forwarded
        else None,
    }


async def make_channel(server: Townhall, group: community.Community, kind: int) -> int:
    async with httpx.AsyncClient(
        base_url=server.api, timeout=60, headers={"Authorization": group.owner.token}
    ) as http:
        created = await http.post(
            f"/guilds/{group.guild_id}/channels", json={"name": "Voice", "type": kind}
        )
        created.raise_for_status()
        channel_id = int(created.json()["id"])
        if kind == STAGE_CHANNEL:
            opened = await http.post(
                "/stage-instances", json={"channel_id": str(channel_id), "topic": "Benchmark"}
            )
            opened.raise_for_status()
    return channel_id


async def bring_up(
    server: Townhall, group: community.Community, channel_id: int, user: int
) -> None:
    """The owner (a moderator) invites a member of the audience to speak."""
    async with httpx.AsyncClient(
        base_url=server.api, timeout=60, headers={"Authorization": group.owner.token}
    ) as http:
        invited = await http.patch(
            f"/guilds/{group.guild_id}/voice-states/{user}",
            json={"channel_id": str(channel_id), "suppress": False},
        )
        invited.raise_for_status()


def base_config(server: Townhall, group: community.Community, channel_id: int) -> dict[str, Any]:
    return {
        "gateway": server.gateway,
        "guild_id": str(group.guild_id),
        "channel_id": str(channel_id),
        "audio_slots": AUDIO_SLOTS,
    }
