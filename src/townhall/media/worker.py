"""A media worker process: one `EmbeddedSfu` on its own uvloop, driven by a `WorkerPoolSfu`.

    python -m townhall.media.worker --socket FD [--audio-slots 3] [--host-address ADDRESS ...]
        [--ports 50000-50499] [--log-level WARNING]

Started by `townhall.media.workers`, never by hand: FD is this end of the socket pair the pool
made for it (`worker_messages.py` says what travels on it). The worker's UDP sockets, ICE,
DTLS and forwarding are all here; the pool only signals. When the pool's end of the socket
closes (the pool closed, or the townhall process died), the worker disconnects everyone and
exits, so no worker outlives its townhall. Ctrl-C in a terminal reaches the whole process group;
the worker ignores it and lets the townhall process close it in order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import Sequence

import uvloop

from townhall.media.backend import MediaError, NotConnected, StreamInfo
from townhall.media.sfu import EmbeddedSfu
from townhall.media.worker_messages import (
    Message,
    MessageWriter,
    answer_message,
    error_message,
    read_bot,
    read_message,
    read_offer,
    read_rights,
    streams_message,
)

logger = logging.getLogger(__name__)


class _ParentListener:
    """The `RoomListener` of one connection: its calls become events for the pool."""

    def __init__(self, server: WorkerServer, room_id: int, connection_id: int) -> None:
        self._server = server
        self._room_id = room_id
        self._connection_id = connection_id

    def speaking(self, user_id: int, speaking: bool) -> None:
        self._server.out.send(
            {
                "event": "speaking",
                "listener": self._connection_id,
                "user": user_id,
                "speaking": speaking,
            }
        )

    def slot_speaker(self, ssrc: int, user_id: int) -> None:
        event = {"event": "slot_speaker", "ssrc": ssrc, "user": user_id}
        self._server.out.send({**event, "listener": self._connection_id})

    def streams_changed(self) -> None:
        self._server.publish_room(self._room_id)  # the pool's copy first: listeners read it
        self._server.out.send({"event": "streams_changed", "listener": self._connection_id})


class WorkerServer:
    """Carries out the pool's requests on this process's SFU, each as its own task."""

    def __init__(self, sfu: EmbeddedSfu, out: MessageWriter) -> None:
        self.sfu = sfu
        self.out = out
        self._published: dict[int, tuple[list[int], list[StreamInfo]]] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._abandoned: set[int] = set()
        self._connections: dict[tuple[int, int], int] = {}
        """(room, user) -> the id of the connect that made their current connection."""

    async def serve(self, reader: asyncio.StreamReader) -> None:
        """Until the pool says close or goes away; then everyone is disconnected."""
        self.out.send({"event": "ready"})
        try:
            while True:
                message = await read_message(reader)
                op = message["op"]
                if op == "set_rights":
                    self._set_rights(message)
                elif op == "video_sizes":
                    with contextlib.suppress(NotConnected):  # they may have left since
                        self.sfu.set_video_sizes(
                            message["room"],
                            message["user"],
                            {
                                (viewed, source): height
                                for viewed, source, height in message["sizes"]
                            },
                        )
                elif op == "abandon":
                    self._abandon(message["id"])
                elif op == "close":
                    await self._close()
                    self.out.send({"id": message["id"], "result": None})
                    return
                else:
                    task = asyncio.get_running_loop().create_task(self._carry_out(message))
                    self._running[message["id"]] = task
        except (asyncio.IncompleteReadError, ConnectionError):
            await self._close()

    async def _carry_out(self, message: Message) -> None:
        request_id, room_id = message["id"], message["room"]
        try:
            reply: Message = {"id": request_id, "result": await self._perform(message)}
        except Exception as error:
            if not isinstance(error, MediaError):
                logger.exception("media request %r failed", message["op"])
            reply = error_message(request_id, error)
        finally:
            del self._running[request_id]
            self._abandoned.discard(request_id)
        self.publish_room(room_id)
        self.out.send(reply)

    async def _perform(self, message: Message) -> object:
        op, room_id, user_id = message["op"], message["room"], message["user"]
        if op in ("connect", "connect_bot"):
            connection_id = message["id"]
            rights = read_rights(message["rights"])
            listener = _ParentListener(self, room_id, connection_id)
            result: Message | None = None
            if op == "connect":
                offer = read_offer(message["offer"])
                result = answer_message(
                    await self.sfu.connect(room_id, user_id, offer, rights, listener)
                )
            else:
                bot = read_bot(message["bot"])
                await self.sfu.connect_bot(room_id, user_id, bot, rights, listener)
            self._connections[(room_id, user_id)] = connection_id
            if connection_id in self._abandoned:
                self._abandoned.discard(connection_id)
                await self._disconnect_if_still(room_id, user_id, connection_id)
            return result
        if op == "bot_endpoint":
            return list(await self.sfu.bot_endpoint(room_id))
        if op == "renegotiate":
            return answer_message(
                await self.sfu.renegotiate(room_id, user_id, read_offer(message["offer"]))
            )
        if op == "disconnect":
            self._connections.pop((room_id, user_id), None)
            await self.sfu.disconnect(room_id, user_id)
            return None
        raise MediaError(f"unknown request {op!r}")

    def _set_rights(self, message: Message) -> None:
        room_id, user_id = message["room"], message["user"]
        # The pool only sends this for someone connected; they may have left since.
        with contextlib.suppress(NotConnected):
            self.sfu.set_rights(room_id, user_id, read_rights(message["rights"]))
        self.publish_room(room_id)

    def _abandon(self, connection_id: int) -> None:
        """The caller of a connect gave up: its connection must not stay without a listener."""
        if connection_id in self._running:
            self._abandoned.add(connection_id)
            return
        for (room_id, user_id), made_by in list(self._connections.items()):
            if made_by == connection_id:
                task = self._disconnect_if_still(room_id, user_id, connection_id)
                asyncio.get_running_loop().create_task(task)

    async def _disconnect_if_still(self, room_id: int, user_id: int, connection_id: int) -> None:
        if self._connections.get((room_id, user_id)) == connection_id:
            del self._connections[(room_id, user_id)]
            await self.sfu.disconnect(room_id, user_id)
            self.publish_room(room_id)

    def publish_room(self, room_id: int) -> None:
        """Tell the pool the room's members and video streams, if they changed."""
        state = (self.sfu.members(room_id), self.sfu.video_streams(room_id))
        if self._published.get(room_id, ([], [])) == state:
            return
        members, streams = state
        if members:
            self._published[room_id] = state
        else:
            self._published.pop(room_id, None)
        self.out.send(
            {
                "event": "room",
                "room": room_id,
                "members": members,
                "streams": streams_message(streams),
            }
        )

    async def _close(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)
        await self.sfu.close()


