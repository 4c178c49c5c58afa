"""Voice rooms spread over worker processes, so that all of a machine's cores carry media.

One asyncio process forwards about one core's worth of packets (`research/media.md`).
`WorkerPoolSfu` is a `MediaBackend` that starts `workers` child processes (`python -m
townhall.media.worker`), each running an `EmbeddedSfu` on its own uvloop with its own UDP
sockets, and puts every room on one of them. Only signalling crosses the socket to a worker
(`worker_messages.py`); packets go straight between the browsers and the worker.

Placement: a room goes to the least-loaded worker (fewest people connected or connecting, then
fewest rooms) when its first connect arrives, and stays there while anyone is in it or joining.
Not `room_id % workers`: room ids are snowflakes whose low bits are a per-millisecond counter,
almost always 0, so a modulus would put nearly every room on worker 0. A room cannot move while
it lives (its people's ICE and DTLS are bound to the worker's sockets).

The pool answers `video_streams` and `members` itself, from a copy of each room that the worker
keeps current: it sends a room's new state before the listener events and replies that follow
from a change, so a listener that reads `video_streams` in `streams_changed` (as the voice
gateway does) sees what the worker sees. `set_rights` is one way; its effect on
`video_streams` shows once the worker's next state arrives, a moment later.

A worker that dies (its socket ends): requests waiting on it raise `NotConnected`, its rooms are
forgotten (so later calls for them raise `NotConnected` or see an empty room), `on_room_lost` is
called with each room that had people in it, so that the signalling layer can close their voice
connections (their media is gone; the clients reconnect), and the worker is started again (at
once if it had run a while, else after a growing delay up to 30 s). A new connect to a lost room
places it afresh. When the townhall process dies, its workers see their socket end and exit.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from townhall.media.backend import (
    Answer,
    BotOffer,
    MediaBackend,
    NotConnected,
    Offer,
    Rights,
    RoomListener,
    Source,
    StreamInfo,
)
from townhall.media.sfu import DEFAULT_AUDIO_SLOTS
from townhall.media.worker_messages import (
    Message,
    bot_message,
    offer_message,
    read_answer,
    read_streams,
    rights_message,
)
from townhall.media.worker_process import WorkerProcess

logger = logging.getLogger(__name__)

STEADY_SECONDS = 10.0
"""A worker that ran this long before dying is restarted at once; one that did not, later."""
MAX_RESTART_DELAY = 30.0


def split_ports(port_range: tuple[int, int] | None, workers: int) -> list[tuple[int, int] | None]:
    """One contiguous share of the range per worker, so that no two ever bind the same port."""
    if port_range is None:
        return [None] * workers
    low, high = port_range
    count = high - low + 1
    if count < workers:
        raise ValueError(f"port range {low}-{high} has fewer ports than the {workers} workers")
    bounds = [low + count * i // workers for i in range(workers + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(workers)]


@dataclass
class _Room:
    """The pool's copy of one room: where it lives, who is in it, and what they publish."""

    worker: WorkerProcess
    members: list[int] = field(default_factory=list)
    streams: list[StreamInfo] = field(default_factory=list)
    connecting: int = 0
    leaving: set[int] = field(default_factory=set)
    """People whose disconnect is under way: already gone, as in `EmbeddedSfu.disconnect`."""
    connections: dict[int, int] = field(default_factory=dict)
    """User -> the id of the connect that made their connection (it names their listener)."""

    def present(self) -> list[int]:
        return [user for user in self.members if user not in self.leaving]


