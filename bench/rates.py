"""The rate ladder shared by the fan-out benchmarks: send at a fixed rate, step it up, stop when
the 99th percentile of delivery passes the limit.

Each step sends `rate` messages a second for STEP_SECONDS on an open-loop schedule: message i is
due at start + i/rate, and the time written into its content is when it was *due*, not when a
sender got round to it. A server that cannot keep up therefore shows its backlog as latency
(no coordinated omission). Deliveries still missing DRAIN_SECONDS after the last send count as
infinitely late.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from bench.http import Http
from bench.loadgen import BUCKET_NS, LoadGenerator
from bench.proc import CONTENDED_PERCENT, CpuMeter, wait_for_quiet
from bench.report import histogram_percentile

STEPS = (50, 75, 100, 125, 150, 200, 250, 300, 400, 600, 800, 1200, 1600)
GOAL_RATE = 100
"""The ladder always goes at least this far: the latency goal is stated at 100 msg/s."""
STEP_SECONDS = 5.0
DRAIN_SECONDS = 2.0
LIMIT_MS = 100.0
WARM_UP_STEP, WARM_UP_RATE = 999, 50
"""A first, unreported step: the server's first messages compile queries and fill caches."""
RETRIES = 2
"""A step that misses the limit is tried again once (one stall in five seconds is enough to miss
a p99), and once more if other processes used more than CONTENDED_PERCENT of a core meanwhile:
on a shared two-core machine a neighbour's test run is not the server's limit."""
PADDING = "the quick brown fox jumps over the lazy dog"
"""Makes a message's content about as long as a typical chat line."""


class Sender(Protocol):
    async def send(self, content: str) -> bool: ...


class HttpSender:
    """`POST /channels/{id}/messages` over a few keep-alive connections (bench/http.py)."""

    def __init__(self, api: str, channel_id: int, token: str, connections: int = 16) -> None:
        self.http = Http(api, connections)
        self.head = self.http.head("POST", f"/channels/{channel_id}/messages", token) + (
            b"Content-Type: application/json\r\nContent-Length: "
        )

    async def open(self) -> None:
        await self.http.open()

    async def send(self, content: str) -> bool:
        body = orjson.dumps({"content": content})
        status, _ = await self.http.send(self.head + str(len(body)).encode() + b"\r\n\r\n" + body)
        return status == 200

    async def close(self) -> None:
        await self.http.close()


def merge(reports: Sequence[Mapping[str, Any]], step: int) -> tuple[dict[int, int], int, int]:
    """One step's latency histogram, delivery count and bytes, summed over load generators."""
    histogram: dict[int, int] = {}
    count = size = 0
    for report in reports:
        entry = report["steps"].get(str(step))
        if entry is None:
            continue
        for bucket, n in entry["histogram"].items():
            histogram[int(bucket)] = histogram.get(int(bucket), 0) + n
        count += entry["count"]
        size += entry["bytes"]
    return histogram, count, size


async def run_step(
    step: int,
    rate: int,
    sender: Sender,
    senders: int,
    generators: Sequence[LoadGenerator],
    receivers: int,
    meter: CpuMeter,
    profile: Path | None = None,
    server_pid: int | None = None,
) -> dict[str, Any]:
    total = int(rate * STEP_SECONDS)
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
            ok = await sender.send(f"bench {step} {due} {PADDING}")
            outcome["ok" if ok else "errors"] += 1

    spy = _profile(profile, server_pid, rate)
    meter.start()
    await asyncio.gather(*(worker() for _ in range(senders)))
    sending = (time.time_ns() - start) / 1e9
    cpu = meter.stop()
    await asyncio.sleep(DRAIN_SECONDS)
    if spy is not None:
        spy.wait()
    reports = [await asyncio.to_thread(g.report) for g in generators]
    histogram, received, size = merge(reports, step)
    expected = outcome["ok"] * receivers
    missing = max(0, expected - received)
    width = BUCKET_NS / 1e6
    p50 = histogram_percentile(histogram, missing, 50, width)
    p99 = histogram_percentile(histogram, missing, 99, width)
    return {
        "rate": rate,
        "senders": senders,
        "sent": outcome["ok"],
        "send_errors": outcome["errors"],
        "achieved_send_rate": round(outcome["ok"] / sending, 1),
        "receivers": receivers,
        "deliveries": received,
        "missing": missing,
        "deliveries_per_s": round(received / sending),
        "frame_bytes": round(size / received) if received else None,
        "p50_ms": round(p50, 1),
        "p99_ms": round(p99, 1) if math.isfinite(p99) else "inf",
        "sustained": p99 < LIMIT_MS and outcome["errors"] == 0,
        "cpu_percent": cpu,
    }


def _profile(directory: Path | None, pid: int | None, rate: int) -> subprocess.Popen[bytes] | None:
    """With BENCH_PROFILE=<dir>: a py-spy flame graph of the server during each step."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if directory is None or pid is None or not Path(spy).exists():
        return None
    directory.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(STEP_SECONDS)),
            "--rate",
            "200",
            "--output",
            str(directory / f"step-{rate}.svg"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def profile_directory(name: str) -> Path | None:
    value = os.environ.get("BENCH_PROFILE")
    return Path(value) / name if value else None


def senders_for(rate: int, per_sender: int) -> int:
    """Enough concurrent senders that one slow request does not hold back the schedule."""
    return max(1, math.ceil(rate / per_sender))


async def climb(
    sender: Sender,
    generators: Sequence[LoadGenerator],
    receivers: int,
    pids: Mapping[str, int | list[int]],
    *,
    per_sender: int = 100,
    steps: Sequence[int] = STEPS,
    profile: Path | None = None,
    server_pid: int | None = None,
) -> dict[str, Any]:
    """Every step up to the first that misses the limit (and at least up to GOAL_RATE)."""
    meter = CpuMeter(pids)
    await run_step(WARM_UP_STEP, WARM_UP_RATE, sender, 2, generators, receivers, meter)
    results = []
    step_id = 0
    for rate in steps:
        for attempt in range(RETRIES + 1):
            await asyncio.to_thread(wait_for_quiet, CONTENDED_PERCENT, 20.0)
            result = await run_step(
                step_id,
                rate,
                sender,
                senders_for(rate, per_sender),
                generators,
                receivers,
                meter,
                profile,
                server_pid,
            )
            step_id += 1
            result["attempt"] = attempt + 1
            print(f"    {rate:>5} msg/s: {_line(result)}", flush=True)
            contended = result["cpu_percent"]["others"] > CONTENDED_PERCENT
            if result["sustained"] or (attempt >= 1 and not contended):
                break
            # A backlog left by the missed attempt must drain before the next one.
            await asyncio.sleep(DRAIN_SECONDS)
        results.append(result)
        if not result["sustained"] and rate >= GOAL_RATE:
            break
    # The highest rate such that it and every rate below it held the limit.
    best = None
    for result in results:
        if not result["sustained"]:
            break
        best = result
    return {
        "limit_p99_ms": LIMIT_MS,
        "steps": results,
        "max_sustained_deliveries_per_s": best["deliveries_per_s"] if best else 0,
        "max_sustained_rate": best["rate"] if best else 0,
    }


def _line(result: Mapping[str, Any]) -> str:
    cpu = ", ".join(f"{k} {v}%" for k, v in result["cpu_percent"].items())
    return (
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"{result['deliveries_per_s']} deliveries/s, missing {result['missing']}, "
        f"sent {result['achieved_send_rate']}/s; cpu {cpu}"
    )
