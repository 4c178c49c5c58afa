"""Voice: a stage, calls of 32 (all talking; 3 talking and a speaker change), the same calls
through Janus AudioBridge, a 4-person video call with a screen share (on the embedded SFU, and
through Janus AudioBridge and VideoRoom), and a floor.

`python -m bench.voice [--listeners N] [--callers N] [--seconds S] [--only a,b]`, about five
minutes. Goals (issue 11): on this machine, every listener of a stage of 100 with 2 speakers gets
at least 99 % of the speakers' packets; a call of 32 works, each hearing the 3 loudest, under
0.5 core (Janus AudioBridge: 0.79 core, measured here in the same run); a speaker change reaches
listeners in under 300 ms; join to first audio under 1 s. Reported for each: packets delivered
per listener against what the speakers sent in the window, one-way latency (send → decrypted at
the listener), join time (op 4 → first audio packet), the CPU of the server, of Janus, of every
load generator and of the rest of the machine (`others`), and the server's and Janus's memory.

Everything is real: a `townhall serve` with its SFU on 127.0.0.1 (bench/server.py), accounts and
channels made over REST, and every participant with its own main gateway session, voice gateway
connection and aiortc peer connection (`bench.voice_clients`), 25 to a load-generator process.
The floor (`bench.voice_floor`) relays the same packets to the same number of listeners with
nothing but SRTP and `sendto`; Janus (`bench.voice_janus`) runs in a network namespace of its
own with a townhall server that signals for it; all in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvloop

from bench import community, report
from bench.janus_process import JanusNamespace, janus_namespace
from bench.loadgen import LoadGenerator
from bench.proc import CONTENDED_PERCENT, wait_for_quiet
from bench.report import percentile
from bench.server import townhall
from bench.voice_janus import janus_call, janus_line
from bench.voice_scenario import (
    AUDIO_SLOTS,
    CALL_PER_PROCESS,
    PER_PROCESS,
    SETTLE_SECONDS,
    STAGE_CHANNEL,
    VOICE_CHANNEL,
    VOICE_ENV,
    base_config,
    bring_up,
    call_levels,
    chunks,
    make_channel,
    measure,
    people_of,
    person,
    reports_of,
    start,
    stop,
    summarize,
)
from bench.voice_video import video_call, video_line

LISTENERS, CALLERS, SECONDS = 100, 32, 20.0
SPEAKER_LEVELS = (20, 26)
"""dBov of the two stage speakers (RFC 6464: 0 is loudest, 127 silence; speech is under 50)."""
TALKING_LEVELS = (10, 12, 14)
"""The realistic call: three talk, everyone else's microphone is muted (a browser sends nothing)."""
NEWCOMER_LEVEL = 4
"""dBov of the speaker who starts late: 10 dB louder than the quietest of the three (the SFU
switches at 6 dB), so it must take a slot from one of them."""
CHANGE_WAIT_SECONDS = 2.5
GOAL_CHANGE_MS = 300.0
QUIET_WAIT_SECONDS = 15.0
"""Before each scenario, wait at most this long for the machine's other work to calm down."""


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
            reports, cpu, rss = await measure(generators, pids, seconds)
        finally:
            await stop(generators)
    audience_numbers = {p["number"] for p in audience}
    result = summarize(reports, cpu, seconds, audience_numbers, lambda p, sent: sorted(sent))
    result["all_joined_seconds"] = round(joined_in, 1)
    result["rss_mib"] = rss
    result["meets_goal"] = result["listeners_at_goal"] == listeners
    return result


