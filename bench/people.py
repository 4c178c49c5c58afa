"""People per machine: how many people using townhall at once one 2-core machine serves.

`python -m bench.people`. N people in 20 communities of 10 channels (each person in 3), each with a
gateway session (zlib-stream, as browsers and bots connect) and the REST habits of bench/actors.py:
a history page every 10 ± 5 s, typing and a message every 30 ± 10 s, a reaction every minute.
For N = 500, 1,000, 1,500, 2,000, 2,500 (stopping at the first that misses): REST p99 and
send→receive p99 over MEASURE_SECONDS. Goal: the largest N with both under 200 ms is 2,000 or more.
Server and database share the machine with the load generators (their CPU is reported).
"""

from __future__ import annotations

import asyncio
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import loadgen, rates, report, town
from bench.loadgen import BUCKET_NS, LoadGenerator
from bench.proc import CpuMeter, rss_bytes, wait_for_quiet
from bench.server import townhall

STEPS = (500, 1000, 1500, 2000, 2500)
WARM_UP_SECONDS = 15.0
MEASURE_SECONDS = 45.0
PROFILE_SECONDS = 30
GOAL_P99_MS = 200.0
GOAL_PEOPLE = 2000
RECEIVER_PROCESSES = 2
INTENTS = (1 << 0) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 8)
"""GUILDS, GUILD_MESSAGES, reactions, typing and presences: what a chat app asks for."""


def p99(histogram: dict[int, int], missing: int = 0) -> float:
    return report.histogram_percentile(histogram, missing, 99, BUCKET_NS / 1e6)


async def measure_step(
    server_pids: list[int], gateway: str, api: str, people: list[town.Person], step: int
) -> dict[str, Any]:
    """One step of N people; `server_pids` is the server and its workers (TOWNHALL_WORKERS)."""
    tokens = [p.account.token for p in people]
    places = [[(pl.guild_id, c) for pl in p.places for c in pl.channel_ids] for p in people]
    epoch = time.time()
    receivers = await asyncio.to_thread(
        loadgen.start_all,
        loadgen.split(
            len(people),
            RECEIVER_PROCESSES,
            [gateway],
            tokens,
            compress="zlib-stream",
            intents=INTENTS,
            places=places,
            epoch=epoch,
            concurrency=50,
            ready_timeout=600,
        ),
    )
    config = {
        "api": api,
        "epoch": epoch,
        "people": [{"token": t, "places": p} for t, p in zip(tokens, places, strict=True)],
    }
    actors = LoadGenerator(config, module="bench.actors")
    try:
        actors.wait_ready()
        await asyncio.sleep(WARM_UP_SECONDS)
        await asyncio.to_thread(wait_for_quiet, 30.0, 10.0)
        actors.command(f"step {step}")
        meter = CpuMeter(
            {"server": server_pids, "receivers": [g.pid for g in receivers], "actors": actors.pid}
        )
        meter.start()
        spy = _profile(rates.profile_directory("people"), server_pids[0], len(people))
        await asyncio.sleep(MEASURE_SECONDS)
        cpu = meter.stop()
        if spy is not None:
            spy.wait()
        rest = actors.report()
        await asyncio.sleep(rates.DRAIN_SECONDS)
        delivered = [await asyncio.to_thread(g.report) for g in receivers]
        rss = sum(rss_bytes(pid) for pid in server_pids)
    finally:
        actors.stop()
        for generator in receivers:
            generator.stop()
    deliveries, count, _size = rates.merge(delivered, step)
    requests: dict[int, int] = {}
    by_kind = {}
    for kind, raw in rest["histograms"].items():
        histogram = {int(b): n for b, n in raw.items()}
        by_kind[kind] = {
            "requests": sum(histogram.values()),
            "p99_ms": round(p99(histogram), 1),
        }
        for bucket, n in histogram.items():
            requests[bucket] = requests.get(bucket, 0) + n
    rest_p99 = p99(requests)
    delivery_p99 = p99(deliveries)
    sends = by_kind.get("send", {}).get("requests", 0)
    errors = sum(rest["errors"].values())
    return {
        "people": len(people),
        "rest_requests_per_s": round(sum(requests.values()) / MEASURE_SECONDS, 1),
        "rest_p99_ms": round(rest_p99, 1),
        "by_request": by_kind,
        "rest_errors": rest["errors"],
        "messages_per_s": round(sends / MEASURE_SECONDS, 1),
        "deliveries_per_s": round(count / MEASURE_SECONDS),
        "send_to_receive_p99_ms": round(delivery_p99, 1) if math.isfinite(delivery_p99) else "inf",
        "lost_sessions": sum(g["lost"] for g in delivered),
        "cpu_percent": cpu,
        "server_rss_mib": round(rss / 1024 / 1024, 1),
        "meets_goal": rest_p99 < GOAL_P99_MS and delivery_p99 < GOAL_P99_MS and errors == 0,
    }


async def measure(backend: str, steps: tuple[int, ...] = STEPS) -> dict[str, Any]:
    results = []
    with townhall(backend, "people") as server:
        started = time.monotonic()
        everyone = await town.build(server.api, max(steps))
        print(f"    built {len(everyone.people)} people in {time.monotonic() - started:.0f} s")
        for step, n in enumerate(steps, start=1):
            result = await measure_step(
                server.pids, server.gateway, server.api, everyone.people[:n], step
            )
            results.append(result)
            print(f"    {_line(result)}", flush=True)
            if not result["meets_goal"]:
                break
    best = max((r["people"] for r in results if r["meets_goal"]), default=0)
    return {
        "backend": backend,
        "communities": town.COMMUNITIES,
        "channels_per_community": town.CHANNELS,
        "communities_per_person": town.PER_PERSON,
        "steps": results,
        "most_people_within_goal": best,
        "meets_goal": best >= GOAL_PEOPLE,
    }


def _profile(directory: Path | None, pid: int, people: int) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=<dir>: py-spy's collapsed stacks of the server (its first process)
    during the step's first PROFILE_SECONDS, in `<dir>/people/step-<N>.txt`."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if directory is None or not Path(spy).exists():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    output = directory / f"step-{people}.txt"
    command = [spy, "record", "--pid", str(pid), "--duration", str(PROFILE_SECONDS)]
    command += ["--rate", "200", "--format", "raw", "--output", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _line(r: dict[str, Any]) -> str:
    cpu = ", ".join(f"{k} {v}%" for k, v in r["cpu_percent"].items())
    return (
        f"{r['people']:>5} people: REST {r['rest_requests_per_s']}/s p99 {r['rest_p99_ms']} ms,"
        f" {r['messages_per_s']} msg/s, {r['deliveries_per_s']} deliveries/s,"
        f" send→receive p99 {r['send_to_receive_p99_ms']} ms, errors {r['rest_errors']};"
        f" cpu {cpu}; RSS {r['server_rss_mib']} MiB"
    )


def run(steps: tuple[int, ...] = STEPS) -> dict[str, Any]:
    report.machine()
    print(f"  people per machine (SQLite), steps {steps}", flush=True)
    result = asyncio.run(measure("sqlite", steps))
    report.write("people", result)
    return result


if __name__ == "__main__":
    run(tuple(int(n) for n in sys.argv[1:]) or STEPS)
