"""Reconnect storm: 2,000 connected people, the server restarted; how long until all are back.

`python -m bench.reconnect`. The people of bench/town.py (20 communities, each person in 3), each
with a zlib-stream gateway session. The server is stopped (SIGTERM, as an upgrade does) and started
again on the same port and data; every session reconnects at once (after a random 0-250 ms, as
clients jitter) and identifies afresh. Measured: from the stop to the last session having READY
and all its GUILD_CREATEs. Goal: under 15 s.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from bench import loadgen, report, town
from bench.proc import CpuMeter, cpu_seconds
from bench.server import townhall

PEOPLE = 2000
PROCESSES = 2
GOAL_SECONDS = 15.0


async def measure(people: int) -> dict[str, Any]:
    with townhall("sqlite", "reconnect") as server:
        everyone = await town.build(server.api, people)
        tokens = [p.account.token for p in everyone.people]
        configs = loadgen.split(
            people,
            PROCESSES,
            [server.gateway],
            tokens,
            compress="zlib-stream",
            reconnect=True,
            concurrency=50,
            ready_timeout=600,
        )
        generators = await asyncio.to_thread(loadgen.start_all, configs)
        try:
            for generator in generators:
                generator.arm()
            began = time.monotonic()
            server.stop()
            stopped = time.monotonic() - began
            server.start()
            started = time.monotonic() - began
            meter = CpuMeter({"server": server.pid, "loadgen": [g.pid for g in generators]})
            meter.start()
            cpu_before = cpu_seconds(server.pid)
            back = [await asyncio.to_thread(g.wait_reconnected, 300) for g in generators]
            seconds = time.monotonic() - began
            cpu = meter.stop()
            identify_cpu = cpu_seconds(server.pid) - cpu_before
        finally:
            for generator in generators:
                generator.stop()
    return {
        "people": people,
        "sessions": people,
        "stop_seconds": round(stopped, 2),
        "start_seconds": round(started - stopped, 2),
        "all_ready_again_seconds": round(seconds, 2),
        "per_load_generator_seconds": [b["seconds"] for b in back],
        "server_cpu_ms_per_identify": round(identify_cpu / people * 1000, 2),
        "cpu_percent": cpu,
        "goal_seconds": GOAL_SECONDS,
        "meets_goal": seconds < GOAL_SECONDS,
    }


def run(people: int = PEOPLE) -> dict[str, Any]:
    report.machine()
    print(f"  reconnect storm: {people} sessions, server restarted", flush=True)
    result = asyncio.run(measure(people))
    print(
        f"    all ready again after {result['all_ready_again_seconds']} s"
        f" (stop {result['stop_seconds']} s, start {result['start_seconds']} s),"
        f" {result['server_cpu_ms_per_identify']} ms server CPU per identify",
        flush=True,
    )
    report.write("reconnect", result)
    return result


if __name__ == "__main__":
    run(int(sys.argv[1]) if len(sys.argv) > 1 else PEOPLE)
