"""Tests for townhall.files.media, on real clips encoded with PyAV in each test."""

from __future__ import annotations

import base64
import io
import math
from array import array
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import pytest
from av.audio.stream import AudioStream
from av.video.stream import VideoStream
from PIL import Image

from townhall.files import media
from townhall.files.media import inspect_media, poster_frame, waveform


def write_video(
    target: Path | io.RawIOBase,
    container_format: str,
    codec: str,
    size: tuple[int, int] = (64, 48),
    *,
    secs: float = 2.0,
    rotation: int = 0,
    with_audio: bool = False,
) -> None:
    """`secs` of 25 fps frames getting brighter, and optionally a tone alongside."""
    with av.open(target, "w", format=container_format) as container:
        video = container.add_stream(codec, rate=25)
        assert isinstance(video, VideoStream)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        audio = container.add_stream("aac", rate=48000, layout="mono") if with_audio else None
        assert audio is None or isinstance(audio, AudioStream)
        for index in range(round(secs * 25)):
            picture = Image.new("RGB", size, (index * 4, 100, 150))
            frame = av.VideoFrame.from_image(picture)  # type: ignore[no-untyped-call]
            frame.pts = index
            container.mux(video.encode(frame))
            if audio is not None:
                container.mux(audio.encode(tone_frame(index * 1920, 1920, 48000)))
        container.mux(video.encode(None))
        if audio is not None:
            container.mux(audio.encode(None))


def tone_frame(first: int, samples: int, rate: int, silent_until: float = 0.0) -> av.AudioFrame:
    """Mono s16 samples of a 440 Hz tone, silent before `silent_until` seconds."""
    values = array("h")
    for index in range(first, first + samples):
        loud = index / rate >= silent_until
        values.append(round(20_000 * math.sin(2 * math.pi * 440 * index / rate)) if loud else 0)
    frame = av.AudioFrame(format="s16", layout="mono", samples=samples)
    frame.planes[0].update(values.tobytes())
    frame.sample_rate, frame.pts, frame.time_base = rate, first, Fraction(1, rate)
    return frame


