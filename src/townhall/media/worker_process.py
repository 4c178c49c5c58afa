"""The pool's side of one media worker process: starting it, talking to it, noticing its end.

`workers.py` decides what runs where; this module only runs one child (`python -m
townhall.media.worker`) on a socket pair of its own, matches replies to requests, hands events
to the pool, and tells the pool once when the worker has gone, whatever the reason: it died,
it never started, or the pool closed it. See `worker_messages.py` for what travels.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Callable
from typing import Any

from townhall.media.backend import NotConnected
from townhall.media.worker_messages import Message, MessageWriter, read_error, read_message

logger = logging.getLogger(__name__)

READY_TIMEOUT = 60.0
"""How long a new worker may take to import aiortc and say it serves (a fraction of a second)."""
STOP_TIMEOUT = 10.0


class WorkerProcess:
    """One worker process and the socket to it; replies resolve the requests waiting on it."""

    def __init__(
        self,
        index: int,
        command: list[str],
        delay: float,
        on_event: Callable[[WorkerProcess, Message], None],
        on_lost: Callable[[WorkerProcess], None],
    ) -> None:
        self.index = index
        self.pid: int | None = None
        self.alive = True
        self.started_at = time.monotonic() + delay
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.ready.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._command = command
        self._on_event = on_event
        self._on_lost = on_lost
        self._process: asyncio.subprocess.Process | None = None
        self._out: MessageWriter | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._sleeping = False
        self._task = asyncio.get_running_loop().create_task(self._run(delay))

    async def request(self, request_id: int, message: Message) -> Any:
        """Send a request and wait for its reply; its error is raised as the worker's type."""
        await asyncio.shield(self.ready)
        if not self.alive or self._out is None:
            raise self._stopped()
        reply: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = reply
        self._out.send({"id": request_id, **message})
        try:
            return await reply
        finally:
            self._pending.pop(request_id, None)

    def send(self, message: Message) -> None:
        """A one-way message; dropped if the worker is gone (its rooms are gone with it)."""
        if self.alive and self._out is not None:
            self._out.send(message)

    async def _run(self, delay: float) -> None:
        ours: socket.socket | None = None
        try:
            if delay:
                self._sleeping = True
                await asyncio.sleep(delay)
                self._sleeping = False
            ours, theirs = socket.socketpair()
            try:
                self._process = await asyncio.create_subprocess_exec(
                    *self._command,
                    "--socket",
                    str(theirs.fileno()),
                    pass_fds=(theirs.fileno(),),
                    stdin=asyncio.subprocess.DEVNULL,
                )
            finally:
                theirs.close()  # else the worker's death would not end our end of the stream
            self.pid = self._process.pid
            reader, writer = await asyncio.open_unix_connection(sock=ours)
            self._out = MessageWriter(writer)
            self._receive(await asyncio.wait_for(read_message(reader), READY_TIMEOUT))
            while True:
                self._receive(await read_message(reader))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        except TimeoutError:
            logger.error("media worker %d (pid %s) did not start; killing it", self.index, self.pid)
            if self._process is not None:
                self._process.kill()
        except OSError:
            logger.exception("media worker %d could not be started", self.index)
        finally:
            self._stop_waiting()
            if self._out is not None:
                await self._out.close()
            elif ours is not None:
                ours.close()
            await self._reap()

    def _receive(self, message: Message) -> None:
        if "event" not in message:
            reply = self._pending.get(message["id"])
            if reply is not None and not reply.done():
                if "error" in message:
                    reply.set_exception(read_error(message))
                else:
                    reply.set_result(message["result"])
        elif message["event"] == "ready":
            self.ready.set_result(None)
        else:
            self._on_event(self, message)

    def _stopped(self) -> NotConnected:
        return NotConnected(f"media worker {self.index} (pid {self.pid}) stopped")

    def _stop_waiting(self) -> None:
        self.alive = False
        if not self.ready.done():
            self.ready.set_exception(self._stopped())
        for reply in self._pending.values():
            if not reply.done():
                reply.set_exception(self._stopped())
        self._on_lost(self)

    async def _reap(self) -> None:
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
        except TimeoutError:
            logger.warning(
                "media worker %d (pid %s) did not exit; killing it", self.index, self.pid
            )
            process.kill()
            await process.wait()

    async def stop(self, close_id: int) -> None:
        """Close the worker's SFU, then its socket; the worker then exits (or is killed)."""
        if self._sleeping:
            self._task.cancel()
        else:
            with contextlib.suppress(NotConnected, TimeoutError):
                await asyncio.wait_for(self.request(close_id, {"op": "close"}), STOP_TIMEOUT)
            if self._out is not None:
                await self._out.close()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
