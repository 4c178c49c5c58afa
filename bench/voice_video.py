"""A 4-person video call with a screen share on the embedded SFU, for `bench.voice`.

Four people join a voice channel, all talking (-10, -12, -14, -22 dBov: each hears the other
three), then each turns on a camera and person 1 also shares their screen; everyone watches
everyone else's video (`bench.voice_video_clients`: pre-encoded VP8, camera 640x360 and screen
1280x720 at 15 fps, renegotiating after each op 15 as the web client does). Reported: the
server's CPU and memory, and per viewer the video packets delivered against those the others
sent in the window (by the trailer every RTP payload carries), audio likewise. Janus cannot
carry video in townhall's backend (docs/decisions/0012-janus-backend.md), so there is no peer.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench import community
from bench.loadgen import LoadGenerator
from bench.server import townhall
from bench.voice_scenario import (
    GOAL_DELIVERED,
    SETTLE_SECONDS,
    VOICE_CHANNEL,
    VOICE_ENV,
    base_config,
    latency,
    make_channel,
    measure,
    merged_histogram,
    people_of,
    start,
    stop,
)
from bench.voice_video_clients import CAMERA, SCREEN

LEVELS = (10, 12, 14, 22)
SHARER = 1


async def video_call(seconds: float) -> dict[str, Any]:
    print("  video: 4 people, cameras and a screen share, townhall", flush=True)
    with townhall("sqlite", "voice-video", VOICE_ENV) as server:
        group = await community.build(server.api, len(LEVELS) - 1)
        channel_id = await make_channel(server, group, VOICE_CHANNEL)
        streams = len(LEVELS) + 1
        people = [
            {
                "number": 1 + i,
                "user_id": account.user_id,
                "token": account.token,
                "level": LEVELS[i],
                "camera": True,
                "screen": i + 1 == SHARER,
                "watch": streams - (2 if i + 1 == SHARER else 1),
            }
            for i, account in enumerate([group.owner, *group.members])
        ]
        generators: list[LoadGenerator] = []
        try:
            config = {**base_config(server, group, channel_id), "people": people}
            generators += await start([config], "bench.voice_video_clients")
            await asyncio.sleep(SETTLE_SECONDS)
            pids: dict[str, int | list[int]] = {
                "server": server.pids,
                "participants": [g.pid for g in generators],
            }
            reports, cpu, rss = await measure(generators, pids, seconds)
        finally:
            await stop(generators)
    return summarize(reports, cpu, rss, seconds)


def summarize(
    reports: list[dict[str, Any]], cpu: dict[str, float], rss: dict[str, float], seconds: float
) -> dict[str, Any]:
    people = people_of(reports)
    video_sent = {int(s): n for p in people for s, n in p.get("video_sent", {}).items()}
    video_bytes = {int(s): n for p in people for s, n in p.get("video_bytes_sent", {}).items()}
    audio_sent = {p["number"]: p["sent"] for p in people}
    viewers = []
    for p in people:
        own = {CAMERA + p["number"], SCREEN + p["number"]}
        watched = [s for s in video_sent if s not in own]
        expected = sum(video_sent[s] for s in watched)
        got = sum(p["received"].get(str(s), 0) for s in watched)
        heard = [n for n in audio_sent if n != p["number"]]
        audio_expected = sum(audio_sent[n] for n in heard)
        audio_got = sum(p["received"].get(str(n), 0) for n in heard)
        viewers.append(
            {
                "number": p["number"],
                "watching": p.get("watching"),
                "video_packets_per_s": round(got / seconds, 1),
                "video_lost": expected - got,
                "video_delivered_percent": round(100 * got / expected, 2) if expected else None,
                "audio_delivered_percent": round(100 * audio_got / audio_expected, 2)
                if audio_expected
                else None,
            }
        )
    delivered = sum(sum(p["received"].values()) for p in people)
    server_cpu_s = cpu["server"] / 100 * seconds
    at_goal = [
        v
        for v in viewers
        if (v["video_delivered_percent"] or 0) >= 100 * GOAL_DELIVERED
        and (v["audio_delivered_percent"] or 0) >= 100 * GOAL_DELIVERED
    ]
    return {
        "viewers": viewers,
        "video_streams": {
            ("camera " if s < SCREEN else "screen ") + str(s % 100): {
                "packets_per_s": round(n / seconds, 1),
                "kbit_per_s": round(video_bytes[s] * 8 / seconds / 1000),
            }
            for s, n in sorted(video_sent.items())
        },
        "video_packets_sent_per_s": round(sum(video_sent.values()) / seconds, 1),
        "video_packets_delivered_per_s": round(sum(v["video_packets_per_s"] for v in viewers), 1),
        "packets_delivered_per_s": round(delivered / seconds, 1),
        **latency(merged_histogram(reports)),
        "failures": [f for r in reports for f in r.get("failures", [])][:5],
        "cpu_percent": cpu,
        "rss_mib": rss,
        "others_cpu_percent": cpu["others"],
        "server_cpu_us_per_delivered_packet": round(server_cpu_s / delivered * 1e6, 1)
        if delivered
        else None,
        "meets_goal": len(at_goal) == len(viewers) == len(LEVELS),
    }


def video_line(r: dict[str, Any]) -> str:
    cpu = r["cpu_percent"]
    viewers = ", ".join(
        f"{v['number']}: {v['video_packets_per_s']}/s {v['video_delivered_percent']} %"
        for v in r["viewers"]
    )
    return (
        f"    video: per viewer video packets/s and delivered ({viewers}); sent "
        f"{r['video_packets_sent_per_s']} video packets/s; latency p50 {r['latency_p50_ms']} ms "
        f"p99 {r['latency_p99_ms']} ms; server {cpu['server']} % RSS "
        f"{r['rss_mib'].get('server')} MiB, participants {cpu['participants']} %, "
        f"others {cpu['others']} %"
    )
