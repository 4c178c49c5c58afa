"""Cameras reach the people who watch them, as they were encoded, with keyframes and repairs."""

from __future__ import annotations

from collections.abc import Callable

from tests.media.clients import TALKER, Client
from townhall.media import EmbeddedSfu, Rights, StreamInfo, VideoSlot

NO_VIDEO = Rights(speak=True, video=False, hear=False)


async def test_a_camera_reaches_a_viewer_who_subscribes_after_it_appears(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    viewer = client(1)
    await viewer.join(sfu, room_id)
    publisher = client(2, 400, camera=True)
    await publisher.join(sfu, room_id, TALKER)

    assert sfu.video_streams(room_id) == [StreamInfo(2, "camera")]
    await viewer.until(lambda: viewer.listener.streams_changes == 1, "told to renegotiate")
    assert publisher.listener.streams_changes == 0, "one's own camera is not news to oneself"
    await viewer.until(lambda: 400 in viewer.tones_heard(), "the publisher's connection is up")
    picture_losses_before = publisher.picture_loss_indications

    viewer.watch()
    viewer.drop_video_packet = 5
    answer = await viewer.renegotiate(sfu, room_id)

    video = [s for s in answer.streams if isinstance(s, VideoSlot)]
    assert video == [VideoSlot(mid=video[0].mid, user_id=2, source="camera")]
    await publisher.until(
        lambda: publisher.picture_loss_indications > picture_losses_before,
        "a keyframe asked of the publisher when the viewer started watching",
    )
    await viewer.until(lambda: len(viewer.video_sizes.get(video[0].mid, [])) >= 5, "5 frames")
    assert set(viewer.video_sizes[video[0].mid]) == {(160, 120)}
    assert viewer.tones_heard() >= {400}, "the audio still flows after renegotiating"

    dropped = viewer.dropped_sequence
    assert dropped is not None
    await viewer.until(
        lambda: any(p.sequence == dropped for p in viewer.packets_on(video[0].mid)),
        "the dropped packet resent from the SFU's cache after the viewer's NACK",
    )


async def test_video_of_someone_without_the_video_right_is_neither_listed_nor_forwarded(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    publisher = client(1, camera=True)
    await publisher.join(sfu, room_id, NO_VIDEO)
    viewer = client(2)
    viewer.watch()
    answer = await viewer.join(sfu, room_id)

    assert sfu.video_streams(room_id) == []
    assert not [s for s in answer.streams if isinstance(s, VideoSlot)]

    sfu.set_rights(room_id, 1, TALKER)
    assert sfu.video_streams(room_id) == [StreamInfo(1, "camera")]
    await viewer.until(lambda: viewer.listener.streams_changes == 1, "told it appeared")
    answer = await viewer.renegotiate(sfu, room_id)
    mid = next(s.mid for s in answer.streams if isinstance(s, VideoSlot))
    await viewer.until(lambda: len(viewer.video_sizes.get(mid, [])) >= 3, "frames")

    sfu.set_rights(room_id, 1, NO_VIDEO)
    assert sfu.video_streams(room_id) == []
    assert viewer.listener.streams_changes == 2
    packets_then = len(viewer.packets_on(mid))
    audio_mid = viewer.audio_mids()[0]
    audio_then = len(viewer.packets_on(audio_mid))
    await viewer.until(
        lambda: len(viewer.packets_on(audio_mid)) >= audio_then + 25, "25 more audio packets"
    )
    assert len(viewer.packets_on(mid)) <= packets_then + 3
