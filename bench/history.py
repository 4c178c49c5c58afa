"""History pages in a channel of a million messages.

`GET /channels/{id}/messages?limit=100&before=<id>`, from random points of the history.

`python -m bench.history`. Goal: p99 < 20 ms. The million rows go in by bulk INSERT straight into
the server's database while the server is stopped (seeding through the API would take an hour),
with snowflake ids from the same generator the server uses; then the server starts and pages are
read from random points of the history.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text, update

from bench import community, report
from bench.proc import CpuMeter, least_contended
from bench.server import Townhall, data_directory, database
from townhall.domain.snowflake import SnowflakeGenerator
from townhall.store.database import create_engine
from townhall.store.schema import channels, messages

MESSAGES = 1_000_000
BATCH = 10_000
WARM_UP = 100
PAGES = 1000
GOAL_P99_MS = 20.0
WORDS = ("the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "again")


def message_rows(
    channel_id: int, guild_id: int, author_id: int, ids: list[int], start: int
) -> list[dict[str, Any]]:
    rows = []
    for i in range(start, min(start + BATCH, len(ids))):
        words = WORDS[: 4 + i % 7]
        rows.append(
            {
                "id": ids[i],
                "channel_id": channel_id,
                "guild_id": guild_id,
                "author_id": author_id,
                "content": f"message {i}: " + " ".join(words),
            }
        )
    return rows


async def seed(url: str, group: community.Community, count: int) -> list[int]:
    """`count` messages by the owner in the general channel, oldest first; their ids."""
    generator = SnowflakeGenerator(node_id=1023)  # no running node leases the last id
    ids = [generator.next_id() for _ in range(count)]
    engine = create_engine(url)
    try:
        for start in range(0, count, BATCH):
            rows = message_rows(group.channel_id, group.guild_id, group.owner.user_id, ids, start)
            async with engine.begin() as conn:
                await conn.execute(insert(messages), rows)
        async with engine.begin() as conn:
            await conn.execute(
                update(channels)
                .where(channels.c.id == group.channel_id)
                .values(last_message_id=ids[-1])
            )
            stored = (
                await conn.execute(
                    select(func.count()).where(messages.c.channel_id == group.channel_id)
                )
            ).scalar_one()
            if stored < count:
                raise RuntimeError(f"seeded {stored} of {count} messages")
            if engine.dialect.name == "postgresql":
                # A database that grew by use has planner statistics; a bulk load needs them made.
                await conn.execute(text("ANALYZE messages"))
    finally:
        await engine.dispose()
    return ids


def measure_backend(backend: str, count: int = MESSAGES, pages: int = PAGES) -> dict[str, Any]:
    with data_directory("history") as data_dir, database(backend) as url:
        env = {"TOWNHALL_DATABASE_URL": url} if url else {}
        server = Townhall(data_dir, env).start()
        try:
            group = asyncio.run(community.build(server.api, 0))
            server.stop()
            seeded_at = time.monotonic()
            db_url = url or f"sqlite:///{(data_dir / 'townhall.sqlite3').resolve()}"
            ids = asyncio.run(seed(db_url, group, count))
            seed_seconds = time.monotonic() - seeded_at
            print(f"    seeded {count} messages in {seed_seconds:.1f} s", flush=True)
            server.start()
            path = f"/channels/{group.channel_id}/messages"
            anchors = random.Random(1).choices(ids[100:], k=WARM_UP + pages)
            with httpx.Client(
                base_url=server.api, headers={"Authorization": group.owner.token}, timeout=30
            ) as http:
                for before in anchors[:WARM_UP]:
                    http.get(path, params={"limit": 100, "before": before}).raise_for_status()

                def measure() -> dict[str, Any]:
                    samples = []
                    meter = CpuMeter({"server": server.pid})
                    meter.start()
                    began = time.monotonic()
                    for before in anchors[WARM_UP:]:
                        started = time.perf_counter()
                        response = http.get(path, params={"limit": 100, "before": before})
                        samples.append((time.perf_counter() - started) * 1000)
                        page = response.json()
                        if response.status_code != 200 or len(page) != 100:
                            raise RuntimeError(f"bad page: {response.status_code} {len(page)}")
                    elapsed = time.monotonic() - began
                    cpu = meter.stop()
                    return {
                        **report.summarize_ms(samples),
                        "goal_p99_ms": GOAL_P99_MS,
                        "meets_goal": report.percentile(sorted(samples), 99) < GOAL_P99_MS,
                        "server_cpu_ms_per_page": round(
                            cpu["server"] / 100 * elapsed / pages * 1000, 3
                        ),
                        "client_cpu_ms_per_page": round(
                            cpu["client"] / 100 * elapsed / pages * 1000, 3
                        ),
                        "cpu_percent": cpu,
                        "others_cpu_percent": cpu["others"],
                    }

                result = least_contended(measure)
        finally:
            server.stop()
    return {**result, "messages_in_channel": count, "seed_seconds": round(seed_seconds, 1)}


def run() -> dict[str, Any]:
    report.machine()
    results = {}
    for backend in ("sqlite", "postgresql"):
        print(f"  history, {backend}: {PAGES} pages of 100 in {MESSAGES:,} messages", flush=True)
        r = results[backend] = measure_backend(backend)
        print(
            f"    p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"server CPU {r['server_cpu_ms_per_page']} ms/page",
            flush=True,
        )
    result = {"page_size": 100, "pages": PAGES, **results}
    report.write("history", result)
    return result


if __name__ == "__main__":
    run()
