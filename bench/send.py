"""Message create latency over HTTP: sequential sends on one keep-alive connection.

`python -m bench.send`. Goal: p50 < 3 ms. The channel has no gateway receivers, so this is the
cost of the request itself: parse, permission check, INSERT + commit, publish, response.

Measured in the same run, the floor of the HTTP stack: `GET /healthz` (uvicorn + FastAPI, no
route logic) and `GET /users/@me` (plus the token check, from the node's cache).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from bench import community, report
from bench.proc import CpuMeter, least_contended
from bench.server import townhall

WARM_UP = 200
SENDS = 2000
GOAL_P50_MS = 3.0


FLOOR_REQUESTS = 1000


def http_floor(http: httpx.Client, server_pid: int, url: str) -> dict[str, Any]:
    """Latency and server CPU of a GET that does (almost) nothing."""
    for _ in range(100):
        http.get(url).raise_for_status()
    samples = []
    meter = CpuMeter({"server": server_pid})
    meter.start()
    began = time.monotonic()
    for _ in range(FLOOR_REQUESTS):
        started = time.perf_counter()
        http.get(url).raise_for_status()
        samples.append((time.perf_counter() - started) * 1000)
    elapsed = time.monotonic() - began
    cpu = meter.stop()
    per_request = elapsed / FLOOR_REQUESTS * 1000 / 100
    return {
        **report.summarize_ms(samples),
        "server_cpu_ms_per_request": round(cpu["server"] * per_request, 3),
        "client_cpu_ms_per_request": round(cpu["client"] * per_request, 3),
        "others_cpu_percent": cpu["others"],
    }


def measure_backend(backend: str, sends: int = SENDS) -> dict[str, Any]:
    with townhall(backend, "send") as server:
        group = asyncio.run(community.build(server.api, 0))
        path = f"/channels/{group.channel_id}/messages"
        with httpx.Client(
            base_url=server.api, headers={"Authorization": group.owner.token}, timeout=30
        ) as http:
            for i in range(WARM_UP):
                http.post(path, json={"content": f"warm-up {i}"}).raise_for_status()

            def measure() -> dict[str, Any]:
                samples = []
                meter = CpuMeter({"server": server.pid})
                meter.start()
                started = time.monotonic()
                for i in range(sends):
                    body = {"content": f"benchmark message {i}: the quick brown fox jumps"}
                    sent = time.perf_counter()
                    response = http.post(path, json=body)
                    samples.append((time.perf_counter() - sent) * 1000)
                    if response.status_code != 200:
                        raise RuntimeError(f"send failed: {response.status_code} {response.text}")
                elapsed = time.monotonic() - started
                cpu = meter.stop()
                return {
                    **report.summarize_ms(samples),
                    "goal_p50_ms": GOAL_P50_MS,
                    "meets_goal": report.percentile(sorted(samples), 50) < GOAL_P50_MS,
                    "messages_per_s": round(sends / elapsed, 1),
                    "server_cpu_ms_per_message": round(
                        cpu["server"] / 100 * elapsed / sends * 1000, 3
                    ),
                    "client_cpu_ms_per_message": round(
                        cpu["client"] / 100 * elapsed / sends * 1000, 3
                    ),
                    "cpu_percent": cpu,
                    "others_cpu_percent": cpu["others"],
                }

            result = least_contended(measure)
            if backend == "sqlite":
                result["http_floor"] = {
                    "GET /healthz": http_floor(
                        http, server.pid, server.api[: -len("/api/v10")] + "/healthz"
                    ),
                    "GET /users/@me": http_floor(http, server.pid, "/users/@me"),
                }
            return result


def run() -> dict[str, Any]:
    report.machine()
    results = {}
    for backend in ("sqlite", "postgresql"):
        print(f"  send, {backend}: {WARM_UP} warm-up + {SENDS} sequential sends", flush=True)
        results[backend] = measure_backend(backend)
        r = results[backend]
        print(
            f"    p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"server CPU {r['server_cpu_ms_per_message']} ms/message",
            flush=True,
        )
        for route, floor in r.get("http_floor", {}).items():
            print(
                f"    floor {route}: p50 {floor['p50_ms']} ms, "
                f"server CPU {floor['server_cpu_ms_per_request']} ms/request",
                flush=True,
            )
    result = {"warm_up": WARM_UP, "sends": SENDS, **results}
    report.write("send", result)
    return result


if __name__ == "__main__":
    run()
