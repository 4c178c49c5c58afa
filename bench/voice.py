"""Voice: a stage of 2 speakers and 100 listeners, a call of 32 people all talking, and a floor.

`python -m bench.voice [--listeners N] [--callers N] [--seconds S]`, about four minutes. Goals
(issue 11): on this machine, every listener of a stage of 100 with 2 speakers gets at least 99 %
of the speakers' packets; a call of 32 works, each hearing the 3 loudest. Reported for each:
packets delivered per listener against what the speakers sent in the window, one-way latency
(send → decrypted at the listener), join time (op 4 → first audio packet), and the CPU of the
server, of every load generator and of the rest of the machine (`others`).

Everything is real: a `townhall serve` with its SFU on 127.0.0.1 (bench/server.py), accounts and
channels made over REST, and every participant with its own main gateway session, voice gateway
connection and aiortc peer connection (`bench.voice_clients`), 25 to a load-generator process.
The floor (`bench.voice_floor`) relays the same packets to the same number of listeners with
nothing but SRTP and `sendto`, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx
import uvloop

from bench import community, report
from bench.loadgen import LoadGenerator
from bench.proc import CONTENDED_PERCENT, CpuMeter, wait_for_quiet
from bench.report import histogram_percentile, percentile
from bench.server import Townhall, townhall

LISTENERS, CALLERS, SECONDS = 100, 32, 20.0
PER_PROCESS = 25
CALL_PER_PROCESS = 16
"""A caller sends 50 packets/s and receives 150: 16 of them cost a process what 25 listeners do."""
AUDIO_SLOTS = 3
SPEAKER_LEVELS = (20, 26)
"""dBov of the two stage speakers (RFC 6464: 0 is loudest, 127 silence; speech is under 50)."""
GOAL_DELIVERED = 0.99
SETTLE_SECONDS = 3.0
"""After the last join: slots settle (a louder speaker takes a slot after 0.4 s)."""
GRACE_SECONDS = 1.5
"""Packets sent in the window that arrive later than this after it count as lost."""
VOICE_ENV = {"TOWNHALL_VOICE_ADDRESSES": "127.0.0.1"}
STAGE_CHANNEL, VOICE_CHANNEL = 13, 2


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
    if any(ready["failed"] for ready in readies):
        print(f"    {sum(r['failed'] for r in readies)} joins failed: {failed[:3]}", flush=True)
    return generators


async def stop(generators: Sequence[LoadGenerator]) -> None:
    await asyncio.gather(*(asyncio.to_thread(g.stop) for g in generators))


async def measure(
    generators: Sequence[LoadGenerator], pids: dict[str, int | list[int]], seconds: float
) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """Count the packets sent in the next `seconds` and the CPU every process used meanwhile."""
    start_ns = time.time_ns() + 500_000_000
    for generator in generators:
        generator.command(f"window {start_ns} {start_ns + int(seconds * 1e9)}")
    await asyncio.sleep((start_ns - time.time_ns()) / 1e9)
    meter = CpuMeter(pids)
    meter.start()
    await asyncio.sleep(seconds)
    cpu = meter.stop()
    await asyncio.sleep(GRACE_SECONDS)
    reports = await asyncio.gather(*(asyncio.to_thread(g.report) for g in generators))
    return list(reports), cpu


def summarize(
    reports: Sequence[dict[str, Any]],
    cpu: dict[str, float],
    seconds: float,
    listeners: set[int],
    sources_of: Any,
) -> dict[str, Any]:
    """Delivery, latency and join time over `listeners`; `sources_of(person, sent)` names the
    speakers a listener should have received in the window."""
    people = [p for r in reports for p in r["people"]]
    sent = {p["number"]: p["sent"] for p in people if p["sent"]}
    histogram: dict[int, int] = {}
    for r in reports:
        for bucket, n in r["histogram"].items():
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + n
    delivered, joins, switched, lost = [], [], 0, 0
    for p in people:
        if p["number"] not in listeners:
            continue
        sources = sources_of(p, sent)
        expected = sum(sent.get(s, 0) for s in sources)
        got = sum(p["received"].get(str(s), 0) for s in sources)
        delivered.append(got / expected if expected else 0.0)
        lost += expected - got
        switched += len(p["received"]) > AUDIO_SLOTS
        if p["join_ms"] is not None:
            joins.append(p["join_ms"])
    delivered.sort()
    joins.sort()
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
        "latency_p50_ms": round(histogram_percentile(histogram, 0, 50, 0.1), 1),
        "latency_p99_ms": round(histogram_percentile(histogram, 0, 99, 0.1), 1),
        "latency_max_ms": round((max(histogram) + 1) * 0.1, 1) if histogram else None,
        "join_p50_ms": percentile(joins, 50) if joins else None,
        "join_p99_ms": percentile(joins, 99) if joins else None,
        "never_heard": sum(p["first_ns"] is None for p in people if p["number"] in listeners),
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


async def stage(listeners: int, seconds: float) -> dict[str, Any]:
    """The owner speaks as a moderator, a member is brought up to speak, the audience listens."""
    print(f"  stage: 2 speakers, {listeners} listeners, townhall", flush=True)
    with townhall("sqlite", "voice-stage", VOICE_ENV) as server:
        group = await community.build(server.api, listeners + 1)
        channel_id = await make_channel(server, group, STAGE_CHANNEL)
        base = base_config(server, group, channel_id)
        speakers = [
            person(1, group.owner, SPEAKER_LEVELS[0]),
            person(2, group.members[0], SPEAKER_LEVELS[1]),
        ]
        audience = [person(3 + i, m, None) for i, m in enumerate(group.members[1:])]
        generators: list[LoadGenerator] = []
        try:
            generators += await start([{**base, "people": speakers}], "bench.voice_clients")
            await bring_up(server, group, channel_id, group.members[0].user_id)
            began = time.monotonic()
            generators += await start(
                [{**base, "people": c} for c in chunks(audience, PER_PROCESS)],
                "bench.voice_clients",
            )
            joined_in = time.monotonic() - began
            await asyncio.sleep(SETTLE_SECONDS)
            pids: dict[str, int | list[int]] = {
                "server": server.pids,
                "speakers": generators[0].pid,
                "listeners": [g.pid for g in generators[1:]],
            }
            reports, cpu = await measure(generators, pids, seconds)
        finally:
            await stop(generators)
    audience_numbers = {p["number"] for p in audience}
    result = summarize(reports, cpu, seconds, audience_numbers, lambda p, sent: sorted(sent))
    result["all_joined_seconds"] = round(joined_in, 1)
    result["meets_goal"] = result["listeners_at_goal"] == listeners
    return result


async def call(people: int, seconds: float) -> dict[str, Any]:
    """Everyone talks at once at a different level; each should hear the three loudest others."""
    print(f"  call: {people} people all talking, townhall", flush=True)
    levels = call_levels(people)
    with townhall("sqlite", "voice-call", VOICE_ENV) as server:
        group = await community.build(server.api, people - 1)
        channel_id = await make_channel(server, group, VOICE_CHANNEL)
        base = base_config(server, group, channel_id)
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
                "callers": [g.pid for g in generators],
            }
            reports, cpu = await measure(generators, pids, seconds)
        finally:
            await stop(generators)

    def heard_most(p: dict[str, Any], sent: dict[int, int]) -> list[int]:
        ranked = sorted(p["received"].items(), key=lambda item: -item[1])
        return [int(number) for number, _ in ranked[:AUDIO_SLOTS]]

    numbers = {p["number"] for p in callers}
    result = summarize(reports, cpu, seconds, numbers, heard_most)
    loudest = [p["number"] for p in sorted(callers, key=lambda p: p["level"])[:AUDIO_SLOTS]]
    hears_loudest = 0
    for p in (p for r in reports for p in r["people"]):
        others = {n for n in loudest if n != p["number"]}
        hears_loudest += others <= set(heard_most(p, {}))
    result["hear_the_loudest"] = hears_loudest
    result["all_joined_seconds"] = round(joined_in, 1)
    result["meets_goal"] = result["listeners_at_goal"] == people and hears_loudest == people
    return result


async def floor(listeners: int, seconds: float) -> dict[str, Any]:
    """The same stage's packets through `bench.voice_floor`'s bare SRTP relay."""
    print(f"  floor: 2 speakers, {listeners} listeners, bare SRTP relay", flush=True)
    module = "bench.voice_floor"
    generators: list[LoadGenerator] = []
    try:
        relay = LoadGenerator({"role": "relay"}, module=module)
        generators.append(relay)
        port = (await asyncio.to_thread(relay.wait_ready, 60))["port"]
        audience: list[dict[str, Any]] = [{"number": 3 + i} for i in range(listeners)]
        speakers = [{"number": 1 + i, "level": level} for i, level in enumerate(SPEAKER_LEVELS)]
        base = {"relay_port": port}
        generators += await start(
            [{**base, "role": "listen", "people": c} for c in chunks(audience, PER_PROCESS)],
            module,
        )
        generators += await start([{**base, "role": "talk", "people": speakers}], module)
        await asyncio.sleep(1.0)
        pids: dict[str, int | list[int]] = {
            "server": relay.pid,
            "listeners": [g.pid for g in generators[1:-1]],
            "speakers": generators[-1].pid,
        }
        reports, cpu = await measure(generators, pids, seconds)
    finally:
        await stop(generators)
    numbers = {int(p["number"]) for p in audience}
    result = summarize(reports, cpu, seconds, numbers, lambda p, sent: sorted(sent))
    result["meets_goal"] = result["listeners_at_goal"] == listeners
    return result


def line(name: str, r: dict[str, Any]) -> str:
    cpu = r["cpu_percent"]
    generators = cpu.get("listeners", 0.0) + cpu.get("speakers", 0.0) + cpu.get("callers", 0.0)
    return (
        f"    {name}: {r['listeners_at_goal']}/{r['listeners']} listeners ≥ 99 % "
        f"(min {r['delivered_min_percent']} %), latency p50 {r['latency_p50_ms']} ms "
        f"p99 {r['latency_p99_ms']} ms, join p50 {r['join_p50_ms']} ms p99 {r['join_p99_ms']} "
        f"ms; server {cpu['server']} %, load generators {round(generators, 1)} %, "
        f"others {cpu['others']} % ({r['server_cpu_us_per_delivered_packet']} µs/packet)"
    )


SCENARIOS = ("stage", "call", "floor")


async def measure_all(
    listeners: int, callers: int, seconds: float, only: Sequence[str] = SCENARIOS
) -> dict[str, Any]:
    result: dict[str, Any] = {"seconds": seconds}
    for name in only:
        # Our own processes are all stopped here: what the machine does now is someone else's.
        quiet = await asyncio.to_thread(wait_for_quiet, CONTENDED_PERCENT, 30)
        if name == "stage":
            result[name] = await stage(listeners, seconds)
        elif name == "call":
            result[name] = await call(callers, seconds)
        else:
            result[name] = await floor(listeners, seconds)
        result[name]["others_cpu_percent_before"] = quiet
        print(line(name, result[name]), flush=True)
    if "stage" in result and "floor" in result:
        key = "server_cpu_us_per_delivered_packet"
        server, base = result["stage"][key], result["floor"][key]
        result["stage_server_cpu_per_packet_to_floor"] = (
            round(server / base, 2) if server and base else None
        )
    return result


def run(
    listeners: int = LISTENERS,
    callers: int = CALLERS,
    seconds: float = SECONDS,
    only: Sequence[str] = SCENARIOS,
) -> dict[str, Any]:
    """Every scenario with the issue's numbers writes `voice.json`; other runs `voice-<n>.json`."""
    report.machine()
    result = uvloop.run(measure_all(listeners, callers, seconds, only))
    default = (listeners, callers, tuple(only)) == (LISTENERS, CALLERS, SCENARIOS)
    name = "voice" if default else f"voice-{listeners}-{callers}"
    print(f"  results in {report.write(name, result)}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=LISTENERS)
    parser.add_argument("--callers", type=int, default=CALLERS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument(
        "--only", default=",".join(SCENARIOS), help="comma-separated: stage,call,floor"
    )
    arguments = parser.parse_args()
    only = [name for name in arguments.only.split(",") if name in SCENARIOS]
    started = time.monotonic()
    run(arguments.listeners, arguments.callers, arguments.seconds, only)
    print(f"  voice in {(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
