"""Percentiles, the machine a figure was measured on, and the JSON files results are written to."""

from __future__ import annotations

import functools
import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list (q in 0..100)."""
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize_ms(samples: Iterable[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(percentile(ordered, 50), 3),
        "p90_ms": round(percentile(ordered, 90), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "max_ms": round(ordered[-1], 3) if ordered else math.nan,
        "mean_ms": round(sum(ordered) / len(ordered), 3) if ordered else math.nan,
    }


def histogram_percentile(
    histogram: Mapping[int, int], missing: int, q: float, width: float
) -> float:
    """Percentile of a histogram of `width`-wide buckets; `missing` samples count as infinite."""
    total = sum(histogram.values()) + missing
    if total == 0:
        return math.nan
    rank = max(1, math.ceil(q / 100 * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return (bucket + 1) * width
    return math.inf


@functools.cache
def machine() -> dict[str, Any]:
    """Where and from what a figure comes: commit, cores, memory, Python, load before the run.

    Cached: the first call (at the start of a run) names the code the servers were started from,
    even if the work tree moves on during the run."""
    root = Path(__file__).parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no", "src"],
                cwd=root,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    with open("/proc/meminfo") as meminfo:
        total_kib = int(meminfo.readline().split()[1])
    cpu_model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "commit": commit + ("+uncommitted" if dirty else ""),
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(total_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def write(name: str, result: Mapping[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    document = {
        "benchmark": name,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        **result,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path
