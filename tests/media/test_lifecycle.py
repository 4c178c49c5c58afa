"""Joining, leaving and joining again: what a connection held is given back."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tests.media.clients import TALKER, Client
from townhall.media import BadOffer, EmbeddedSfu, NotConnected, Offer, Rights, VideoSlot


async def closed(client: Client) -> None:
    """Wait until the SFU's end of the client's connection has gone (DTLS close_notify)."""
    changed = asyncio.Event()
    client.pc.on("connectionstatechange", changed.set)
    async with asyncio.timeout(10):
        while client.pc.connectionState not in ("closed", "failed"):
            changed.clear()
            await changed.wait()


async def test_leaving_frees_the_slot_the_video_and_the_connection(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    listener = client(1, audio_slots=1)
    listener.watch()
    leaver = client(2, 400, camera=True)
    await leaver.join(sfu, room_id, TALKER)
    answer = await listener.join(sfu, room_id)
    video_mid = next(s.mid for s in answer.streams if isinstance(s, VideoSlot))
    await listener.until(lambda: listener.tones_heard() == {400}, "hearing the leaver")
    await listener.until(lambda: bool(listener.video_sizes.get(video_mid)), "seeing the leaver")

    await sfu.disconnect(room_id, 2)

    await closed(leaver)
    assert sfu.members(room_id) == [1]
    assert sfu.video_streams(room_id) == []
    assert listener.listener.streams_changes == 1
    assert listener.listener.speaking_events[-1] == (2, False)
    # The one audio slot was the leaver's; it is free for the next speaker.
    await client(3, 1000).join(sfu, room_id, TALKER)
    await listener.until(lambda: listener.tones_heard() == {1000}, "hearing the next one")

    await sfu.disconnect(room_id, 3)
    await sfu.disconnect(room_id, 1)
    assert sfu.members(room_id) == []
    try:
        await sfu.renegotiate(room_id, 1, Offer(sdp=""))
    except NotConnected:
        pass
    else:
        raise AssertionError("renegotiating after leaving must fail")


async def test_connecting_again_replaces_the_old_connection(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    listener = client(1)
    await listener.join(sfu, room_id)
    first = client(2, 400, camera=True)
    await first.join(sfu, room_id, TALKER)
    await listener.until(lambda: 400 in listener.tones_heard(), "hearing the first tab")
    changes = listener.listener.streams_changes

    second = client(2, 1600)  # the same person from another tab, without a camera
    await second.join(sfu, room_id, TALKER)

    await closed(first)
    assert sfu.members(room_id) == [1, 2]
    assert sfu.video_streams(room_id) == []
    assert listener.listener.streams_changes == changes + 1
    await listener.until(lambda: listener.tones_heard() == {1600, None}, "the second tab only")
    assert 400 not in {listener.tone_in(mid, frames=10) for mid in listener.audio_mids()}


async def test_an_offer_the_sfu_cannot_serve_is_refused_and_leaves_nothing_behind(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    someone = client(1)
    offer = await someone.offer()
    rights = Rights(speak=True, video=True, hear=True)
    mic_mid = next(iter(offer.sources))
    try:
        await sfu.connect(
            room_id, 1, Offer(offer.sdp, {mic_mid: "camera"}), rights, someone.listener
        )
    except BadOffer:
        pass
    else:
        raise AssertionError("a camera on an audio m-line must be refused")
    assert sfu.members(room_id) == []
    assert sfu.video_streams(room_id) == []
