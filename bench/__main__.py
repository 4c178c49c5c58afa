"""`python -m bench`: every benchmark in turn (about 40 minutes), then a summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench import (
    fanout,
    groups,
    history,
    idle,
    people,
    reconnect,
    report,
    send,
    throughput,
    two_nodes,
    voice,
)


def _row(name: str, value: str, goal: str, met: bool | None) -> str:
    verdict = "—" if met is None else ("meets" if met else "MISSES")
    return f"  {name:<44} {value:<34} {goal:<22} {verdict}"


def summary(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [_row("figure", "result", "goal", None).replace("—", "")]
    for backend in ("sqlite", "postgresql"):
        r = results["send"][backend]
        lines.append(
            _row(
                f"message create ({backend})",
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms",
                "p50 < 3 ms",
                r["meets_goal"],
            )
        )
    for route, floor in results["send"]["sqlite"].get("http_floor", {}).items():
        lines.append(
            _row(
                f"  HTTP floor: {route}",
                f"p50 {floor['p50_ms']} ms, {floor['server_cpu_ms_per_request']} ms CPU",
                "",
                None,
            )
        )
    for backend in ("sqlite", "postgresql"):
        r = results["history"][backend]
        lines.append(
            _row(
                f"history page of 100 in 1M ({backend})",
                f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms",
                "p99 < 20 ms",
                r["meets_goal"],
            )
        )
    f = results["fanout"]
    at = f["at_100_msg_per_s"]
    lines.append(
        _row(
            "fan-out 200 receivers, 100 msg/s",
            f"p50 {at['p50_ms']} ms, p99 {at['p99_ms']} ms",
            "p99 < 50 ms",
            at["meets_goal"],
        )
    )
    lines.append(
        _row(
            "max deliveries/s with p99 < 100 ms",
            f"{f['townhall']['max_sustained_deliveries_per_s']:,} "
            f"(floor {f['floor']['max_sustained_deliveries_per_s']:,})",
            "≥ 100 % of floor",
            f["meets_ratio_goal"],
        )
    )
    lines.append(_row("  ratio to floor", str(f["ratio_to_floor"]), "≥ 1.0", f["meets_ratio_goal"]))
    t = results["two_nodes"]
    lines.append(
        _row(
            "two nodes (PG + Redis), 100 msg/s",
            f"p50 {t['at_100_msg_per_s']['p50_ms']} ms, p99 {t['at_100_msg_per_s']['p99_ms']} ms",
            "p99 < 50 ms",
            t["at_100_msg_per_s"]["meets_goal"],
        )
    )
    lines.append(
        _row(
            "two nodes max deliveries/s, p99 < 100 ms",
            f"{t['max_sustained_deliveries_per_s']:,}",
            "",
            None,
        )
    )
    for backend in ("sqlite", "postgresql"):
        r = results["throughput"][backend]
        lines.append(
            _row(
                f"throughput, 50 receivers, 8 in flight ({backend})",
                f"{r['messages_per_s']} msg/s, p99 {r['p99_ms']} ms",
                "1,000 msg/s, p99 < 50 ms",
                r["meets_goal"],
            )
        )
    r = results["reconnect"]
    lines.append(
        _row(
            f"reconnect storm, {r['sessions']:,} sessions",
            f"{r['all_ready_again_seconds']} s",
            "< 15 s",
            r["meets_goal"],
        )
    )
    r = results["people"]
    lines.append(
        _row(
            "people per machine (p99 < 200 ms)",
            f"{r['most_people_within_goal']:,}",
            "≥ 2,000",
            r["meets_goal"],
        )
    )
    for variant, r in results["idle"]["variants"].items():
        lines.append(
            _row(
                f"{r['sessions']:,} idle sessions ({variant})",
                f"RSS {r['rss_after_mib']} MiB, {r['per_session_kib']} KiB each",
                "< 1024 MiB",
                r["meets_goal"],
            )
        )
    g = results["groups"]
    a = g["phases"]["announcement"]
    lines.append(
        _row(
            f"announcement to {a['receivers']:,} of {g['shape']['members']:,} members",
            f"{a['delivered_percent']} %, p99 {a['p99_ms']} ms, "
            f"{g['net_cpu_ms_per_message']['announcement']} ms CPU",
            "100 % delivered",
            g["meets_delivery_goal"],
        )
    )
    lines.append(
        _row("  group messages to non-members", str(g["leaks"]), "0", g["meets_leak_goal"])
    )
    lines.append(
        _row(
            "  small group CPU ÷ floor, ÷ announcement",
            f"{g['small_group_to_floor']}, {g['small_group_to_announcement']}",
            f"≤ {groups.NEAR_FLOOR}, ≤ {groups.FAR_BELOW}",
            g["meets_proportionality_goal"],
        )
    )
    v = results["voice"]
    for name, goal in (("stage", "≥ 99 % to each"), ("call", "≥ 99 %, 3 loudest"), ("floor", "")):
        r = v[name]
        lines.append(
            _row(
                f"voice {name}: {r['listeners']} listeners",
                f"{r['listeners_at_goal']}/{r['listeners']} ≥ 99 %, server "
                f"{r['cpu_percent']['server']} %",
                goal,
                r["meets_goal"] if goal else None,
            )
        )
    return lines


def main() -> None:
    benchmarks: dict[str, Callable[[], dict[str, Any]]] = {
        "send": send.run,
        "history": history.run,
        "fanout": fanout.run,
        "two_nodes": two_nodes.run,
        "throughput": throughput.run,
        "reconnect": reconnect.run,
        "people": people.run,
        "idle": idle.run,
        "groups": groups.run,
        "voice": voice.run,
    }
    report.machine()  # the commit and machine the whole run is attributed to
    results = {}
    started = time.monotonic()
    for name, run in benchmarks.items():
        print(f"{name}:", flush=True)
        results[name] = run()
    print(f"\nall benchmarks in {(time.monotonic() - started) / 60:.1f} min; bench/results/*.json")
    print("\n".join(summary(results)))


if __name__ == "__main__":
    main()