class WorkerPoolSfu:
    """A `MediaBackend` whose rooms live in `workers` child processes (see the module's doc).

    `audio_slots`, `host_addresses` as for `EmbeddedSfu`; `port_range` is split between the
    workers. `on_room_lost(room_id)` may be set after construction. The workers start at the
    first connect, or at `start()`.
    """

    def __init__(
        self,
        workers: int,
        *,
        audio_slots: int = DEFAULT_AUDIO_SLOTS,
        host_addresses: Sequence[str] | None = None,
        port_range: tuple[int, int] | None = None,
        on_room_lost: Callable[[int], None] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a worker pool needs at least one worker")
        if audio_slots < 1:
            raise ValueError("audio_slots must be at least 1")
        self.on_room_lost = on_room_lost
        self._commands = [
            self._command(audio_slots, host_addresses, ports)
            for ports in split_ports(port_range, workers)
        ]
        self._workers: list[WorkerProcess] = []
        self._rooms: dict[int, _Room] = {}
        self._listeners: dict[int, RoomListener] = {}
        self._ids = itertools.count(1)
        self._bot_endpoints: dict[WorkerProcess, tuple[str, int]] = {}
        self._restart_delays = [0.0] * workers
        self._closed = False

    @staticmethod
    def _command(
        audio_slots: int, host_addresses: Sequence[str] | None, ports: tuple[int, int] | None
    ) -> list[str]:
        level = logging.getLevelName(logging.getLogger("townhall.media").getEffectiveLevel())
        command = [sys.executable, "-m", "townhall.media.worker", "--audio-slots", str(audio_slots)]
        command += ["--log-level", level]
        for address in host_addresses or ():
            command += ["--host-address", address]
        if ports is not None:
            command += ["--ports", f"{ports[0]}-{ports[1]}"]
        return command

    # -- the pool -------------------------------------------------------------------------

    async def start(self) -> None:
        """Start every worker now and wait until each serves (else the first connect does)."""
        self._start_workers()
        await asyncio.gather(*(asyncio.shield(w.ready) for w in self._workers))

    @property
    def worker_pids(self) -> list[int]:
        """The processes of the workers that are running now."""
        return [w.pid for w in self._workers if w.alive and w.pid is not None]

    def worker_pid(self, room_id: int) -> int | None:
        """The process the room lives in, if it lives."""
        room = self._rooms.get(room_id)
        return room.worker.pid if room is not None else None

    def _start_workers(self) -> None:
        if self._closed:
            raise NotConnected("the media backend is closed")
        if not self._workers:
            self._workers = [self._spawn(index, 0.0) for index in range(len(self._commands))]

    def _spawn(self, index: int, delay: float) -> WorkerProcess:
        return WorkerProcess(index, self._commands[index], delay, self._on_event, self._on_lost)

    def _least_loaded(self) -> WorkerProcess:
        people = {w.index: 0 for w in self._workers}
        rooms = dict(people)
        for room in self._rooms.values():
            people[room.worker.index] += len(room.members) + room.connecting
            rooms[room.worker.index] += 1
        return min(self._workers, key=lambda w: (people[w.index], rooms[w.index], w.index))

    def _on_lost(self, worker: WorkerProcess) -> None:
        lost = [room_id for room_id, room in self._rooms.items() if room.worker is worker]
        had_people = [room_id for room_id in lost if self._rooms[room_id].members]
        for room_id in lost:
            self._forget(room_id)
        self._bot_endpoints.pop(worker, None)
        if self._closed or self._workers[worker.index] is not worker:
            return
        lived = time.monotonic() - worker.started_at
        delay = self._restart_delays[worker.index] = (
            0.0
            if lived >= STEADY_SECONDS
            else min(MAX_RESTART_DELAY, max(1.0, 2 * self._restart_delays[worker.index]))
        )
        logger.error(
            "media worker %d (pid %s) stopped; %d rooms lost, restarting in %.0f s",
            worker.index,
            worker.pid,
            len(had_people),
            delay,
        )
        self._workers[worker.index] = self._spawn(worker.index, delay)
        for room_id in had_people:
            if self.on_room_lost is not None:
                try:
                    self.on_room_lost(room_id)
                except Exception:
                    logger.exception("on_room_lost failed for room %d", room_id)

    def _on_event(self, worker: WorkerProcess, message: Message) -> None:
        kind = message["event"]
        if kind == "room":
            room = self._rooms.get(message["room"])
            if room is None or room.worker is not worker:
                return  # a room already forgotten here, or placed afresh elsewhere
            room.members = message["members"]
            room.streams = read_streams(message["streams"])
            self._forget_if_empty(message["room"], room)
            return
        listener = self._listeners.get(message["listener"])
        if listener is None:
            return
        try:
            if kind == "speaking":
                listener.speaking(message["user"], message["speaking"])
            elif kind == "streams_changed":
                listener.streams_changed()
            elif kind == "slot_speaker":
                listener.slot_speaker(message["ssrc"], message["user"])
        except Exception:
            logger.exception("room listener failed on %r", kind)

    def _forget_if_empty(self, room_id: int, room: _Room) -> None:
        if not room.members and not room.connecting and self._rooms.get(room_id) is room:
            self._forget(room_id)

    def _forget(self, room_id: int) -> None:
        room = self._rooms.pop(room_id)
        for connection_id in room.connections.values():
            self._listeners.pop(connection_id, None)

    # -- MediaBackend ---------------------------------------------------------------------

    async def connect(
        self, room_id: int, user_id: int, offer: Offer, rights: Rights, listener: RoomListener
    ) -> Answer:
        self._start_workers()
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = _Room(self._least_loaded())
        message = {"op": "connect", "offer": offer_message(offer)}
        return read_answer(await self._connect(room_id, room, user_id, message, rights, listener))

    async def bot_endpoint(self, room_id: int) -> tuple[str, int]:
        """The bots' UDP address of the worker the room lives on, or would be placed on now."""
        self._start_workers()
        room = self._rooms.get(room_id)
        worker = room.worker if room is not None else self._least_loaded()
        known = self._bot_endpoints.get(worker)
        if known is not None:  # a worker's socket lives as long as the worker
            return known
        message = {"op": "bot_endpoint", "room": room_id, "user": 0}
        host, port = await worker.request(next(self._ids), message)
        self._bot_endpoints[worker] = (host, port)
        return host, port

    async def connect_bot(
        self, room_id: int, user_id: int, offer: BotOffer, rights: Rights, listener: RoomListener
    ) -> None:
        """On the worker whose address the bot was given: a room is placed there if new."""
        self._start_workers()
        worker = next((w for w, a in self._bot_endpoints.items() if a == offer.endpoint), None)
        room = self._rooms.get(room_id)
        if room is None and worker is not None and worker in self._workers:
            room = self._rooms[room_id] = _Room(worker)
        if room is None or room.worker is not worker:
            raise NotConnected(f"room {room_id} does not live where the bot was sent")
        message = {"op": "connect_bot", "bot": bot_message(offer)}
        await self._connect(room_id, room, user_id, message, rights, listener)

    async def _connect(
        self,
        room_id: int,
        room: _Room,
        user_id: int,
        message: Message,
        rights: Rights,
        listener: RoomListener,
    ) -> Any:
        connection_id = next(self._ids)
        self._listeners[connection_id] = listener
        room.connecting += 1
        message |= {"room": room_id, "user": user_id, "rights": rights_message(rights)}
        try:
            result = await room.worker.request(connection_id, message)
        except BaseException as failed:
            self._listeners.pop(connection_id, None)
            if isinstance(failed, asyncio.CancelledError):
                room.worker.send({"op": "abandon", "id": connection_id})
            raise
        else:
            replaced = room.connections.get(user_id)
            if replaced is not None:
                self._listeners.pop(replaced, None)
            room.connections[user_id] = connection_id
            room.leaving.discard(user_id)
        finally:
            room.connecting -= 1
            self._forget_if_empty(room_id, room)
        return result

    async def renegotiate(self, room_id: int, user_id: int, offer: Offer) -> Answer:
        room = self._rooms.get(room_id)
        if room is None:
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        message = {"op": "renegotiate", "room": room_id, "user": user_id}
        message["offer"] = offer_message(offer)
        return read_answer(await room.worker.request(next(self._ids), message))

    def set_rights(self, room_id: int, user_id: int, rights: Rights) -> None:
        room = self._rooms.get(room_id)
        if room is None or user_id not in room.present():
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        room.worker.send(
            {"op": "set_rights", "room": room_id, "user": user_id, "rights": rights_message(rights)}
        )

    def set_video_sizes(
        self, room_id: int, user_id: int, heights: Mapping[tuple[int, Source], int]
    ) -> None:
        room = self._rooms.get(room_id)
        if room is None or user_id not in room.present():
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        sizes = [[viewed, source, height] for (viewed, source), height in heights.items()]
        room.worker.send({"op": "video_sizes", "room": room_id, "user": user_id, "sizes": sizes})

    def video_streams(self, room_id: int) -> list[StreamInfo]:
        room = self._rooms.get(room_id)
        if room is None:
            return []
        return [info for info in room.streams if info.user_id not in room.leaving]

    def members(self, room_id: int) -> list[int]:
        """Who has a media connection in the room, in order of joining."""
        room = self._rooms.get(room_id)
        return room.present() if room is not None else []

    async def disconnect(self, room_id: int, user_id: int) -> None:
        """Leave; does nothing if they are not connected (or their worker has gone)."""
        room = self._rooms.get(room_id)
        if room is None:
            return
        room.leaving.add(user_id)
        connection_id = room.connections.pop(user_id, None)
        if connection_id is not None:
            self._listeners.pop(connection_id, None)
        message = {"op": "disconnect", "room": room_id, "user": user_id}
        try:
            await room.worker.request(next(self._ids), message)
        except NotConnected:
            pass  # the worker died: nothing is left to free
        finally:
            room.leaving.discard(user_id)

    async def close(self) -> None:
        """Disconnect everyone and end every worker process."""
        self._closed = True
        await asyncio.gather(*(w.stop(next(self._ids)) for w in self._workers))
        self._rooms.clear()
        self._listeners.clear()


if TYPE_CHECKING:
    _implements: type[MediaBackend] = WorkerPoolSfu
