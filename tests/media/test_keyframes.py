"""Keyframe starts are found in real encoder output, and keyframe requests are rate-limited."""

from __future__ import annotations

import asyncio
import fractions
import random

import pytest
from aiortc.codecs import CODECS, get_encoder
from av import VideoFrame

from townhall.media.keyframes import KeyframeRequests, is_keyframe_start
from townhall.media.negotiation import codec_key

VIDEO_CODECS = [codec for codec in CODECS["video"] if codec.mimeType != "video/rtx"]


def noisy_frame(index: int) -> VideoFrame:
    """Hard-to-compress content, so that a keyframe spans several packets."""
    noise = random.Random(index)
    frame = VideoFrame(width=320, height=240, format="yuv420p")
    for plane in frame.planes:
        plane.update(noise.randbytes(plane.buffer_size))
    frame.pts = index * 3000
    frame.time_base = fractions.Fraction(1, 90000)
    return frame


@pytest.mark.parametrize("codec", VIDEO_CODECS, ids=lambda c: str(c) + str(c.parameters))
def test_only_the_first_packet_of_a_keyframe_starts_one(codec: object) -> None:
    encoder = get_encoder(codec)  # type: ignore[arg-type]
    key = codec_key(codec)  # type: ignore[arg-type]

    keyframe, _ = encoder.encode(noisy_frame(0), force_keyframe=True)
    delta, _ = encoder.encode(noisy_frame(1), force_keyframe=False)
    forced, _ = encoder.encode(noisy_frame(2), force_keyframe=True)

    assert len(keyframe) > 2
    assert [is_keyframe_start(key, p) for p in keyframe] == [True] + [False] * (len(keyframe) - 1)
    assert not any(is_keyframe_start(key, p) for p in delta)
    assert is_keyframe_start(key, forced[0])


async def test_requests_inside_the_interval_are_sent_once_at_its_end() -> None:
    sent: list[float] = []
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    def send() -> None:
        sent.append(loop.time())
        if len(sent) == 2:
            done.set()

    requests = KeyframeRequests(send, interval=0.2)
    start = loop.time()
    for _ in range(5):
        requests.request()
    await asyncio.wait_for(done.wait(), 5)

    assert len(sent) == 2
    assert sent[0] - start < 0.05
    assert sent[1] - sent[0] >= 0.19
    requests.cancel()
