"""Fan-out across two `townhall serve` processes on PostgreSQL, joined by the Redis bus.

`python -m bench.two_nodes`. The sender posts to node A; half the receivers are connected to A,
half to B (alternately, from one load generator). Every event goes A → Redis → A and B, so
this measures the scale-out path: encode once on A, pack, pub/sub, unpack, fan out on each node.
"""

from __future__ import annotations

import uuid
from typing import Any

import uvloop

from bench import fanout, report
from bench.server import REDIS_URL, Townhall, data_directory, database


async def measure() -> dict[str, Any]:
    print(f"  two nodes: PostgreSQL + Redis bus, {fanout.RECEIVERS} receivers", flush=True)
    channel = f"townhall:bench:{uuid.uuid4().hex[:8]}"
    with data_directory("two-nodes") as data_dir, database("postgresql") as url:
        assert url is not None
        nodes = []
        try:
            for number in (1, 2):
                node_dir = data_dir / f"node{number}"
                node_dir.mkdir()
                env = {
                    "TOWNHALL_DATABASE_URL": url,
                    "TOWNHALL_BUS_URL": REDIS_URL,
                    "TOWNHALL_BUS_CHANNEL": channel,
                }
                nodes.append(Townhall(node_dir, env).start())
            result = await fanout.measure_townhall(nodes, name="two_nodes")
        finally:
            for node in nodes:
                node.stop()
    return {
        "database": "postgresql",
        "bus": "redis",
        **result,
        "at_100_msg_per_s": fanout.at_100(result),
    }


def run() -> dict[str, Any]:
    report.machine()
    result = uvloop.run(measure())
    report.write("two_nodes", result)
    print(
        f"    two nodes: {result['max_sustained_deliveries_per_s']} deliveries/s with p99 < 100 ms",
        flush=True,
    )
    return result


if __name__ == "__main__":
    run()
