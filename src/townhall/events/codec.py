"""Envelopes as bytes: the form stored in the outbox and carried by the bus.

A small JSON header (id, type, routing, cache effects, version) followed by the already-encoded
bodies, each prefixed by its length; receivers never re-encode the event, and parse only the header.
"""

from __future__ import annotations

import struct

import orjson

from townhall.events.catalog import REGISTRY
from townhall.events.event import Envelope

_LENGTH = struct.Struct("!I")


class UnknownEvent(ValueError):
    """The bytes name an event this node does not know (a newer node sent it)."""


def pack(envelope: Envelope) -> bytes:
    header = orjson.dumps(
        {
            "i": envelope.id,
            "t": envelope.kind.name,
            "g": envelope.guild_id,
            "c": envelope.channel_id,
            "u": sorted(envelope.user_ids) if envelope.user_ids is not None else None,
            "m": envelope.meta,
            "v": list(envelope.variants),
            "s": envelope.stale,
            "n": envelope.version,
            "x": envelope.except_user_id,
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
    kind = REGISTRY.get(header["t"])
    if kind is None:
        raise UnknownEvent(header["t"])
    data = take()
    variants = {name: take() for name in header["v"]}
    users = header["u"]
    return Envelope(
        id=header["i"],
        kind=kind,
        data=data,
        guild_id=header["g"],
        channel_id=header["c"],
        user_ids=frozenset(users) if users is not None else None,
        variants=variants,
        meta=header["m"],
        stale=tuple(tuple(key) for key in header["s"]),
        version=header["n"],
        except_user_id=header.get("x"),
    )
