"""Simulcast: reading the layers a browser offers, accepting them, and choosing one per viewer."""

from __future__ import annotations

from townhall.media.keyframes import keyframe_size
from townhall.media.negotiation import plan_offer
from townhall.media.simulcast import RID_URI, accept_simulcast, choose_layer, offered_rids

# Chrome's camera m-line with three encodings (rids q, h, f), trimmed to what matters here.
CHROME_SIMULCAST_OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 2 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "a=msid-semantic: WMS",
        "m=video 9 UDP/TLS/RTP/SAVPF 96",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:abcd",
        "a=ice-pwd:abcdefghijklmnopqrstuvwx",
        "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
        "a=setup:actpass",
        "a=mid:0",
        "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid",
        f"a=extmap:10 {RID_URI}",
        "a=sendonly",
        "a=rtcp-mux",
        "a=rtpmap:96 VP8/90000",
        "a=rid:q send",
        "a=rid:h send",
        "a=rid:f send",
        "a=simulcast:send q;h;f",
        "",
    ]
)


def test_the_layers_a_browser_offers_are_read_lowest_first() -> None:
    assert offered_rids(CHROME_SIMULCAST_OFFER) == {"0": ("q", "h", "f")}
    (plan,) = plan_offer(CHROME_SIMULCAST_OFFER, {"0": "camera"}, 3, [])
    assert plan.rids == ("q", "h", "f") and plan.publishes == "camera"
    assert offered_rids(CHROME_SIMULCAST_OFFER.replace("q;h;f", "~q,x;h")) == {"0": ("q", "h")}
    too_many = CHROME_SIMULCAST_OFFER.replace("q;h;f", "a;b;c;d")
    assert offered_rids(too_many) == {}


def test_an_offer_without_the_stream_id_extension_is_not_planned_as_simulcast() -> None:
    without = CHROME_SIMULCAST_OFFER.replace(f"a=extmap:10 {RID_URI}\r\n", "")
    (plan,) = plan_offer(without, {"0": "camera"}, 3, [])
    assert plan.rids == ()


def test_the_answer_accepts_the_layers_and_keeps_everything_else() -> None:
    answer = (
        "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:0\r\na=recvonly\r\nm=audio 9 X 111\r\na=mid:1\r\n"
    )
    accepted = accept_simulcast(answer, {"0": ("q", "h", "f")}, {"0": 10})
    video, audio = accepted.split("\r\nm=")[1:]
    assert f"a=extmap:10 {RID_URI}" in video
    assert "a=rid:q recv\r\na=rid:h recv\r\na=rid:f recv\r\na=simulcast:recv q;h;f" in video
    assert "simulcast" not in audio and accepted.endswith("\r\n")
    assert accept_simulcast(answer, {}, {}) == answer


def test_a_viewer_gets_the_smallest_layer_at_least_as_tall_as_its_tile() -> None:
    heights = [180, 360, 720]
    active = [True, True, True]
    rates = [150e3, 500e3, 1500e3]
    assert choose_layer(2, heights, active, rates, 120, None) == 0
    assert choose_layer(0, heights, active, rates, 300, None) == 1
    assert choose_layer(0, heights, active, rates, 1080, None) == 2  # none is that tall
    assert choose_layer(0, heights, active, rates, None, None) == 2  # size unknown: the best
    assert choose_layer(2, [None, None, 720], active, rates, 120, None) == 2  # sizes not seen yet


def test_the_bandwidth_estimate_caps_the_layer_and_upgrades_wait_for_room() -> None:
    heights, active, rates = [180, 360, 720], [True, True, True], [150e3, 500e3, 1500e3]
    assert choose_layer(2, heights, active, rates, 720, 600e3) == 1
    assert choose_layer(2, heights, active, rates, 720, 100e3) == 0  # the lowest, whatever
    assert choose_layer(1, heights, active, rates, 720, 1600e3) == 1  # fits, but no room
    assert choose_layer(1, heights, active, rates, 720, 2000e3) == 2


def test_a_layer_the_publisher_stopped_sending_is_skipped() -> None:
    heights, rates = [180, 360, 720], [150e3, 500e3, 0.0]
    assert choose_layer(2, heights, [True, True, False], rates, 720, None) == 1
    assert choose_layer(0, heights, [False, False, True], rates, 120, None) == 2


def test_a_vp8_keyframe_tells_its_size() -> None:
    descriptor = bytes([0x90, 0x80, 0x12])  # X, S; I: a one-byte picture id
    frame_tag = bytes([0x50, 0x2A, 0x00])  # P bit clear: a keyframe
    header = frame_tag + b"\x9d\x01\x2a" + (640).to_bytes(2, "little") + (360).to_bytes(2, "little")
    assert keyframe_size("video/vp8", descriptor + header) == (640, 360)
    inter = bytes([0x51]) + header[1:]
    assert keyframe_size("video/vp8", descriptor + inter) is None
    assert keyframe_size("video/h264", descriptor + header) is None