async def serve(
    socket_fd: int,
    audio_slots: int,
    host_addresses: Sequence[str] | None,
    port_range: tuple[int, int] | None,
) -> None:
    channel = socket.socket(fileno=socket_fd)
    reader, writer = await asyncio.open_unix_connection(sock=channel)
    out = MessageWriter(writer)
    sfu = EmbeddedSfu(audio_slots=audio_slots, host_addresses=host_addresses, port_range=port_range)
    try:
        await WorkerServer(sfu, out).serve(reader)
    finally:
        await out.close()


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    return int(low), int(high)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A townhall media worker (started by the pool).")
    parser.add_argument("--socket", type=int, required=True, help="file descriptor to the pool")
    parser.add_argument("--audio-slots", type=int, default=3)
    parser.add_argument("--host-address", action="append", dest="host_addresses")
    parser.add_argument("--ports", type=_port_range, default=None)
    parser.add_argument("--log-level", default="WARNING")
    arguments = parser.parse_args(argv)
    logging.basicConfig(
        level=arguments.log_level,
        format="%(asctime)s media worker %(process)d %(levelname)s %(name)s: %(message)s",
    )
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    uvloop.run(
        serve(arguments.socket, arguments.audio_slots, arguments.host_addresses, arguments.ports)
    )


if __name__ == "__main__":
    main()
