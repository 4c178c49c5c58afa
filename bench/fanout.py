"""Fan-out: one sender, 200 gateway clients in one channel, send rate stepped up until the 99th
percentile of send→receipt passes 100 ms; the floor measured in the same run for comparison.

`python -m bench.fanout`. Goals: p99 < 50 ms at 100 msg/s; the highest deliveries/s sustained
with p99 < 100 ms at least 100 % of the floor's (`bench.floor`: a bare `websockets.broadcast()`).
The receivers run in a load-generator process of their own (bench.loadgen); the sender posts over
HTTP from this process. Every step reports the CPU the server, load generator, sender and the
rest of the machine used.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

import uvloop

from bench import community, floor, loadgen, rates, report
from bench.proc import wait_for_quiet
from bench.server import Townhall, townhall

RECEIVERS = 200
GOAL_P99_AT_100_MS = 50.0
GOAL_RATIO = 1.0
PER_SENDER = 25
"""Messages/s per concurrent HTTP sender: a request that takes 10 ms does not hold back 100/s."""


async def measure_townhall(
    servers: Sequence[Townhall],
    receivers: int = RECEIVERS,
    processes: int = 1,
    name: str = "fanout",
) -> dict[str, Any]:
    """The rate ladder against running servers: sender on the first, receivers spread over all."""
    first = servers[0]
    group = await community.build(first.api, receivers)
    tokens = [member.token for member in group.members]
    generators = await asyncio.to_thread(
        loadgen.start_all,
        loadgen.split(receivers, processes, [s.gateway for s in servers], tokens),
    )
    try:
        sender = rates.HttpSender(first.api, group.channel_id, group.owner.token)
        await sender.open()
        quiet = await asyncio.to_thread(wait_for_quiet)
        result = await rates.climb(
            sender,
            generators,
            receivers,
            {
                "server": [s.pid for s in servers],
                "loadgen": [g.pid for g in generators],
                "sender": os.getpid(),
            },
            per_sender=PER_SENDER,
            profile=rates.profile_directory(name),
            server_pid=first.pid,
        )
        await sender.close()
    finally:
        for generator in generators:
            generator.stop()
    return {
        "receivers": receivers,
        "servers": len(servers),
        "load_generators": processes,
        "others_cpu_percent_before": quiet,
        **result,
    }


def at_100(result: dict[str, Any]) -> dict[str, Any]:
    """The step at 100 msg/s (None if the ladder stopped before it)."""
    step = next((s for s in result["steps"] if s["rate"] == 100), None)
    if step is None:
        return {
            "p50_ms": None,
            "p99_ms": None,
            "goal_p99_ms": GOAL_P99_AT_100_MS,
            "meets_goal": False,
        }
    return {
        "p50_ms": step["p50_ms"],
        "p99_ms": step["p99_ms"],
        "goal_p99_ms": GOAL_P99_AT_100_MS,
        "meets_goal": step["p99_ms"] != "inf" and step["p99_ms"] < GOAL_P99_AT_100_MS,
    }


async def measure() -> dict[str, Any]:
    print(f"  fan-out: townhall (SQLite), {RECEIVERS} receivers", flush=True)
    with townhall("sqlite", "fanout") as server:
        ours = await measure_townhall([server])
    floor_result = await floor.measure(RECEIVERS)
    report.write("floor", {"floor": floor_result})
    best = ours["max_sustained_deliveries_per_s"]
    base = floor_result["max_sustained_deliveries_per_s"]
    ratio = round(best / base, 3) if base else None
    return {
        "townhall": ours,
        "floor": floor_result,
        "at_100_msg_per_s": at_100(ours),
        "ratio_to_floor": ratio,
        "goal_ratio": GOAL_RATIO,
        "meets_ratio_goal": ratio is not None and ratio >= GOAL_RATIO,
    }


def run() -> dict[str, Any]:
    report.machine()
    result = uvloop.run(measure())
    report.write("fanout", result)
    print(
        f"    townhall {result['townhall']['max_sustained_deliveries_per_s']} deliveries/s, "
        f"floor {result['floor']['max_sustained_deliveries_per_s']}: "
        f"ratio {result['ratio_to_floor']}",
        flush=True,
    )
    return result


if __name__ == "__main__":
    run()
