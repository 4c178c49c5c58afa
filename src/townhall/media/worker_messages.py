"""What a `WorkerPoolSfu` and its worker processes say to each other, and how it is framed.

Each message is one orjson object after its length (4 bytes, big-endian), on a Unix socket pair
made for that worker. Media never crosses it: packets stay in the worker that owns the room's
UDP sockets; only signalling (SDP, rights) and what the signalling layer is told comes here.

Parent to worker (`id` is unique in the pool; for a connect it also names the connection, so
that its listener events find the right `RoomListener` even while a replaced one still lives):

- `{"id", "op": "connect", "room", "user", "offer", "rights"}`, `{"id", "op": "renegotiate",
  "room", "user", "offer"}`, `{"id", "op": "disconnect", "room", "user"}`, `{"id", "op":
  "close"}`: each answered by `{"id", "result"}` or `{"id", "error", "message"}`;
- `{"op": "set_rights", "room", "user", "rights"}`: one way, like the method;
- `{"op": "abandon", "id"}`: the caller of that connect gave up; undo it once it is done.

Worker to parent: `{"event": "ready"}` once it serves; `{"event": "room", "room", "members",
"streams"}` whenever a room's members or video streams changed, always before the listener event
or the reply that follows from the change (so the parent's copy answers `video_streams` as the
worker would); `{"event": "speaking", "listener", "user", "speaking"}`, `{"event":
"streams_changed", "listener"}` and `{"event": "slot_speaker", "listener", "ssrc", "user"}`, the
`RoomListener` calls.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson

from townhall.media.backend import (
    Answer,
    AudioSlot,
    BadOffer,
    BotOffer,
    MediaError,
    NotConnected,
    Offer,
    Rights,
    StreamInfo,
    VideoSlot,
)

Message = dict[str, Any]

MEDIA_ERRORS: dict[str, type[MediaError]] = {
    error.__name__: error for error in (MediaError, BadOffer, NotConnected)
}
"""The errors that keep their type across the socket; any other is a bug in the worker."""

INTERNAL_ERROR = "internal"


async def read_message(reader: asyncio.StreamReader) -> Message:
    """The next message; `asyncio.IncompleteReadError` when the other end has gone."""
    length = int.from_bytes(await reader.readexactly(4), "big")
    message: Message = orjson.loads(await reader.readexactly(length))
    return message


class MessageWriter:
    """Frames messages onto a stream; those sent in one turn of the loop go in one write."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._frames: list[bytes] = []
        self._flushing = False

    def send(self, message: Message) -> None:
        body = orjson.dumps(message)
        self._frames += (len(body).to_bytes(4, "big"), body)
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        if self._frames and not self._writer.is_closing():
            self._writer.write(b"".join(self._frames))
        self._frames.clear()

    async def close(self) -> None:
        """Send what is queued and close; the other end then reads the end of the stream."""
        self._flush()
        self._writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await self._writer.wait_closed()


def offer_message(offer: Offer) -> Message:
    return {"sdp": offer.sdp, "sources": dict(offer.sources)}


def read_offer(data: Message) -> Offer:
    return Offer(sdp=data["sdp"], sources=data["sources"])


def bot_message(offer: BotOffer) -> Message:
    return {
        "ssrc": offer.ssrc,
        "address": list(offer.address),
        "key": offer.secret_key.hex(),
        "endpoint": list(offer.endpoint),
    }


def read_bot(data: Message) -> BotOffer:
    host, port = data["address"]
    endpoint_host, endpoint_port = data["endpoint"]
    return BotOffer(
        data["ssrc"], (host, port), bytes.fromhex(data["key"]), (endpoint_host, endpoint_port)
    )


def rights_message(rights: Rights) -> list[bool]:
    return [rights.speak, rights.video, rights.hear]


def read_rights(data: list[bool]) -> Rights:
    speak, video, hear = data
    return Rights(speak=speak, video=video, hear=hear)


def answer_message(answer: Answer) -> Message:
    streams = [
        ["audio", s.mid, s.slot]
        if isinstance(s, AudioSlot)
        else ["video", s.mid, s.user_id, s.source]
        for s in answer.streams
    ]
    return {"sdp": answer.sdp, "streams": streams}


def read_answer(data: Message) -> Answer:
    streams: list[AudioSlot | VideoSlot] = [
        AudioSlot(mid=s[1], slot=s[2]) if s[0] == "audio" else VideoSlot(s[1], s[2], s[3])
        for s in data["streams"]
    ]
    return Answer(sdp=data["sdp"], streams=streams)


def streams_message(streams: list[StreamInfo]) -> list[list[Any]]:
    return [[info.user_id, info.source] for info in streams]


def read_streams(data: list[list[Any]]) -> list[StreamInfo]:
    return [StreamInfo(user_id, source) for user_id, source in data]


def error_message(request_id: int, error: BaseException) -> Message:
    """A MediaError by its nearest type the parent knows; anything else as an internal error."""
    known = next(
        (cls.__name__ for cls in type(error).__mro__ if MEDIA_ERRORS.get(cls.__name__) is cls),
        None,
    )
    if known is None:
        return {
            "id": request_id,
            "error": INTERNAL_ERROR,
            "message": f"{type(error).__name__}: {error}",
        }
    return {"id": request_id, "error": known, "message": str(error)}


def read_error(data: Message) -> Exception:
    """The worker's MediaError as the same type; a bug in the worker as a RuntimeError."""
    error = MEDIA_ERRORS.get(data["error"])
    if error is None:
        return RuntimeError(f"media worker failed: {data['message']}")
    return error(data["message"])
