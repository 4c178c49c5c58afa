"""A browser-shaped offer is planned and answered the way `townhall.media.backend` describes.

`chromium_offer.sdp` is shaped like Chromium's: a sendrecv microphone and two recvonly audio
slots, a sendonly camera and one recvonly video, Chromium's codec list (Opus, RED, VP8, H.264,
AV1, RTX) and extension ids (audio level 1, mid 4).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiortc import sdp

from tests.media.clients import RecordingListener
from townhall.media import (
    AudioSlot,
    BadOffer,
    EmbeddedSfu,
    Offer,
    Rights,
    StreamInfo,
    VideoSlot,
)
from townhall.media.negotiation import plan_offer

CHROMIUM_OFFER = (Path(__file__).parent / "chromium_offer.sdp").read_text().replace("\n", "\r\n")
SOURCES = {"0": "microphone", "3": "camera"}
EVERYTHING = Rights(speak=True, video=True, hear=True)


def test_the_offer_is_planned_mid_by_mid() -> None:
    watchable = [StreamInfo(7, "screen"), StreamInfo(8, "camera")]

    plans = plan_offer(CHROMIUM_OFFER, SOURCES, 3, watchable)

    assert [(p.mid, p.publishes, p.audio_slot, p.watches) for p in plans] == [
        ("0", "microphone", 0, None),
        ("1", None, 1, None),
        ("2", None, 2, None),
        ("3", "camera", None, None),
        ("4", None, None, StreamInfo(7, "screen")),
    ]
    assert [p.answer_direction for p in plans] == [
        "sendrecv",
        "sendonly",
        "sendonly",
        "recvonly",
        "sendonly",
    ]
    assert plans[0].ssrc == 1001 and plans[3].ssrc == 2001
    assert plans[0].extensions["urn:ietf:params:rtp-hdrext:ssrc-audio-level"] == 1


def test_slots_and_watched_streams_beyond_what_exists_are_left_inactive() -> None:
    plans = plan_offer(CHROMIUM_OFFER, SOURCES, 2, [])

    assert [p.answer_direction for p in plans] == [
        "sendrecv",
        "sendonly",
        "inactive",
        "recvonly",
        "inactive",
    ]
    assert [p.stream for p in plans if p.stream] == [AudioSlot("0", 0), AudioSlot("1", 1)]


@pytest.mark.parametrize(
    ("sdp_text", "sources", "reason"),
    [
        (CHROMIUM_OFFER, {"0": "camera"}, "cannot carry camera"),
        (CHROMIUM_OFFER, {"0": "microphone", "3": "microphone"}, "cannot carry"),
        (CHROMIUM_OFFER, {"9": "camera"}, "not in the offer"),
        (CHROMIUM_OFFER.replace("a=group:BUNDLE 0 1 2 3 4", "a=group:BUNDLE 0"), {}, "BUNDLE"),
        ("v=0\r\n", {}, "no media"),
    ],
)
def test_offers_the_sfu_cannot_serve_are_refused(
    sdp_text: str, sources: dict[str, str], reason: str
) -> None:
    with pytest.raises(BadOffer, match=reason):
        plan_offer(sdp_text, sources, 3, [])  # type: ignore[arg-type]


async def test_the_answer_keeps_opus_vp8_first_and_the_audio_level_extension() -> None:
    sfu = EmbeddedSfu(host_addresses=["127.0.0.1"])
    try:
        answer = await sfu.connect(
            1, 5, Offer(CHROMIUM_OFFER, SOURCES), EVERYTHING, RecordingListener(lambda: None)
        )
        assert sfu.video_streams(1) == [StreamInfo(5, "camera")]
    finally:
        await sfu.close()

    lines = {m.rtp.muxId: m for m in sdp.SessionDescription.parse(answer.sdp).media}
    assert answer.streams == [AudioSlot("0", 0), AudioSlot("1", 1), AudioSlot("2", 2)]
    assert [lines[mid].direction for mid in "01234"] == [
        "sendrecv",
        "sendonly",
        "sendonly",
        "recvonly",
        "inactive",
    ]
    for mid in "012":
        assert [c.mimeType for c in lines[mid].rtp.codecs] == ["audio/opus"]
        assert [c.payloadType for c in lines[mid].rtp.codecs] == [111]
        assert {e.uri: e.id for e in lines[mid].rtp.headerExtensions}[
            "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
        ] == 1
    camera = [(c.mimeType, c.payloadType) for c in lines["3"].rtp.codecs]
    assert camera == [("video/VP8", 96), ("video/H264", 102)], "no RTX, no AV1, VP8 first"
    assert all(m.ice_candidates[0].ip == "127.0.0.1" for m in lines.values())


def test_a_video_slot_names_whose_stream_it_carries() -> None:
    plans = plan_offer(CHROMIUM_OFFER, SOURCES, 3, [StreamInfo(9, "camera")])

    assert plans[4].stream == VideoSlot("4", 9, "camera")


async def test_candidates_are_gathered_within_the_configured_port_range() -> None:
    sfu = EmbeddedSfu(host_addresses=["127.0.0.1"], port_range=(41000, 41019))
    try:
        answers = [
            await sfu.connect(
                1,
                user_id,
                Offer(CHROMIUM_OFFER, SOURCES),
                EVERYTHING,
                RecordingListener(lambda: None),
            )
            for user_id in (1, 2)
        ]
    finally:
        await sfu.close()

    ports = [
        sdp.SessionDescription.parse(answer.sdp).media[0].ice_candidates[0].port
        for answer in answers
    ]
    assert all(41000 <= port <= 41019 for port in ports)
    assert ports[0] != ports[1]
