"""What an uploaded audio or video file is, a poster frame for it, and a voice message's waveform.

Pure, synchronous functions on local files (PyAV, with its bundled FFmpeg); callers run them in a
worker thread. Hostile input is the normal case here:

- Only the demuxers of formats browsers play are allowed, and only the `file` protocol: FFmpeg
  would otherwise follow an HLS or concat playlist to other local files or to URLs.
- Frames are decoded only after the claimed size is checked, and the decoder itself refuses
  frames above MAX_VIDEO_SIDE x MAX_VIDEO_SIDE (a stream can lie in its header).
- Audio is decoded for at most MAX_WAVEFORM_SECS; a poster needs at most MAX_POSTER_FRAMES frames.
- Containers are opened in `with` blocks, so no handle outlives a call; garbage gives None.
"""

from __future__ import annotations

import base64
import os
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.audio.stream import AudioStream
from av.container import InputContainer
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image

DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,ogg,mp3,wav,flac,aac"
_OPEN_OPTIONS = {"format_whitelist": DEMUXERS, "protocol_whitelist": "file"}
_BROKEN = (av.FFmpegError, OSError, ValueError, EOFError, ZeroDivisionError, OverflowError)
"""What reading a hostile or truncated file can raise, from FFmpeg or from PyAV's conversions."""

MAX_VIDEO_SIDE = 8192
MAX_POSTER_FRAMES = 120
"""Frames decoded at most while looking for the poster (1 s at 120 fps)."""
POSTER_AT_SECS = 1.0
"""Where the poster is taken (first frames are often black), for clips at least twice as long."""
POSTER_QUALITY = 80
MAX_SCANNED_PACKETS = 1_000_000
"""Packets read at most to find the duration of a file whose header does not say it."""

MAX_WAVEFORM_SECS = 15 * 60
WAVEFORM_RATE = 8000
"""Audio is resampled to 8 kHz mono before measuring: plenty for an amplitude envelope."""
_BUCKET = WAVEFORM_RATE // 100
"""Samples per 10 ms; the waveform's slices are made of whole buckets."""

_WEBM_CODECS = frozenset({"vp8", "vp9", "av1", "opus", "vorbis"})


@dataclass(frozen=True, slots=True)
class MediaInfo:
    duration_secs: float
    width: int | None
    """As a browser shows the video (rotation and pixel aspect ratio applied); None without
    video, or when its frames are larger than MAX_VIDEO_SIDE or cannot be decoded."""
    height: int | None
    has_video: bool
    has_audio: bool
    content_type: str | None


def inspect_media(path: Path) -> MediaInfo | None:
    """Duration, display size, streams and content type; None when it is not audio or video.

    Decodes one video frame, because a phone video's rotation is only known from its frames.
    """
    try:
        with _open(path) as container:
            return _describe(container)
    except _BROKEN:
        return None


def poster_frame(path: Path, target: Path, *, max_side: int = 1280) -> tuple[int, int] | None:
    """Write a WebP still of an early frame, at most `max_side` each way; return its size.

    The frame is about POSTER_AT_SECS in (the first frame of a clip shorter than twice that),
    upright and with its pixel aspect ratio applied. None without a decodable video stream.
    """
    try:
        with _open(path) as container:
            return _write_poster(container, target, max_side)
    except _BROKEN:
        return None


