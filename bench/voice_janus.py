"""Voice through Janus, beside the embedded SFU in the same `bench.voice` run.

A `townhall serve` with `TOWNHALL_MEDIA_BACKEND=janus` signals (`townhall.media.janus`), one
Janus (Debian's 1.1.2, `bench.janus_process`: its own network namespace, a veth pair) carries the
media through AudioBridge, and the same participants as the embedded SFU's call
(`bench.voice_clients`) join over the same gateways, their ICE candidates on our side of the
veth pair. AudioBridge decodes every talker, mixes, and sends each participant one Opus stream
(the mix minus their own voice) on audio slot 0: a listener counts the packets that arrive on it
inside the window (`Ear.mixed`), 50 a second expected. Janus's mix carries no trailer, so there
is no per-packet latency through it and no speaker change to time: a new voice is in the mix
from its first packet on.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import community
from bench.janus_process import JanusNamespace
from bench.loadgen import LoadGenerator
from bench.report import percentile
from bench.server import townhall
from bench.voice_media import FRAME_SECONDS
from bench.voice_scenario import (
    CALL_PER_PROCESS,
    GOAL_DELIVERED,
    SETTLE_SECONDS,
    VOICE_CHANNEL,
    base_config,
    chunks,
    join_times,
    make_channel,
    measure,
    people_of,
    person,
    start,
    stop,
)


async def janus_call(
    janus: JanusNamespace, levels: list[int | None], seconds: float
) -> dict[str, Any]:
    """Everyone in `levels` joins one voice channel (None: a muted microphone) through Janus."""
    talking = sum(level is not None for level in levels)
    print(f"  janus: {len(levels)} people, {talking} talking, Janus AudioBridge", flush=True)
    with townhall("sqlite", "voice-janus", janus.townhall_env()) as server:
        group = await community.build(server.api, len(levels) - 1)
        channel_id = await make_channel(server, group, VOICE_CHANNEL)
        base = {**base_config(server, group, channel_id), "address": janus.client_address}
        accounts = [group.owner, *group.members]
        callers = [person(1 + i, a, levels[i]) for i, a in enumerate(accounts)]
        generators: list[LoadGenerator] = []
        try:
            began = time.monotonic()
            generators += await start(
                [{**base, "people": c} for c in chunks(callers, CALL_PER_PROCESS)],
                "bench.voice_clients",
            )
            joined_in = time.monotonic() - began
            await asyncio.sleep(SETTLE_SECONDS)
            pids: dict[str, int | list[int]] = {
                "server": server.pids,
                "janus": janus.pid,
                "callers": [g.pid for g in generators],
            }
            reports, cpu, rss = await measure(generators, pids, seconds)
        finally:
            await stop(generators)
    people = people_of(reports)
    expected = round(seconds / FRAME_SECONDS)
    delivered = sorted(min(1.0, p["mixed"] / expected) for p in people)
    numbers = {p["number"] for p in callers}
    mixed = sum(p["mixed"] for p in people)
    janus_cpu_s = cpu["janus"] / 100 * seconds
    return {
        "people": len(levels),
        "talking": talking,
        "listeners": len(delivered),
        "mixed_packets_expected_each": expected,
        "packets_sent_per_s": round(sum(p["sent"] for p in people) / seconds, 1),
        "packets_delivered_per_s": round(mixed / seconds, 1),
        "delivered_min_percent": round(100 * delivered[0], 2) if delivered else None,
        "delivered_p50_percent": round(100 * percentile(delivered, 50), 2) if delivered else None,
        "listeners_at_goal": sum(d >= GOAL_DELIVERED for d in delivered),
        "packets_lost": sum(max(0, expected - p["mixed"]) for p in people),
        "stamped_packets_received": sum(sum(p["received"].values()) for p in people),
        **join_times(people, numbers),
        "all_joined_seconds": round(joined_in, 1),
        "failures": [f for r in reports for f in r.get("failures", [])][:5],
        "cpu_percent": cpu,
        "rss_mib": rss,
        "others_cpu_percent": cpu["others"],
        "janus_cpu_us_per_delivered_packet": round(janus_cpu_s / mixed * 1e6, 1) if mixed else None,
        "meets_goal": bool(delivered) and all(d >= GOAL_DELIVERED for d in delivered),
    }


def janus_line(name: str, r: dict[str, Any]) -> str:
    cpu, rss = r["cpu_percent"], r["rss_mib"]
    return (
        f"    {name}: {r['listeners_at_goal']}/{r['listeners']} got ≥ 99 % of the mix "
        f"(min {r['delivered_min_percent']} %), join p50 {r['join_p50_ms']} ms p99 "
        f"{r['join_p99_ms']} ms; Janus {cpu['janus']} % RSS {rss.get('janus')} MiB, townhall "
        f"{cpu['server']} % RSS {rss.get('server')} MiB, callers {cpu['callers']} %, "
        f"others {cpu['others']} %"
    )
