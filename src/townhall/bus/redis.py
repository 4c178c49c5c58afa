"""Scale-out bus: every node publishes to one Redis pub/sub channel and hears every event from it.

A node hears its own events back through Redis rather than delivering them locally first, so every
node sees all events in the same order. Events are encoded once by the publishing node; the others
receive the bytes and only parse the small routing header.
"""

from __future__ import annotations

import asyncio
import logging
import struct

import orjson
import redis.asyncio as redis

from townhall.bus.events import Encoder, Envelope, Event, Handler

log = logging.getLogger("townhall.bus")
_LENGTH = struct.Struct("!I")


def pack(envelope: Envelope) -> bytes:
    header = orjson.dumps(
        {
            "t": envelope.type,
            "g": envelope.guild_id,
            "c": envelope.channel_id,
            "u": sorted(envelope.user_ids) if envelope.user_ids is not None else None,
            "m": envelope.meta,
            "v": list(envelope.variants),
        }
    )
    parts = [_LENGTH.pack(len(header)), header, _LENGTH.pack(len(envelope.data)), envelope.data]
    for body in envelope.variants.values():
        parts += [_LENGTH.pack(len(body)), body]
    return b"".join(parts)


def unpack(raw: bytes) -> Envelope:
    view = memoryview(raw)
    offset = 0

    def take() -> bytes:
        nonlocal offset
        (length,) = _LENGTH.unpack_from(view, offset)
        offset += 4 + length
        return bytes(view[offset - length : offset])

    header = orjson.loads(take())
    data = take()
    variants = {name: take() for name in header["v"]}
    users = header["u"]
    return Envelope(
        type=header["t"],
        data=data,
        guild_id=header["g"],
        channel_id=header["c"],
        user_ids=frozenset(users) if users is not None else None,
        variants=variants,
        meta=header["m"],
    )


class RedisBus:
    def __init__(self, url: str, encode: Encoder, channel: str = "townhall:events") -> None:
        self._url = url
        self._encode = encode
        self._channel = channel
        self._handlers: list[Handler] = []
        self._immediate: list[Handler] = []
        # One connection for publishing keeps this node's events in the order they were sent.
        self._publisher = redis.Redis.from_url(url, single_connection_client=True)
        self._subscriber = redis.Redis.from_url(url)
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def subscribe(self, handler: Handler, *, immediate: bool = False) -> None:
        self._handlers.append(handler)
        if immediate:
            self._immediate.append(handler)

    def unsubscribe(self, handler: Handler) -> None:
        self._handlers.remove(handler)
        if handler in self._immediate:
            self._immediate.remove(handler)

    async def publish(self, event: Event) -> None:
        envelope = self._encode(event)
        for handler in self._immediate:
            handler(envelope)
        payload = pack(envelope)
        async with self._lock:
            await self._publisher.publish(self._channel, payload)

    async def start(self) -> None:
        pubsub = self._subscriber.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(self._channel)
        self._reader = asyncio.get_running_loop().create_task(self._read(pubsub))

    async def _read(self, pubsub: redis.client.PubSub) -> None:
        while True:
            try:
                message = await pubsub.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("bus read failed; retrying")
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            envelope = unpack(message["data"])
            for handler in self._handlers:
                try:
                    handler(envelope)
                except Exception:
                    log.exception("event handler failed", extra={"event": envelope.type})

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
        await self._publisher.aclose()
        await self._subscriber.aclose()
