"""Pictures, clips and voice messages: what the server finds out about them, and their previews."""

from __future__ import annotations

import base64
import io
import zlib
from pathlib import Path

import httpx
from PIL import Image

from tests.api.test_attachments import fetch, guild_with_member, send_files
from tests.conftest import Api
from tests.files.test_images import animated_gif, location_exif
from tests.files.test_media import Recording, write_audio, write_video

VOICE = 1 << 13
ANIMATED = 1 << 5


def jpeg(size: tuple[int, int], **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "JPEG", quality=80, **save)
    return out.getvalue()


async def test_a_big_photo_gets_a_preview_and_keeps_its_full_size_original(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    photo = jpeg((3000, 2000))
    sent = await send_files(owner, channel_id, [("beach.jpg", photo)])
    (attachment,) = sent.json()["attachments"]
    assert (attachment["width"], attachment["height"]) == (3000, 2000)
    assert attachment["proxy_url"] != attachment["url"]

    preview = await fetch(http, attachment["proxy_url"])
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("image/")
    with Image.open(io.BytesIO(preview.content)) as shown:
        assert max(shown.size) <= 1280 and abs(shown.size[0] / shown.size[1] - 1.5) < 0.01
    original = await fetch(http, attachment["url"])
    assert original.content == photo


async def test_where_a_photo_was_taken_is_not_handed_to_others(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    photo = jpeg((400, 300), exif=location_exif())
    sent = await send_files(owner, channel_id, [("home.jpg", photo)])
    downloaded = await fetch(http, sent.json()["attachments"][0]["url"])
    with Image.open(io.BytesIO(downloaded.content)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(0x8825)  # GPSInfo
        assert exif.get(0x010F) == "Phone"  # the camera make stays


async def test_an_animated_gif_stays_animated(
    api: Api, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    gif = tmp_path / "dance.gif"
    animated_gif(gif, (1600, 900))
    sent = await send_files(owner, channel_id, [("dance.gif", gif.read_bytes())])
    (attachment,) = sent.json()["attachments"]
    assert attachment["flags"] & ANIMATED
    preview = await fetch(http, attachment["proxy_url"])
    with Image.open(io.BytesIO(preview.content)) as shown:
        assert getattr(shown, "n_frames", 1) > 1


async def test_a_clip_gets_its_size_its_length_and_a_poster(
    api: Api, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    clip = tmp_path / "goal.mp4"
    write_video(clip, "mp4", "mpeg4", (320, 240), secs=2.0)
    sent = await send_files(owner, channel_id, [("goal.mp4", clip.read_bytes())])
    (attachment,) = sent.json()["attachments"]
    assert attachment["content_type"] == "video/mp4"
    assert (attachment["width"], attachment["height"]) == (320, 240)
    poster = await fetch(http, attachment["proxy_url"])
    with Image.open(io.BytesIO(poster.content)) as still:
        assert still.size == (320, 240)
    video = await fetch(http, attachment["url"], headers={"Range": "bytes=0-99"})
    assert video.status_code == 206 and video.headers["content-type"] == "video/mp4"


async def test_a_voice_message_gets_its_length_and_waveform_from_the_server(api: Api) -> None:
    _owner, member, channel_id = await guild_with_member(api)
    recording = Recording()
    write_audio(recording, "ogg", "libopus", secs=3.0, silent_until=1.5)
    sent = await send_files(
        member,
        channel_id,
        [("voice-message.ogg", bytes(recording.data))],
        {
            "flags": VOICE,
            "attachments": [{"id": 0, "duration_secs": 600, "waveform": "AAAA"}],
        },
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["flags"] & VOICE
    (attachment,) = sent.json()["attachments"]
    assert attachment["content_type"] == "audio/ogg"
    assert abs(attachment["duration_secs"] - 3.0) < 0.2
    levels = base64.b64decode(attachment["waveform"])
    assert 0 < len(levels) <= 256
    half = len(levels) // 2
    assert max(levels[: half - 5]) < min(levels[half + 5 :])


async def test_a_voice_message_is_one_audio_file_and_nothing_else(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    recording = Recording()
    write_audio(recording, "ogg", "libopus", secs=1.0)
    with_text = await send_files(
        owner,
        channel_id,
        [("voice-message.ogg", bytes(recording.data))],
        {"flags": VOICE, "content": "listen"},
    )
    assert with_text.status_code == 400
    not_audio = await send_files(
        owner, channel_id, [("voice-message.ogg", b"just some text")], {"flags": VOICE}
    )
    assert not_audio.status_code == 400
    assert not_audio.json()["code"] == 50035


async def test_an_image_claiming_too_many_pixels_is_only_a_file(api: Api) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    out = io.BytesIO()
    Image.new("L", (10, 10)).save(out, "PNG")
    png = bytearray(out.getvalue())
    png[16:24] = (100_000).to_bytes(4, "big") * 2  # IHDR: 100,000 x 100,000 pixels
    png[29:33] = zlib.crc32(bytes(png[12:29])).to_bytes(4, "big")
    sent = await send_files(owner, channel_id, [("huge.png", bytes(png))])
    assert sent.status_code == 200, sent.text
    (attachment,) = sent.json()["attachments"]
    assert "width" not in attachment
    assert attachment["content_type"] == "application/octet-stream"


async def test_the_uploader_may_choose_to_share_where_a_photo_was_taken(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    photo = jpeg((400, 300), exif=location_exif())
    sent = await send_files(
        owner,
        channel_id,
        [("summit.jpg", photo)],
        {"attachments": [{"id": 0, "keep_location": True}]},
    )
    downloaded = await fetch(http, sent.json()["attachments"][0]["url"])
    assert downloaded.content == photo


async def test_a_photo_cut_short_is_kept_and_shown_as_it_is(
    api: Api, http: httpx.AsyncClient
) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    cut = jpeg((2000, 1500))[:3000]
    sent = await send_files(owner, channel_id, [("partial.jpg", cut)])
    assert sent.status_code == 200, sent.text
    (attachment,) = sent.json()["attachments"]
    assert attachment["proxy_url"] == attachment["url"]
    assert (await fetch(http, attachment["url"])).content == cut


async def test_a_video_is_not_a_voice_message(api: Api, tmp_path: Path) -> None:
    owner, _member, channel_id = await guild_with_member(api)
    clip = tmp_path / "clip.webm"
    write_video(clip, "webm", "libvpx", (64, 48), secs=1.0)
    refused = await send_files(
        owner, channel_id, [("voice-message.webm", clip.read_bytes())], {"flags": VOICE}
    )
    assert refused.status_code == 400
    assert "audio only" in refused.text
