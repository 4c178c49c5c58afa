"""Memory of idle sessions: RSS of the server with 10,000 identified gateway sessions.

`python -m bench.idle`. Goal: 10,000 idle sessions in under 1 GiB. Sessions share a few accounts
(all members of one guild) and are spread over several load-generator processes; heartbeats are
set 10 minutes apart so that idle really is idle. Measured uncompressed and with zlib-stream
(a deflate context per session).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench import community, loadgen, report
from bench.proc import cpu_seconds, rss_bytes
from bench.server import townhall

SESSIONS = 10_000
ACCOUNTS = 20
PROCESSES = 4
GOAL_BYTES = 1024**3
MIB = 1024 * 1024


def measure_variant(compress: str | None, sessions: int = SESSIONS) -> dict[str, Any]:
    with townhall("sqlite", "idle") as server:
        group = asyncio.run(community.build(server.api, ACCOUNTS - 1))
        tokens = [group.owner.token] + [member.token for member in group.members]
        time.sleep(2)
        before = rss_bytes(server.pid)
        cpu_before, started = cpu_seconds(server.pid), time.monotonic()
        configs = loadgen.split(
            sessions,
            PROCESSES,
            [server.gateway],
            tokens,
            compress=compress,
            concurrency=25,
            ready_timeout=400,
        )
        generators = loadgen.start_all(configs, timeout=450)
        try:
            connect_seconds = time.monotonic() - started
            connect_cpu = cpu_seconds(server.pid) - cpu_before
            time.sleep(5)
            after = rss_bytes(server.pid)
            reports = [g.report() for g in generators]
            generator_rss = sum(rss_bytes(g.pid) for g in generators)
        finally:
            for generator in generators:
                generator.stop()
    ready = sum(r["ready"] for r in reports)
    lost = sum(r["lost"] for r in reports)
    return {
        "compress": compress or "none",
        "sessions": ready,
        "lost": lost,
        "rss_before_mib": round(before / MIB, 1),
        "rss_after_mib": round(after / MIB, 1),
        "per_session_kib": round((after - before) / ready / 1024, 1),
        "goal_mib": GOAL_BYTES // MIB,
        "meets_goal": after < GOAL_BYTES and ready == sessions,
        "connect_seconds": round(connect_seconds, 1),
        "server_cpu_ms_per_identify": round(connect_cpu / ready * 1000, 2),
        "load_generator_rss_mib": round(generator_rss / MIB, 1),
    }


def run() -> dict[str, Any]:
    report.machine()
    results = {}
    for compress in (None, "zlib-stream"):
        print(f"  idle: {SESSIONS:,} sessions, compress={compress or 'none'}", flush=True)
        r = results[compress or "none"] = measure_variant(compress)
        print(
            f"    RSS {r['rss_before_mib']} → {r['rss_after_mib']} MiB "
            f"({r['per_session_kib']} KiB/session), connected in {r['connect_seconds']} s",
            flush=True,
        )
    result = {"accounts": ACCOUNTS, "load_generators": PROCESSES, "variants": results}
    report.write("idle", result)
    return result


if __name__ == "__main__":
    run()