async def call(people: int, seconds: float, talking: int | None = None) -> dict[str, Any]:
    """Everyone talks at once at a different level, each should hear the three loudest others;
    or (`talking`) only the first few talk, the others are muted, and after the window one
    more, louder than them, starts (a speaker change)."""
    few = talking is not None
    what = f"{talking} talking, then a louder one" if few else "all talking"
    print(f"  call: {people} people {what}, townhall", flush=True)
    levels: list[int | None] = list(call_levels(people))
    if talking is not None:
        levels = [*TALKING_LEVELS[:talking], *[None] * (people - talking)]
        levels[-1] = NEWCOMER_LEVEL
    with townhall("sqlite", "voice-call", VOICE_ENV) as server:
        group = await community.build(server.api, people - 1)
        channel_id = await make_channel(server, group, VOICE_CHANNEL)
        base = base_config(server, group, channel_id)
        accounts = [group.owner, *group.members]
        callers = [person(1 + i, a, levels[i]) for i, a in enumerate(accounts)]
        newcomer = callers[-1]
        newcomer["hold"] = few
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
            reports, cpu, rss = await measure(generators, pids, seconds)
            if few:
                for generator in generators:
                    generator.command(f"talk {newcomer['number']}")
                await asyncio.sleep(CHANGE_WAIT_SECONDS)
                after = await reports_of(generators)
        finally:
            await stop(generators)

    def heard_most(p: dict[str, Any], sent: dict[int, int]) -> list[int]:
        ranked = sorted(p["received"].items(), key=lambda item: -item[1])
        return [int(number) for number, _ in ranked[:AUDIO_SLOTS]]

    def everyone_talking(p: dict[str, Any], sent: dict[int, int]) -> list[int]:
        return [number for number in sent if number != p["number"]]

    numbers = {p["number"] for p in callers}
    result = summarize(reports, cpu, seconds, numbers, everyone_talking if few else heard_most)
    result["rss_mib"] = rss
    loudest = [p["number"] for p in callers if p["level"] is not None and not p.get("hold")]
    loudest = sorted(loudest, key=lambda n: levels[n - 1] or 0)[:AUDIO_SLOTS]
    hears_loudest = 0
    for p in people_of(reports):
        others = {n for n in loudest if n != p["number"]}
        hears_loudest += others <= set(heard_most(p, {}))
    result["hear_the_loudest"] = hears_loudest
    result["all_joined_seconds"] = round(joined_in, 1)
    result["meets_goal"] = result["listeners_at_goal"] == people and hears_loudest == people
    if few:
        result["speaker_change"] = speaker_change(after, newcomer["number"], set(loudest))
    return result


def speaker_change(reports: list[dict[str, Any]], newcomer: int, talkers: set[int]) -> Any:
    """From the newcomer's first packet sent to its first packet at each listener: for the
    silent ones, whose three slots the talkers hold, and (`slot_free`) for the talkers, who hear
    only two others. Their third slot is not free when the newcomer starts, though: the SFU
    fills a free slot at once even with a silent person, so the newcomer must win it too."""
    people = people_of(reports)
    first_sent = next(p["first_sent_ns"] for p in people if p["number"] == newcomer)
    full: list[float] = []
    free: list[float] = []
    for p in people:
        arrived = p["first_from"].get(str(newcomer))
        if p["number"] == newcomer or arrived is None or first_sent is None:
            continue
        (free if p["number"] in talkers else full).append((arrived - first_sent) / 1e6)

    def spread(values: list[float]) -> dict[str, Any]:
        values.sort()
        return {
            "heard": len(values),
            "p50_ms": round(percentile(values, 50), 1) if values else None,
            "p99_ms": round(percentile(values, 99), 1) if values else None,
            "min_ms": round(values[0], 1) if values else None,
            "max_ms": round(values[-1], 1) if values else None,
        }

    listeners = len(people) - 1
    slots_full = spread(full)
    return {
        "listeners": listeners,
        "listeners_with_slots_full": listeners - len(talkers),
        "slots_full": slots_full,
        "slot_free": spread(free),
        "goal_ms": GOAL_CHANGE_MS,
        "meets_goal": len(full) + len(free) == listeners
        and slots_full["p99_ms"] is not None
        and slots_full["p99_ms"] < GOAL_CHANGE_MS,
    }


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
        reports, cpu, _ = await measure(generators, pids, seconds)
    finally:
        await stop(generators)
    numbers = {int(p["number"]) for p in audience}
    result = summarize(reports, cpu, seconds, numbers, lambda p, sent: sorted(sent))
    result["meets_goal"] = result["listeners_at_goal"] == listeners
    return result


