"""What /proc says about a process: CPU time used and resident memory.

The machines these run on have two cores shared by the server and the load generator, so every
figure is reported together with what each process spent to produce it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (utime + stime of /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 0, utime 11, stime 12.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling (first line of /proc/stat)."""
    with open("/proc/stat") as stat:
        ticks = [int(v) for v in stat.readline().split()[1:]]
    idle = ticks[3] + ticks[4]
    return (sum(ticks[:8]) - idle) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


SERVICES = ("postgres", "redis-server")
"""Processes counted as `services` (the database and the bus), not as neighbours."""


def service_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip().startswith(SERVICES):
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


class CpuMeter:
    """CPU use of named processes over a window, as a percentage of one core.

    Always also this process (as `client`, unless named), `services` (PostgreSQL and Redis), and
    `others`: what every other process on the machine used meanwhile. These machines
    are shared; a figure measured while something else held the cores says so.
    """

    def __init__(self, pids: Mapping[str, int | list[int]]) -> None:
        self.pids = {name: pid if isinstance(pid, list) else [pid] for name, pid in pids.items()}
        if not any(os.getpid() in pids for pids in self.pids.values()):
            self.pids["client"] = [os.getpid()]
        self._start: dict[str, dict[int, float]] = {}
        self._machine = 0.0
        self._started_at = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        groups = {**self.pids, "services": service_pids()}
        sample: dict[str, dict[int, float]] = {}
        for name, pids in groups.items():
            sample[name] = {}
            for pid in pids:
                try:
                    sample[name][pid] = cpu_seconds(pid)
                except OSError:
                    continue
        return sample

    def start(self) -> None:
        self._start = self._sample()
        self._machine = machine_busy_seconds()
        self._started_at = time.monotonic()

    def stop(self) -> dict[str, float]:
        """Percent of one core per name since `start` (200 would be both cores of two)."""
        elapsed = time.monotonic() - self._started_at
        end = self._sample()
        machine = 100 * (machine_busy_seconds() - self._machine) / elapsed
        used = {
            name: 100
            * sum(cpu - self._start.get(name, {}).get(pid, 0.0) for pid, cpu in pids.items())
            / elapsed
            for name, pids in end.items()
        }
        used["others"] = max(0.0, machine - sum(used.values()))
        return {name: round(value, 1) for name, value in used.items()}


CONTENDED_PERCENT = 30.0
"""Other processes using more than this much CPU during a measurement make it "contended"."""


def least_contended(measure: Callable[[], dict[str, Any]], attempts: int = 3) -> dict[str, Any]:
    """Run `measure` (which reports `others_cpu_percent`) until one run is not contended, at most
    `attempts` times; the least contended run. A neighbour's test run is not the server's cost."""
    best: dict[str, Any] | None = None
    for attempt in range(1, attempts + 1):
        wait_for_quiet(CONTENDED_PERCENT)
        result = {**measure(), "attempt": attempt}
        if best is None or result["others_cpu_percent"] < best["others_cpu_percent"]:
            best = result
        if result["others_cpu_percent"] <= CONTENDED_PERCENT:
            break
    assert best is not None
    return best


def wait_for_quiet(limit_percent: float = 30.0, max_wait: float = 60.0) -> float:
    """Wait (at most `max_wait` s) until the machine's other work uses under `limit_percent` of a
    core, sampled over one second; returns the last sample so the result can record it."""
    deadline = time.monotonic() + max_wait
    while True:
        before = machine_busy_seconds()
        time.sleep(1.0)
        busy = 100 * (machine_busy_seconds() - before)
        if busy < limit_percent or time.monotonic() > deadline:
            return round(busy, 1)
