"""A 4-person video call with a screen share on the embedded SFU, for `bench.voice`.

Four people join a voice channel, all talking (-10, -12, -14, -22 dBov: each hears the other
three), then each turns on a camera and person 1 also shares their screen; everyone watches
everyone else's video (`bench.voice_video_clients`: pre-encoded VP8, camera 640x360 and screen
1280x720 at 15 fps, renegotiating after each op 15 as the web client does). Reported: the
server's CPU and memory, and per viewer the video packets delivered against those the others
sent in the window (by the trailer every RTP payload carries), audio likewise.

`janusvideo`: the same call through Janus (`bench.janus_process`, the `janus` part's), a townhall
server with `TOWNHALL_MEDIA_BACKEND=janus` signalling: the voice through AudioBridge, the video
through VideoRoom on connections of their own (docs/voice.md, "Video on connections of its
own"; `bench.voice_video_clients`). VideoRoom relays the payloads as they are, so video is
counted by the trailers as on the embedded SFU; AudioBridge's mix carries none, so a viewer's
audio is the mix's packets that arrived in the window against 50 a second (as `bench.voice_janus`
counts them). Janus's CPU and memory are reported beside townhall's.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench import community
from bench.janus_process import JanusNamespace
from bench.loadgen import LoadGenerator
from bench.server import townhall
from bench.voice_media import FRAME_SECONDS
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


async def video_call(seconds: float, janus: JanusNamespace | None = None) -> dict[str, Any]:
    """The call on the embedded SFU, or (`janus`) through Janus AudioBridge and VideoRoom."""
    through = "Janus AudioBridge and VideoRoom" if janus else "townhall"
    print(f"  video: 4 people, cameras and a screen share, {through}", flush=True)
    env = janus.townhall_env() if janus else VOICE_ENV
    with townhall("sqlite", "voice-janus-video" if janus else "voice-video", env) as server:
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
            if janus:
                config["address"] = janus.client_address
            generators += await start([config], "bench.voice_video_clients")
            await asyncio.sleep(SETTLE_SECONDS)
            pids: dict[str, int | list[int]] = {
                "server": server.pids,
                "participants": [g.pid for g in generators],
            }
            if janus:
                pids["janus"] = janus.pid
            reports, cpu, rss = await measure(generators, pids, seconds)
        finally:
            await stop(generators)
    return summarize(reports, cpu, rss, seconds, mixed=janus is not None)


def summarize(
    reports: list[dict[str, Any]],
    cpu: dict[str, float],
    rss: dict[str, float],
    seconds: float,
    mixed: bool = False,
) -> dict[str, Any]:
    """Per viewer: the others' video packets and audio delivered; `mixed`: the audio is one mix
    (Janus AudioBridge), `seconds / FRAME_SECONDS` packets expected."""
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
        if mixed:
            audio_expected = round(seconds / FRAME_SECONDS)
            audio_got = min(p["mixed"], audio_expected)
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
    delivered = sum(sum(p["received"].values()) + p["mixed"] for p in people)
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


def video_line(name: str, r: dict[str, Any]) -> str:
    cpu, rss = r["cpu_percent"], r["rss_mib"]
    viewers = ", ".join(
        f"{v['number']}: {v['video_packets_per_s']}/s {v['video_delivered_percent']} %"
        f" audio {v['audio_delivered_percent']} %"
        for v in r["viewers"]
    )
    janus = f"Janus {cpu['janus']} % RSS {rss.get('janus')} MiB, " if "janus" in cpu else ""
    return (
        f"    {name}: per viewer video packets/s and delivered ({viewers}); sent "
        f"{r['video_packets_sent_per_s']} video packets/s; latency p50 {r['latency_p50_ms']} ms "
        f"p99 {r['latency_p99_ms']} ms; {janus}server {cpu['server']} % RSS "
        f"{rss.get('server')} MiB, participants {cpu['participants']} %, "
        f"others {cpu['others']} %"
    )