def line(name: str, r: dict[str, Any]) -> str:
    cpu = r["cpu_percent"]
    generators = cpu.get("listeners", 0.0) + cpu.get("speakers", 0.0) + cpu.get("callers", 0.0)
    memory = f", RSS {r['rss_mib']['server']} MiB" if "rss_mib" in r else ""
    text = (
        f"    {name}: {r['listeners_at_goal']}/{r['listeners']} listeners ≥ 99 % "
        f"(min {r['delivered_min_percent']} %), latency p50 {r['latency_p50_ms']} ms "
        f"p99 {r['latency_p99_ms']} ms, join p50 {r['join_p50_ms']} ms p99 {r['join_p99_ms']} "
        f"ms; server {cpu['server']} %{memory}, load generators {round(generators, 1)} %, "
        f"others {cpu['others']} % ({r['server_cpu_us_per_delivered_packet']} µs/packet)"
    )
    change = r.get("speaker_change")
    if change:
        full, free = change["slots_full"], change["slot_free"]
        text += (
            f"\n    speaker change: slots full {full['heard']}/"
            f"{change['listeners_with_slots_full']} p50 {full['p50_ms']} ms "
            f"p99 {full['p99_ms']} ms; a slot free {free['heard']} "
            f"p50 {free['p50_ms']} ms (goal {GOAL_CHANGE_MS:.0f} ms)"
        )
    return text


SCENARIOS = ("stage", "call", "call3", "floor", "janus", "janus3", "video", "janusvideo")
"""`call3`: 32 people, 3 talking, then a speaker change; `janus`, `janus3`: the two calls
through Janus AudioBridge; `video`: 4 people with cameras and a screen share; `janusvideo`: the
same through Janus AudioBridge and VideoRoom."""


async def scenario(
    name: str, listeners: int, callers: int, seconds: float, janus: Any
) -> dict[str, Any]:
    if name == "stage":
        return await stage(listeners, seconds)
    if name == "call":
        return await call(callers, seconds)
    if name == "call3":
        return await call(callers, seconds, talking=len(TALKING_LEVELS))
    if name == "floor":
        return await floor(listeners, seconds)
    if name == "video":
        return await video_call(seconds)
    namespace = janus()
    if isinstance(namespace, str):
        return {"error": namespace}
    if name == "janusvideo":
        return await video_call(seconds, namespace)
    levels: list[int | None] = list(call_levels(callers))
    if name == "janus3":
        levels = [*TALKING_LEVELS, *[None] * (callers - len(TALKING_LEVELS))]
    return await janus_call(namespace, levels, seconds)


async def measure_all(
    listeners: int, callers: int, seconds: float, only: Sequence[str] = SCENARIOS
) -> dict[str, Any]:
    result: dict[str, Any] = {"seconds": seconds}
    with contextlib.ExitStack() as janus_stack:
        started: list[JanusNamespace | str] = []

        def janus() -> JanusNamespace | str:
            """One Janus for all Janus scenarios, started when the first needs it; a string
            says why it could not be."""
            if not started:
                directory = janus_stack.enter_context(tempfile.TemporaryDirectory())
                try:
                    started.append(janus_stack.enter_context(janus_namespace(Path(directory))))
                except (RuntimeError, OSError, subprocess.SubprocessError) as error:
                    started.append(f"Janus could not be started: {error}")
                    print(f"    {started[0]}", flush=True)
            return started[0]

        for name in only:
            # Our own processes are all stopped here (Janus idles): the rest is someone else's.
            quiet = await asyncio.to_thread(wait_for_quiet, CONTENDED_PERCENT, QUIET_WAIT_SECONDS)
            result[name] = await scenario(name, listeners, callers, seconds, janus)
            result[name]["others_cpu_percent_before"] = quiet
            if "error" in result[name]:
                continue
            if name in ("video", "janusvideo"):
                print(video_line(name, result[name]), flush=True)
            elif name.startswith("janus"):
                print(janus_line(name, result[name]), flush=True)
            else:
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
    parser.add_argument("--only", default=",".join(SCENARIOS), help=", ".join(SCENARIOS))
    arguments = parser.parse_args()
    only = [name for name in arguments.only.split(",") if name in SCENARIOS]
    started = time.monotonic()
    run(arguments.listeners, arguments.callers, arguments.seconds, only)
    print(f"  voice in {(time.monotonic() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
