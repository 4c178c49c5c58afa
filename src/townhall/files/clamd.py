"""Asking clamd whether bytes carry malware, over its unix socket (the INSTREAM command).

The bytes are streamed as length-prefixed frames of at most 1 MiB, so memory stays flat however
big the file is. The client fails closed: only clamd's explicit "OK" makes a file clean; a
signature makes it infected; anything else (no clamd, a timeout, an ERROR reply, a reply we do not
understand) raises `ScannerUnavailable`, and the caller keeps the file held back and retries later.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

FRAME = 1024 * 1024
"""Largest INSTREAM frame we send; clamd's StreamMaxLength bounds the whole stream, not frames."""

FILE_CHUNK = 1024 * 1024
"""Bytes per read when scanning a file from disk."""

END_OF_STREAM = b"\0\0\0\0"

MAX_REPLY = 64 * 1024
"""A verdict is one short line; anything longer is not clamd speaking INSTREAM."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Verdict:
    clean: bool
    signature: str | None = None
    """The name clamd reported (for example "Eicar-Test-Signature") when the file is infected."""


class ScannerUnavailable(Exception):
    """clamd could not give a verdict: not running, too slow, or it answered with an error (for
    example "INSTREAM size limit exceeded"). Never a reason to treat the file as clean."""


class Clamd:
    """One clamd daemon reached at `socket_path`; every call opens its own connection.

    `timeout` bounds each step separately (connecting, clamd accepting a frame, clamd answering
    after the last frame), so a multi-GB stream is not cut off for being long, only for stalling.
    The socket is used directly (not through asyncio streams) so that when clamd refuses a stream
    and hangs up, its reply saying why can still be read after our write fails.
    """

    def __init__(self, socket_path: str, *, timeout: float = 120.0) -> None:
        self.socket_path = socket_path
        self.timeout = timeout

    async def ping(self) -> bool:
        """True when clamd answers PONG; False when it is unreachable or answers anything else."""
        try:
            with await self._connect() as connection:
                await self._send(connection, b"zPING\0")
                return await self._within(_read_reply(connection), "answering PING") == b"PONG"
        except (OSError, ScannerUnavailable):
            return False

    async def scan(self, chunks: AsyncIterable[bytes]) -> Verdict:
        """Stream `chunks` (any sizes) to clamd and return its verdict. Whatever `chunks` itself
        raises (the storage failing to read) propagates unchanged."""
        with await self._connect() as connection:
            try:
                await self._send(connection, b"zINSTREAM\0")
                async with aclosing(_frames(chunks)) as frames:
                    async for frame in frames:
                        await self._send(connection, len(frame).to_bytes(4, "big"))
                        await self._send(connection, frame)
                await self._send(connection, END_OF_STREAM)
            except OSError as error:
                # clamd hangs up mid-stream when it refuses the stream (a size limit); the reply it
                # sent before hanging up says why.
                said = await self._early_reply(connection)
                raise ScannerUnavailable(
                    f"clamd stopped reading the stream: {said or error!s}"
                ) from error
            try:
                reply = await self._within(_read_reply(connection), "answering the scan")
            except OSError as error:
                raise ScannerUnavailable(f"clamd gave no verdict: {error!s}") from error
        return parse_reply(reply)

    async def scan_file(self, path: Path) -> Verdict:
        """Scan a file from disk, read in chunks in a thread (the event loop never blocks)."""
        async with aclosing(_read_file(path)) as chunks:
            return await self.scan(chunks)

    async def _connect(self) -> socket.socket:
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        connection.setblocking(False)
        try:
            loop = asyncio.get_running_loop()
            await self._within(
                loop.sock_connect(connection, self.socket_path), "accepting a connection"
            )
        except OSError as error:
            connection.close()
            message = f"cannot reach clamd at {self.socket_path}: {error}"
            raise ScannerUnavailable(message) from error
        except BaseException:
            connection.close()
            raise
        return connection

    async def _send(self, connection: socket.socket, data: bytes | memoryview) -> None:
        loop = asyncio.get_running_loop()
        await self._within(loop.sock_sendall(connection, data), "accepting the stream")

    async def _within(self, step: Awaitable[T], what: str) -> T:
        try:
            async with asyncio.timeout(self.timeout):
                return await step
        except TimeoutError as error:
            raise ScannerUnavailable(f"clamd took over {self.timeout} s {what}") from error

    async def _early_reply(self, connection: socket.socket) -> str | None:
        """What clamd said before it hung up, if anything reached us."""
        try:
            async with asyncio.timeout(min(self.timeout, 1.0)):
                reply = await _read_reply(connection)
        except (OSError, TimeoutError, ScannerUnavailable):
            return None
        return reply.decode(errors="replace")


def parse_reply(reply: bytes) -> Verdict:
    """Turn clamd's INSTREAM reply (without its NUL) into a verdict; only "stream: OK" is clean."""
    text = reply.decode(errors="replace").strip()
    if text == "stream: OK":
        return Verdict(clean=True)
    if text.startswith("stream: ") and text.endswith(" FOUND"):
        signature = text.removeprefix("stream: ").removesuffix(" FOUND").strip()
        if signature:
            return Verdict(clean=False, signature=signature)
    raise ScannerUnavailable(f"clamd answered {text!r}")


async def _frames(chunks: AsyncIterable[bytes]) -> AsyncGenerator[memoryview, None]:
    """Chunks cut to at most FRAME bytes. Empty chunks are dropped: a zero-length frame would end
    the stream early, and clamd would judge only what came before it."""
    async for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), FRAME):
            yield view[start : start + FRAME]


async def _read_reply(connection: socket.socket) -> bytes:
    """clamd's reply up to its terminating NUL (the `z` commands end replies with one)."""
    loop = asyncio.get_running_loop()
    reply = b""
    while b"\0" not in reply:
        if len(reply) > MAX_REPLY:
            raise ScannerUnavailable(f"clamd's reply is too long: {reply[:200]!r}")
        data = await loop.sock_recv(connection, 4096)
        if not data:
            raise ScannerUnavailable(f"clamd hung up before answering (got {reply!r})")
        reply += data
    return reply[: reply.index(b"\0")]


async def _read_file(path: Path) -> AsyncGenerator[bytes, None]:
    handle: BinaryIO = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, FILE_CHUNK):
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)
