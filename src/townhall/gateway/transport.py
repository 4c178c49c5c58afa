"""Writing gateway frames: WebSocket framing, transport compression, and the direct write path.

Fan-out writes the same event to many connections. Going through ASGI's `await send()` for each one
costs tens of microseconds per receiver, so `townhall serve` runs uvicorn with
`DirectWebSocketProtocol`,
which hands the application a `DirectFrames` object (scope extension `townhall.frames`): it frames
the
bytes itself and writes them to the socket synchronously, without an await per receiver. Under
another
ASGI server the gateway falls back to `QueuedFrames`, which is slower but equivalent.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from typing import Any, Protocol

import zstandard
from starlette.websockets import WebSocket
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import PayloadTooBig

from townhall.gateway.limits import MAX_VOICE_PAYLOAD_BYTES, VOICE_PATH, PayloadLimitedProtocol

OP_TEXT = 0x1
OP_BINARY = 0x2
MAX_WRITE_BUFFER = 4 * 1024 * 1024
"""A receiver this far behind is cut off rather than let the server's memory grow without bound."""
DRAIN_SECONDS = 2.0
"""How long the rest of an oversized payload is read and thrown away after its close frame."""


class Frames(Protocol):
    """Sends whole WebSocket messages to one client without awaiting."""

    def send(self, payload: bytes, binary: bool) -> bool:
        """Queue one message; False when the connection is gone or hopelessly behind."""
        ...

    def close(self, code: int, reason: str) -> None:
        """Send a close frame and let the connection end."""
        ...


def frame_header(length: int, opcode: int) -> bytes:
    """An unmasked, final server frame header (RFC 6455 §5.2)."""
    first = 0x80 | opcode
    if length < 126:
        return bytes((first, length))
    if length < 65536:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


class DirectFrames:
    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def send(self, payload: bytes, binary: bool) -> bool:
        protocol = self._protocol
        transport = protocol.transport
        if protocol.close_sent or protocol.disconnected or transport.is_closing():
            return False
        if transport.get_write_buffer_size() > MAX_WRITE_BUFFER:
            transport.abort()
            return False
        transport.write(frame_header(len(payload), OP_BINARY if binary else OP_TEXT) + payload)
        return True

    def close(self, code: int, reason: str) -> None:
        protocol = self._protocol
        if protocol.close_sent or protocol.transport.is_closing():
            return
        protocol.conn.send_close(code, reason)
        protocol.transport.write(b"".join(protocol.conn.data_to_send()))
        protocol.close_sent = True
        protocol.transport.close()


class DirectWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol, plus the direct frame writer as a scope extension,
    and client payloads bounded as Discord bounds them (gateway/limits.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.conn = PayloadLimitedProtocol(logger=self.conn.logger)
        self._draining = False

    def handle_parser_exception(self) -> None:
        """A payload over the limit: send the close (4002) and discard what the client is still
        sending for a moment before closing. Closing at once, with its data unread, would make the
        kernel reset the connection, and the client would never read why it was closed."""
        if self._draining:
            return
        if not isinstance(self.conn.parser_exc, PayloadTooBig) or self.conn.close_sent is None:
            super().handle_parser_exception()
            return
        self._draining = True
        close = self.conn.close_sent
        self.queue.put_nowait({"type": "websocket.disconnect", "code": close.code})
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.close_sent = True
        self.loop.call_later(DRAIN_SECONDS, self.transport.close)

    def handle_connect(self, event: Any) -> None:
        if str(getattr(event, "path", "")).split("?", 1)[0].rstrip("/") == VOICE_PATH:
            self.conn.max_message_size = MAX_VOICE_PAYLOAD_BYTES
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"]["townhall.frames"] = DirectFrames(self)


class QueuedFrames:
    """The portable path: one writer task per connection draining a queue through ASGI."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket
        self._queue: asyncio.Queue[tuple[bytes, bool] | int | None] = asyncio.Queue()
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._drain())

    def send(self, payload: bytes, binary: bool) -> bool:
        if self._closed:
            return False
        self._queue.put_nowait((payload, binary))
        return True

    async def _drain(self) -> None:
        try:
            while (item := await self._queue.get()) is not None:
                if isinstance(item, int):
                    await self._websocket.close(item)
                    break
                payload, binary = item
                if binary:
                    await self._websocket.send_bytes(payload)
                else:
                    await self._websocket.send_text(payload.decode())
        except Exception:
            self._closed = True

    def close(self, code: int, reason: str) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(code)

    def stop(self) -> None:
        self._closed = True
        self._queue.put_nowait(None)


def frames_for(websocket: WebSocket) -> Frames:
    direct = websocket.scope.get("extensions", {}).get("townhall.frames")
    if isinstance(direct, DirectFrames):
        return direct
    return QueuedFrames(websocket)


class Compressor(Protocol):
    binary: bool

    def __call__(self, data: bytes) -> bytes:
        """One whole message."""
        ...

    def event(self, head: bytes, seq: int) -> bytes:
        """A dispatch: `head` (shared by every receiver of the event) with this session's `seq`."""
        ...


def dispatch_tail(seq: int) -> bytes:
    """What follows a dispatch's shared head: its sequence number and the closing brace."""
    return b"%d}" % seq


class Plain:
    binary = False

    def __call__(self, data: bytes) -> bytes:
        return data

    def event(self, head: bytes, seq: int) -> bytes:
        return head + dispatch_tail(seq)


ZLIB_HEADER = b"\x78\x01"
"""A zlib stream's header: deflate, 32 KiB window. Its adler32 trailer never comes: the stream ends
with the connection."""
EMPTY_STORED_BLOCK = b"\x00\x00\x00\xff\xff"
"""A byte-aligned empty stored block: a message ends with 00 00 ff ff, as clients expect."""
_STORED_LENGTHS = struct.Struct("<HH")


class Deflater:
    """Deflates messages each on its own (a full flush: nothing refers to an earlier message), so
    that a dispatch head deflated once can be spliced into every receiver's stream.

    `whole` is one complete message. `open_head` is a head whose last stored block is left open
    (its LEN and NLEN cut off) for the receiver's sequence number to be written into it as stored
    bytes; the last few heads are kept, so a fan-out deflates its event once."""

    RECENT = 4

    def __init__(self, level: int) -> None:
        self._context = zlib.compressobj(level, zlib.DEFLATED, -15, 8)
        self._recent: list[tuple[bytes, bytes]] = []

    def whole(self, data: bytes) -> bytes:
        context = self._context
        return context.compress(data) + context.flush(zlib.Z_FULL_FLUSH)

    def open_head(self, head: bytes) -> bytes:
        recent = self._recent
        for seen, deflated in recent:
            if seen is head:  # the same object: held here, so its id cannot be reused
                return deflated
        deflated = self.whole(head)[:-4]
        recent.insert(0, (head, deflated))
        del recent[self.RECENT :]
        return deflated


SHARED_HEADS = Deflater(6)
"""Heads of dispatches, deflated once per event for all receivers: worth the better level."""
SINGLE_MESSAGES = Deflater(1)
"""Messages for one connection (HELLO, READY, GUILD_CREATE, a RESUME's replay)."""


class ZlibStream:
    """`compress=zlib-stream`: one zlib stream per connection, each message ending in a sync
    flush marker (00 00 ff ff). Every message is deflated on its own, not against the ones before
    it: a dispatch's head is deflated once per event and the same bytes go to every receiver,
    followed by its sequence number in a stored block. One deflate per receiver per event was the
    gateway's largest cost, and a deflate context per connection took 32 KiB; the price is that
    small events compress less well than against a connection's history (a message of 700 bytes
    becomes about 380 instead of about 100 to 300, depending on what came before). Any zlib inflater
    reads the stream as one.
    """

    binary = True

    def __init__(self) -> None:
        self._header = ZLIB_HEADER

    def _start(self) -> bytes:
        header, self._header = self._header, b""
        return header

    def __call__(self, data: bytes) -> bytes:
        return self._start() + SINGLE_MESSAGES.whole(data)

    def event(self, head: bytes, seq: int) -> bytes:
        tail = dispatch_tail(seq)
        lengths = _STORED_LENGTHS.pack(len(tail), len(tail) ^ 0xFFFF)
        header = self._start() if self._header else b""
        return header + SHARED_HEADS.open_head(head) + lengths + tail + EMPTY_STORED_BLOCK


class ZstdStream:
    """`compress=zstd-stream`: one zstd stream per connection, each message flushed as a block."""

    binary = True
    _params = zstandard.ZstdCompressionParameters.from_level(3, window_log=17)

    def __init__(self) -> None:
        self._context = zstandard.ZstdCompressor(compression_params=self._params).compressobj()

    def __call__(self, data: bytes) -> bytes:
        return self._context.compress(data) + self._context.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)

    def event(self, head: bytes, seq: int) -> bytes:
        return self(head + dispatch_tail(seq))


COMPRESSORS: dict[str | None, type[Plain] | type[ZlibStream] | type[ZstdStream]] = {
    None: Plain,
    "": Plain,
    "zlib-stream": ZlibStream,
    "zstd-stream": ZstdStream,
}
