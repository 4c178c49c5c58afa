"""Packets forwarded and CPU used by a `WorkerPoolSfu` on N workers (a measurement, not a test).

    .venv/bin/python -m tests.media.measure_workers --workers 2 --rooms 2 --talkers 12 --seconds 10

The pool runs in this process on uvloop (as under `townhall serve`), its workers in their own;
the clients (aiortc peers like the tests', everyone talking and hearing the loudest three) run in
this process too. Each client counts the RTP packets that reach it below SRTP and drops them
there, so that this process does not spend the machine's cores decoding. Reported over a window
after everyone is connected: packets sent by the talkers and forwarded to the listeners per
second, and each worker's CPU (user + system, from /proc) and memory. Keep runs short on
shared machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from dataclasses import dataclass

import uvloop

from tests.media.clients import ALL_RIGHTS, TONES, Client
from townhall.media import WorkerPoolSfu

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def packets_sent(client: Client) -> int:
    """What the client's microphone has sent (aiortc's own count)."""
    sender = client.pc.getTransceivers()[0].sender
    count: int = sender._RTCRtpSender__packet_count  # type: ignore[attr-defined]
    return count


@dataclass
class Counter:
    packets: int = 0


def count_and_drop(client: Client, counter: Counter) -> None:
    """From now on, RTP that reaches the client is counted and not decoded."""
    dtls = client.pc.getTransceivers()[0].receiver.transport

    async def counted(data: bytes, arrival_time_ms: int) -> None:
        counter.packets += 1

    dtls._handle_rtp_data = counted  # type: ignore[method-assign]


async def measure(workers: int, rooms: int, talkers: int, seconds: float) -> None:
    pool = WorkerPoolSfu(workers, host_addresses=["127.0.0.1"])
    await pool.start()
    received = Counter()
    clients = [
        Client(room * 100 + n, TONES[n % len(TONES)], amplitude=0.05 + 0.02 * n)
        for room in range(1, rooms + 1)
        for n in range(1, talkers + 1)
    ]
    try:
        for each in clients:
            await each.join(pool, each.user_id // 100, ALL_RIGHTS)
            count_and_drop(each, received)
        await asyncio.sleep(3)  # connected, slots settled
        pids = pool.worker_pids
        sent0 = sum(map(packets_sent, clients))
        cpu0, received0, wall0 = [cpu_seconds(p) for p in pids], received.packets, time.monotonic()
        await asyncio.sleep(seconds)
        cpu1, received1 = [cpu_seconds(p) for p in pids], received.packets
        wall = time.monotonic() - wall0
        sent1 = sum(map(packets_sent, clients))
        forwarded = (received1 - received0) / wall
        print(f"{workers} workers, {rooms} rooms x {talkers} talkers, {wall:.1f} s:")
        print(
            f"  talkers sent {(sent1 - sent0) / wall:.0f} packets/s, listeners got {forwarded:.0f}"
        )
        for pid, before, after in zip(pids, cpu0, cpu1, strict=True):
            rooms_here = [r for r in range(1, rooms + 1) if pool.worker_pid(r) == pid]
            print(
                f"  worker {pid} (rooms {rooms_here}): {(after - before) / wall:.1%} of a core, "
                f"{resident_mb(pid):.0f} MB"
            )
        total = sum(cpu1) - sum(cpu0)
        print(
            f"  all workers: {total / wall:.1%} of a core, "
            f"{total / max(received1 - received0, 1) * 1e6:.1f} µs per forwarded packet"
        )
    finally:
        for each in clients:
            await each.close()
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rooms", type=int, default=2)
    parser.add_argument("--talkers", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args()
    uvloop.run(measure(arguments.workers, arguments.rooms, arguments.talkers, arguments.seconds))


if __name__ == "__main__":
    main()
