"""Throughput: 50 receivers in one channel, 8 sends always in flight, for as long as it lasts.

`python -m bench.throughput`. The shape of the outside comparison (townhall against Synapse in one
run: 459 and 9.6 msg/s). Goal: about 1,000 msg/s (100 times Synapse) with send→receive p99 < 50 ms.
Closed loop: each of the 8 senders posts its next message when the previous one is answered; the
time in a message's content is when its send started, so the latency is send → every receiver.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

import uvloop

from bench import community, loadgen, rates, report
from bench.proc import CpuMeter, wait_for_quiet
from bench.server import townhall

RECEIVERS = 50
IN_FLIGHT = 8
SECONDS = 15.0
WARM_UP_SECONDS = 3.0
GOAL_RATE = 1000.0
GOAL_P99_MS = 50.0
SYNAPSE_MSG_PER_S = 9.6
"""Synapse 1.163 in the outside run (shared/research/performance.md), not measured here."""


async def closed_loop(sender: rates.HttpSender, step: int, seconds: float) -> tuple[int, int]:
    """IN_FLIGHT senders back to back for `seconds`; (answered, failed)."""
    stop = time.monotonic() + seconds
    outcome = {"ok": 0, "errors": 0}

    async def one() -> None:
        while time.monotonic() < stop:
            ok = await sender.send(f"bench {step} {time.time_ns()} {rates.PADDING}")
            outcome["ok" if ok else "errors"] += 1

    await asyncio.gather(*(one() for _ in range(IN_FLIGHT)))
    return outcome["ok"], outcome["errors"]


async def measure(backend: str) -> dict[str, Any]:
    with townhall(backend, "throughput") as server:
        group = await community.build(server.api, RECEIVERS)
        configs = loadgen.split(
            RECEIVERS, 1, [server.gateway], [m.token for m in group.members], compress=None
        )
        generators = await asyncio.to_thread(loadgen.start_all, configs)
        try:
            sender = rates.HttpSender(server.api, group.channel_id, group.owner.token, IN_FLIGHT)
            await sender.open()
            await closed_loop(sender, 0, WARM_UP_SECONDS)
            await asyncio.to_thread(wait_for_quiet)
            pids = {"server": server.pids, "loadgen": [g.pid for g in generators]}
            meter = CpuMeter({**pids, "sender": os.getpid()})
            meter.start()
            began = time.monotonic()
            sent, errors = await closed_loop(sender, 1, SECONDS)
            elapsed = time.monotonic() - began
            cpu = meter.stop()
            await asyncio.sleep(rates.DRAIN_SECONDS)
            reports = [await asyncio.to_thread(g.report) for g in generators]
            await sender.close()
        finally:
            for generator in generators:
                generator.stop()
    histogram, received, _size = rates.merge(reports, 1)
    missing = max(0, sent * RECEIVERS - received)
    width = loadgen.BUCKET_NS / 1e6
    rate = sent / elapsed
    p50 = report.histogram_percentile(histogram, missing, 50, width)
    p99 = report.histogram_percentile(histogram, missing, 99, width)
    return {
        "backend": backend,
        "workers": server_workers(),
        "receivers": RECEIVERS,
        "in_flight": IN_FLIGHT,
        "seconds": SECONDS,
        "messages_per_s": round(rate, 1),
        "deliveries_per_s": round(received / elapsed),
        "send_errors": errors,
        "missing": missing,
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1),
        "cpu_percent": cpu,
        "server_cpu_ms_per_message": round(cpu["server"] / 100 / rate * 1000, 3),
        "times_synapse": round(rate / SYNAPSE_MSG_PER_S),
        "meets_goal": rate >= GOAL_RATE and p99 < GOAL_P99_MS and errors == 0,
    }


def server_workers() -> int:
    from bench.server import WORKERS

    return WORKERS


def run() -> dict[str, Any]:
    report.machine()
    results = {}
    for backend in ("sqlite", "postgresql"):
        print(f"  throughput, {backend}: {RECEIVERS} receivers, {IN_FLIGHT} in flight", flush=True)
        r = results[backend] = uvloop.run(measure(backend))
        print(
            f"    {r['messages_per_s']} msg/s ({r['times_synapse']} times Synapse),"
            f" p50 {r['p50_ms']} ms,"
            f" p99 {r['p99_ms']} ms, server CPU {r['server_cpu_ms_per_message']} ms/message;"
            f" cpu {r['cpu_percent']}",
            flush=True,
        )
    report.write("throughput", results)
    return results


if __name__ == "__main__":
    run()
