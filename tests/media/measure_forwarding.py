"""How much CPU the embedded SFU spends per forwarded packet (a measurement, not a test).

    .venv/bin/python -m tests.media.measure_forwarding --people 8 --seconds 10

The SFU runs alone in a child process on uvloop (as `townhall serve` does), driven over a pipe, so
its CPU time (user + system, from
`os.times()`) is its own; the clients (aiortc peers like the tests', all talking at once) run in
this process. Reported, over a window after everyone is connected: packets received and
forwarded by the SFU, and CPU microseconds per forwarded packet, all in (the SFU process's CPU:
aiortc's receive path, timers, RTCP included) and for the fast path alone (the thread's CPU time
inside `Participant.on_rtp`: parse, route, rewrite, SRTP protect, sendto). Keep runs short on
shared machines.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from typing import Any

from tests.media.clients import TONES, Client
from townhall.media import Answer, AudioSlot, EmbeddedSfu, Offer, Rights, VideoSlot


class _Quiet:
    def speaking(self, user_id: int, speaking: bool) -> None:
        pass

    def streams_changed(self) -> None:
        pass

    def slot_speaker(self, ssrc: int, user_id: int) -> None:
        pass


_fast_path_seconds = 0.0


def _time_the_fast_path() -> None:
    """Count the CPU time spent in `Participant.on_rtp`: parse, route, rewrite, protect, send."""
    from townhall.media.participant import Participant

    on_rtp = Participant.on_rtp

    def timed(self: Participant, data: bytes) -> None:
        global _fast_path_seconds
        start = time.thread_time()
        on_rtp(self, data)
        _fast_path_seconds += time.thread_time() - start

    Participant.on_rtp = timed  # type: ignore[method-assign]


def _counters(sfu: EmbeddedSfu) -> tuple[float, float, int, int]:
    times = os.times()
    received = forwarded = 0
    for room in sfu._rooms.values():
        for participant in room.participants.values():
            received += sum(s.packets for s in participant.inbound.values())
            forwarded += sum(slot.packets for slot in participant._slots.values())
    return times.user + times.system, _fast_path_seconds, received, forwarded


def _serve(pipe: Connection) -> None:
    """The SFU process: answers ("connect", ...), ("counters",) and ("close",) requests."""

    _time_the_fast_path()

    async def main() -> None:
        sfu = EmbeddedSfu(host_addresses=["127.0.0.1"])
        loop = asyncio.get_running_loop()
        while True:
            request: tuple[Any, ...] = await loop.run_in_executor(None, pipe.recv)
            if request[0] == "connect":
                _, room_id, user_id, sdp, sources = request
                rights = Rights(speak=True, video=True, hear=True)
                answer = await sfu.connect(room_id, user_id, Offer(sdp, sources), rights, _Quiet())
                pipe.send(answer)
            elif request[0] == "counters":
                pipe.send(_counters(sfu))
            else:
                await sfu.close()
                pipe.send("closed")
                return

    import uvloop  # what `townhall serve` runs on

    uvloop.run(main())


async def measure(people: int, seconds: float) -> None:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    server = context.Process(target=_serve, args=(theirs,), daemon=True)
    server.start()
    loop = asyncio.get_running_loop()

    async def ask(*request: Any) -> Any:
        ours.send(request)
        return await loop.run_in_executor(None, ours.recv)

    clients = [
        Client(user_id, TONES[user_id % len(TONES)], amplitude=0.1 + 0.05 * user_id)
        for user_id in range(1, people + 1)
    ]
    try:
        for each in clients:
            offer = await each.offer()
            answer: Answer = await ask("connect", 1, each.user_id, offer.sdp, dict(offer.sources))
            assert all(isinstance(s, AudioSlot | VideoSlot) for s in answer.streams)
            await each.accept(answer)
        await asyncio.sleep(3)  # connected, slots settled
        cpu0, fast0, received0, forwarded0 = await ask("counters")
        wall0 = time.monotonic()
        await asyncio.sleep(seconds)
        cpu1, fast1, received1, forwarded1 = await ask("counters")
        wall = time.monotonic() - wall0
        received, forwarded, cpu = received1 - received0, forwarded1 - forwarded0, cpu1 - cpu0
        fast = fast1 - fast0
        print(f"{people} people, {wall:.1f} s: the SFU received {received / wall:.0f} packets/s,")
        print(f"forwarded {forwarded / wall:.0f} packets/s and used {cpu / wall:.1%} of a core.")
        print(f"All in: {cpu / max(forwarded, 1) * 1e6:.1f} µs of CPU per forwarded packet.")
        print(f"Fast path: {fast / max(forwarded, 1) * 1e6:.1f} µs per forwarded packet.")
    finally:
        for each in clients:
            await each.close()
        await ask("close")
        server.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.people, arguments.seconds))


if __name__ == "__main__":
    main()