def waveform(path: Path, *, points: int = 256) -> tuple[float, str] | None:
    """(duration_secs, base64 of up to `points` bytes) for a voice message, as Discord has it.

    Each byte is the PEAK amplitude of one equal slice of the decoded audio (mono, 8 kHz),
    scaled so the loudest slice is 255. Only the first MAX_WAVEFORM_SECS are decoded; for longer
    audio the waveform covers those and the duration is the container's claim (if larger).
    None when there is no decodable audio.
    """
    try:
        with _open(path) as container:
            measured = _measure_audio(container)
    except _BROKEN:
        return None
    if measured is None:
        return None
    peaks, duration = measured
    count = min(points, len(peaks))
    slices = [
        max(peaks[index * len(peaks) // count : (index + 1) * len(peaks) // count])
        for index in range(count)
    ]
    loudest = max(slices)
    scaled = bytes(round(255 * peak / loudest) if loudest else 0 for peak in slices)
    return duration, base64.b64encode(scaled).decode("ascii")


# -- opening and describing --------------------------------------------------------------------


def _open(path: Path) -> InputContainer:
    """The container, opened with only the allowed demuxers and the `file` protocol."""
    return av.open(os.fspath(path), container_options=_OPEN_OPTIONS, metadata_errors="replace")


def _describe(container: InputContainer) -> MediaInfo | None:
    video, audio = _video_stream(container), _audio_stream(container)
    if video is None and audio is None:
        return None
    width = height = None
    if video is not None and (size := _display_size(container, video)) is not None:
        width, height = size
    return MediaInfo(
        duration_secs=_duration(container),
        width=width,
        height=height,
        has_video=video is not None,
        has_audio=audio is not None,
        content_type=_content_type(container, video, audio),
    )


def _write_poster(container: InputContainer, target: Path, max_side: int) -> tuple[int, int] | None:
    if (video := _video_stream(container)) is None:
        return None
    at = POSTER_AT_SECS if _duration(container) >= 2 * POSTER_AT_SECS else 0.0
    frame = _early_frame(container, video, at)
    if frame is None:
        return None
    width, height = _fit(_stored_display_size(frame, video), max_side)
    scaled = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
    image = _upright(scaled.to_image(), frame.rotation)  # type: ignore[no-untyped-call]
    image.save(target, "WEBP", quality=POSTER_QUALITY)
    return image.size


def _measure_audio(container: InputContainer) -> tuple[list[int], float] | None:
    """Peaks of every 10 ms and the duration, or None without decodable audio."""
    if (audio := _audio_stream(container)) is None:
        return None
    peaks, decoded_secs = _bucket_peaks(container, audio)
    if not peaks:
        return None
    if decoded_secs >= MAX_WAVEFORM_SECS:
        return peaks, max(decoded_secs, _duration(container))
    return peaks, decoded_secs


def _video_stream(container: InputContainer) -> VideoStream | None:
    """The first decodable video stream; an MP3's cover art is a one-picture "video" stream."""
    for stream in container.streams.video:
        if stream.codec_context is not None and not (
            stream.disposition & av.stream.Disposition.attached_pic
        ):
            return stream
    return None


def _audio_stream(container: InputContainer) -> AudioStream | None:
    """The first audio stream FFmpeg has a decoder for."""
    for stream in container.streams.audio:
        if stream.codec_context is not None:
            return stream
    return None


def _duration(container: InputContainer) -> float:
    """Seconds from the header, or from packet times when it has none (browser recordings)."""
    if container.duration and container.duration > 0:
        return container.duration / av.time_base
    longest = 0.0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            longest = max(longest, float(stream.duration * stream.time_base))
    if longest > 0:
        return longest
    for count, packet in enumerate(container.demux()):
        if count >= MAX_SCANNED_PACKETS:
            break
        if packet.pts is not None and packet.time_base:
            end = packet.pts + (packet.duration or 0)
            longest = max(longest, float(end * packet.time_base))
    container.seek(0)
    return longest


def _content_type(
    container: InputContainer, video: VideoStream | None, audio: AudioStream | None
) -> str | None:
    kind = "video" if video is not None else "audio"
    names = set(container.format.name.split(","))
    if "mp4" in names:
        brand = str(container.metadata.get("major_brand", "")).strip()
        return "video/quicktime" if brand == "qt" and video is not None else f"{kind}/mp4"
    if "webm" in names:
        streams = (video, audio)
        codecs = {stream.codec_context.codec.canonical_name for stream in streams if stream}
        return f"{kind}/webm" if codecs <= _WEBM_CODECS else f"{kind}/x-matroska"
    if "ogg" in names:
        return f"{kind}/ogg"
    return {"mp3": "audio/mpeg", "wav": "audio/wav", "flac": "audio/flac", "aac": "audio/aac"}.get(
        container.format.name
    )


# -- video frames ------------------------------------------------------------------------------


def _early_frame(container: InputContainer, video: VideoStream, at: float) -> VideoFrame | None:
    """The first frame `at` seconds after the first one, or the last of MAX_POSTER_FRAMES."""
    context = video.codec_context
    if max(context.width, context.height) > MAX_VIDEO_SIDE:
        return None
    context.options = {"max_pixels": str(MAX_VIDEO_SIDE * MAX_VIDEO_SIDE)}
    chosen: VideoFrame | None = None
    start: float | None = None
    for count, frame in enumerate(container.decode(video), start=1):
        if max(frame.width, frame.height) > MAX_VIDEO_SIDE:
            return None
        chosen = frame
        if frame.time is None or count >= MAX_POSTER_FRAMES:
            break
        start = frame.time if start is None else start
        if frame.time - start >= at:
            break
    return chosen


def _display_size(container: InputContainer, video: VideoStream) -> tuple[int, int] | None:
    """Width and height as shown: pixel aspect ratio applied, then the rotation of the frames."""
    frame = _early_frame(container, video, 0.0)
    container.seek(0)
    if frame is None:
        return None
    width, height = _stored_display_size(frame, video)
    return (height, width) if frame.rotation % 180 == 90 else (width, height)


def _stored_display_size(frame: VideoFrame, video: VideoStream) -> tuple[int, int]:
    """The frame's size with non-square pixels widened or narrowed (clamped to 1:4..4:1)."""
    ratio = video.sample_aspect_ratio or video.codec_context.sample_aspect_ratio
    if ratio is None or ratio <= 0:
        return frame.width, frame.height
    ratio = min(max(Fraction(ratio), Fraction(1, 4)), Fraction(4))
    return max(1, round(frame.width * ratio)), frame.height


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


_TURNS = {
    90: Image.Transpose.ROTATE_90,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_270,
}


def _upright(image: Image.Image, rotation: int) -> Image.Image:
    """Turn as players do: `rotation` is the display matrix's counter-clockwise angle."""
    turn = _TURNS.get(rotation % 360)
    return image.transpose(turn) if turn is not None else image


# -- audio -------------------------------------------------------------------------------------


def _bucket_peaks(container: InputContainer, audio: AudioStream) -> tuple[list[int], float]:
    """Peak amplitude of every 10 ms of the audio, and the seconds decoded."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=WAVEFORM_RATE)
    peaks: list[int] = []
    pending = array("h")
    limit = MAX_WAVEFORM_SECS * WAVEFORM_RATE
    decoded = 0
    for frame in _with_flush(container.decode(audio)):
        for mono in resampler.resample(frame):
            samples = array("h")
            samples.frombytes(bytes(mono.planes[0])[: mono.samples * 2])
            pending.extend(samples[: limit - decoded])
            decoded += min(mono.samples, limit - decoded)
            whole = len(pending) - len(pending) % _BUCKET
            for start in range(0, whole, _BUCKET):
                bucket = pending[start : start + _BUCKET]
                peaks.append(max(max(bucket), -min(bucket)))
            del pending[:whole]
        if decoded >= limit:
            break
    if pending:
        peaks.append(max(max(pending), -min(pending)))
    return peaks, decoded / WAVEFORM_RATE


def _with_flush(frames: Iterator[av.AudioFrame]) -> Iterator[av.AudioFrame | None]:
    """The decoded frames, then None: the resampler's signal to hand out what it buffered."""
    yield from frames
    yield None