def write_audio(
    target: Path | io.RawIOBase,
    container_format: str,
    codec: str,
    *,
    secs: float = 3.0,
    silent_until: float = 0.0,
    rate: int = 48000,
) -> None:
    with av.open(target, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        assert isinstance(stream, AudioStream)
        chunk = stream.codec_context.frame_size or 1024
        total = round(secs * rate)
        for first in range(0, total, chunk):
            frame = tone_frame(first, min(chunk, total - first), rate, silent_until)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


class Recording(io.RawIOBase):
    """A sink that cannot seek, as a browser's MediaRecorder output is written."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.data += chunk
        return len(chunk)


@pytest.mark.parametrize(
    ("name", "container_format", "codec", "content_type"),
    [("clip.mp4", "mp4", "mpeg4", "video/mp4"), ("clip.webm", "webm", "libvpx", "video/webm")],
)
def test_video_reports_duration_size_and_content_type(
    tmp_path: Path, name: str, container_format: str, codec: str, content_type: str
) -> None:
    path = tmp_path / name
    write_video(path, container_format, codec, (160, 90))

    info = inspect_media(path)

    assert info is not None
    assert info.duration_secs == pytest.approx(2.0, abs=0.2)
    assert (info.width, info.height) == (160, 90)
    assert info.has_video and not info.has_audio
    assert info.content_type == content_type


def test_video_with_sound_has_both(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, "mp4", "libx264", with_audio=True)

    info = inspect_media(path)

    assert info is not None and info.has_video and info.has_audio
    assert info.content_type == "video/mp4"


def test_phone_video_stored_landscape_with_rotation_reports_portrait(tmp_path: Path) -> None:
    path = tmp_path / "phone.mp4"
    write_video(path, "mp4", "libx264", (160, 90), rotation=-90)

    info = inspect_media(path)
    size = poster_frame(path, tmp_path / "poster.webp")

    assert info is not None and (info.width, info.height) == (90, 160)
    assert size == (90, 160)


@pytest.mark.parametrize(
    ("name", "container_format", "codec", "content_type"),
    [
        ("voice.ogg", "ogg", "libopus", "audio/ogg"),  # Firefox's recordings
        ("voice.webm", "webm", "libopus", "audio/webm"),  # Chrome's
        ("voice.m4a", "mp4", "aac", "audio/mp4"),  # Safari's
        ("song.mp3", "mp3", "libmp3lame", "audio/mpeg"),
    ],
)
def test_audio_reports_duration_and_content_type(
    tmp_path: Path, name: str, container_format: str, codec: str, content_type: str
) -> None:
    path = tmp_path / name
    write_audio(path, container_format, codec, rate=44100 if codec == "libmp3lame" else 48000)

    info = inspect_media(path)

    assert info is not None
    assert info.duration_secs == pytest.approx(3.0, abs=0.2)
    assert info.has_audio and not info.has_video
    assert (info.width, info.height) == (None, None)
    assert info.content_type == content_type
    assert poster_frame(path, tmp_path / "poster.webp") is None


def test_browser_recording_without_a_duration_in_its_header_is_measured(tmp_path: Path) -> None:
    recording = Recording()
    write_audio(recording, "webm", "libopus")
    path = tmp_path / "voice.webm"
    path.write_bytes(bytes(recording.data))
    with av.open(str(path)) as container:
        assert container.duration is None

    info = inspect_media(path)

    assert info is not None and info.duration_secs == pytest.approx(3.0, abs=0.2)


def test_cover_art_of_an_mp3_is_not_a_video(tmp_path: Path) -> None:
    path = tmp_path / "song.mp3"
    cover = io.BytesIO()
    Image.new("RGB", (32, 32), (255, 0, 0)).save(cover, "PNG")
    with av.open(str(path), "w", format="mp3") as container:
        sound = container.add_stream("libmp3lame", rate=44100, layout="mono")
        picture = container.add_stream("png")
        picture.width = picture.height = 32
        picture.pix_fmt = "rgb24"
        picture.disposition = av.stream.Disposition.attached_pic
        packet = av.Packet(cover.getvalue())
        packet.stream, packet.pts = picture, 0
        container.mux(packet)
        for first in range(0, 44100, 1152):
            container.mux(sound.encode(tone_frame(first, 1152, 44100)))
        container.mux(sound.encode(None))

    info = inspect_media(path)

    assert info is not None and info.has_audio and not info.has_video
    assert poster_frame(path, tmp_path / "poster.webp") is None


def test_poster_frame_is_a_decodable_image_with_the_video_aspect_ratio(tmp_path: Path) -> None:
    path, target = tmp_path / "clip.webm", tmp_path / "poster.webp"
    write_video(path, "webm", "libvpx", (320, 180))

    size = poster_frame(path, target, max_side=160)

    assert size == (160, 90)
    with Image.open(target) as poster:
        assert poster.size == size
        red, _, _ = poster.convert("RGB").getpixel((80, 45))  # type: ignore[misc]
        assert 80 <= red <= 120  # frame 25 (1 s in) has red 100; frame 0 has none


def test_video_claiming_more_than_8192_pixels_wide_gets_no_poster(tmp_path: Path) -> None:
    path = tmp_path / "wide.webm"
    write_video(path, "webm", "libvpx", (8200, 16), secs=0.2)

    info = inspect_media(path)

    assert info is not None and info.has_video and info.width is None
    assert poster_frame(path, tmp_path / "poster.webp") is None


def test_waveform_of_silence_then_speech_is_low_then_high(tmp_path: Path) -> None:
    path = tmp_path / "voice.ogg"
    write_audio(path, "ogg", "libopus", secs=3.0, silent_until=1.5)

    result = waveform(path)

    assert result is not None
    duration, encoded = result
    assert duration == pytest.approx(3.0, abs=0.2)
    values = base64.b64decode(encoded)
    assert 0 < len(values) <= 256
    quiet, loud = values[: len(values) * 2 // 5], values[len(values) * 3 // 5 :]
    assert max(quiet) < 20
    assert min(loud) > 200


def test_waveform_has_at_most_the_points_asked_for(tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    write_audio(path, "mp4", "aac", secs=1.0)

    result = waveform(path, points=32)

    assert result is not None and len(base64.b64decode(result[1])) == 32


def test_waveform_stops_decoding_at_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "voice.ogg"
    write_audio(path, "ogg", "libopus", secs=3.0, silent_until=1.5)
    monkeypatch.setattr(media, "MAX_WAVEFORM_SECS", 2)

    result = waveform(path)

    assert result is not None
    duration, encoded = result
    assert duration == pytest.approx(3.0, abs=0.2)  # the container's claim beyond the cap
    values = base64.b64decode(encoded)
    # Only 0-2 s were measured: the sound starting at 1.5 s fills the last quarter, not half.
    assert max(values[: len(values) * 7 // 10]) < 20
    assert min(values[len(values) * 8 // 10 :]) > 200


def test_video_without_sound_has_no_waveform(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    write_video(path, "mp4", "mpeg4")

    assert waveform(path) is None


def test_playlist_pointing_at_another_local_file_is_not_opened(tmp_path: Path) -> None:
    write_video(tmp_path / "someone-elses.mp4", "mp4", "mpeg4")
    path = tmp_path / "upload.m3u8"
    path.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nsomeone-elses.mp4\n#EXT-X-ENDLIST\n"
    )

    assert inspect_media(path) is None
    assert poster_frame(path, tmp_path / "poster.webp") is None


def make_truncated(path: Path) -> None:
    write_video(path, "mp4", "mpeg4", with_audio=True)
    path.write_bytes(path.read_bytes()[:3000])


@pytest.mark.parametrize(
    "make",
    [
        lambda path: path.write_bytes(b""),
        lambda path: path.write_bytes(bytes(range(256)) * 40),
        lambda path: Image.new("RGB", (20, 20)).save(path, "PNG"),
        make_truncated,
    ],
    ids=["empty", "garbage", "png", "truncated-mp4"],
)
def test_what_is_not_audio_or_video_is_none_everywhere(
    tmp_path: Path, make: Callable[[Path], object]
) -> None:
    path = tmp_path / "upload"
    make(path)

    assert inspect_media(path) is None
    assert poster_frame(path, tmp_path / "poster.webp") is None
    assert waveform(path) is None
