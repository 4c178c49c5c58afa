"""A process's node id: leased from the database at start, renewed while running, given back.

Snowflake ids carry the node id, so two processes minting with the same one could collide. Leasing
it from the shared database needs no configuration: every process takes the lowest free id. A
process that could not renew in time stops minting (`SnowflakeGenerator.valid_until`) until it
holds a lease again.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time

from townhall.domain.snowflake import NODE_IDS, SnowflakeGenerator
from townhall.store import nodes as node_store
from townhall.store.database import Database

log = logging.getLogger("townhall.runtime")

LEASE_SECONDS = 15.0
RENEW_EVERY = 5.0


class NoNodeId(RuntimeError):
    """Every node id is leased: more processes run than snowflakes can tell apart."""


class NodeLease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.holder = secrets.token_hex(16)
        """Unique to this process's run; outbox rows carry it."""
        self.ids = SnowflakeGenerator()
        self.ids.valid_until = 0.0
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self) -> SnowflakeGenerator:
        started = time.monotonic()
        now_ms = int(time.time() * 1000)
        async with self.db.write() as conn:
            node_id = await node_store.claim_node_id(
                conn, self.holder, now_ms, now_ms + int(LEASE_SECONDS * 1000), NODE_IDS
            )
        if node_id is None:
            raise NoNodeId(
                f"all {len(NODE_IDS)} node ids are leased by running processes; "
                "stop one, or wait for a stopped one's lease to run out"
            )
        self.ids.rebase(node_id)
        self.ids.valid_until = started + LEASE_SECONDS
        log.info("leased node id %d", node_id)
        return self.ids

    def start(self) -> None:
        self._renewer = asyncio.get_running_loop().create_task(self._renew_forever())

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_EVERY)
            try:
                await self.renew()
            except Exception:
                log.warning("could not renew the node lease; retrying", exc_info=True)

    async def renew(self) -> None:
        started = time.monotonic()
        until_ms = int(time.time() * 1000) + int(LEASE_SECONDS * 1000)
        async with self.db.write() as conn:
            kept = await node_store.renew(conn, self.ids.node_id, self.holder, until_ms)
        if kept:
            self.ids.valid_until = started + LEASE_SECONDS
            return
        log.error("node id %d was taken after our lease ran out; leasing another", self.ids.node_id)
        self.ids.valid_until = 0.0
        await self.acquire()

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
        self.ids.valid_until = 0.0
        try:
            async with self.db.write() as conn:
                await node_store.release(conn, self.ids.node_id, self.holder)
        except Exception:
            log.warning("could not give the node lease back; it runs out by itself", exc_info=True)
