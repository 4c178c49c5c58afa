"""What an uploaded image is, a smaller rendition to show inline, and its location taken out.

Pure, synchronous functions on local files; callers run them in a worker thread. Every one of them
is meant for hostile input: the pixel count is checked from the header before anything is decoded,
files Pillow would read whole into memory are refused above a size, animations are decoded only up
to a frame and pixel budget, and no file handle outlives a call.

Only raster formats that browsers display inline are images here (PNG and APNG, JPEG, GIF, WebP,
AVIF, BMP). SVG never is: it is a document that can carry scripts, and Pillow cannot read it anyway.
"""

from __future__ import annotations

import mmap
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile

FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "AVIF", "BMP")
"""Pillow's names of the formats we treat as images; a JPEG can also open as "MPO" (see below)."""

CONTENT_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "GIF": "image/gif",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "BMP": "image/bmp",
}

MAX_IMAGE_BYTES = 100 * 1024 * 1024
"""Larger files are not treated as images: Pillow reads WebP and AVIF files whole into memory,
and keeps every JPEG APP segment, so the file size bounds memory as the pixel cap cannot."""

MAX_ANIMATION_FRAMES = 500
ANIMATION_DECODE_BUDGET = 1_000_000_000
"""Source pixels (frames x canvas) decoded at most for one animated preview (about 10 s of CPU)."""
ANIMATION_OUTPUT_BUDGET = 25_000_000
"""Preview pixels (frames x preview size) held at most, as RGBA, before the WebP is written."""

STILL_QUALITY = 82
ANIMATION_QUALITY = 75

_GPS_IFD = 0x8825
_ORIENTATION = 0x0112
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
"""EXIF orientation -> the operation that turns the stored pixels upright (as ImageOps does)."""


_BROKEN = (OSError, ValueError, SyntaxError, EOFError, IndexError, RuntimeError, struct.error)
"""What Pillow's readers raise on broken files (AVIF's decoder raises RuntimeError)."""


class ImageTooLarge(Exception):
    """The image claims more pixels (or is a bigger file) than we decode; nothing was decoded."""


class ImageUnreadable(Exception):
    """The file is not an image we show, or its pixel data is broken (truncated, corrupt)."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    width: int
    height: int
    format: str
    """Pillow's format name ("PNG", "JPEG", ...); multi-picture JPEGs (MPO) report "JPEG"."""
    content_type: str
    animated: bool
    has_location: bool


def inspect_image(path: Path, *, max_pixels: int) -> ImageInfo | None:
    """Dimensions as a browser shows them (EXIF orientation applied), format, animation, GPS.

    Reads only the header. None when the file is not an image we show; ImageTooLarge when it
    claims more than `max_pixels` pixels.
    """
    with _opened(path, max_pixels=max_pixels) as image:
        if image is None:
            return None
        exif = _exif(image)
        width, height = image.size
        if exif.get(_ORIENTATION) in (5, 6, 7, 8):
            width, height = height, width
        return ImageInfo(
            width=width,
            height=height,
            format=_format(image),
            content_type=CONTENT_TYPES[_format(image)],
            animated=_is_animated(image),
            has_location=_has_location(exif),
        )


def make_preview(
    path: Path, target: Path, *, max_side: int = 1280, max_pixels: int
) -> tuple[int, int] | None:
    """Write a rendition at most `max_side` each way to `target`; return its (width, height).

    None when the original can serve as its own preview (small enough, already upright).
    The preview is always WebP: one format that keeps transparency and animation, is smaller than
    JPEG at the same quality, and every browser we support displays it. It carries no EXIF or XMP
    (so no location); an RGB source keeps its ICC profile, so wide-gamut photos keep their colours.
    Raises ImageTooLarge (before decoding) or ImageUnreadable.
    """
    with _opened(path, max_pixels=max_pixels) as image:
        if image is None:
            raise ImageUnreadable(path.name)
        orientation = _exif(image).get(_ORIENTATION, 1)
        transpose = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
        if max(image.size) <= max_side and transpose is None:
            return None
        try:
            if _is_animated(image):
                return _write_animated_preview(image, target, max_side, transpose)
            return _write_still_preview(image, target, max_side, transpose)
        except _BROKEN as error:
            raise ImageUnreadable(path.name) from error


def strip_location(path: Path) -> bool:
    """Remove EXIF GPS data from the file in place; True when there was some.

    The GPS block is blanked and unlinked inside the EXIF data without changing its length, so
    nothing is re-encoded: pixels, orientation, animation, colour profile and the rest of the
    metadata stay byte for byte. Covers every EXIF block of a JPEG (multi-picture files hold one
    per picture), PNG eXIf (CRC recomputed), WebP and AVIF. Not covered: location written only
    into XMP. The rewrite is atomic (a sibling temporary file, then os.replace).
    Raises ImageTooLarge for files above MAX_IMAGE_BYTES; other non-images return False.
    """
    with _opened(path, max_pixels=None) as image:
        if image is None:
            return False
        kind = _format(image)
        avif_exif = image.info.get("exif") if kind == "AVIF" else None
    if kind not in ("JPEG", "PNG", "WEBP", "AVIF"):
        return False
    with open(path, "rb") as source, mmap.mmap(source.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if kind == "JPEG":
            patches = list(_jpeg_patches(data))
        elif kind == "PNG":
            patches = list(_png_patches(data))
        elif kind == "WEBP":
            patches = list(_webp_patches(data))
        else:
            patches = list(_found_blob_patches(data, avif_exif))
    if not patches:
        return False
    _rewrite_with(path, patches)
    return True


# -- opening safely ----------------------------------------------------------------------------


@contextmanager
def _opened(path: Path, *, max_pixels: int | None) -> Iterator[ImageFile.ImageFile | None]:
    """The image with only its header read, or None when it is not one of FORMATS."""
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise ImageTooLarge(f"{path.name}: more than {MAX_IMAGE_BYTES} bytes")
    try:
        image = Image.open(path, formats=FORMATS)
    except Image.DecompressionBombError as error:
        raise ImageTooLarge(str(error)) from error
    except _BROKEN:
        image = None
    if image is None:
        yield None
        return
    with image:
        width, height = image.size
        if max_pixels is not None and width * height > max_pixels:
            raise ImageTooLarge(f"{path.name}: {width}x{height} is more than {max_pixels} pixels")
        yield image


def _format(image: Image.Image) -> str:
    # Phones write multi-picture JPEGs (MPO); browsers show them as the JPEG's first picture.
    return "JPEG" if image.format == "MPO" else str(image.format)


def _is_animated(image: Image.Image) -> bool:
    """More than one frame; a GIF broken before its second frame counts as a still."""
    try:
        return image.format != "MPO" and bool(getattr(image, "is_animated", False))
    except _BROKEN:
        return False


def _exif(image: Image.Image) -> Image.Exif:
    """The EXIF block read when the header was (never decoding pixels); empty when malformed."""
    exif = Image.Exif()
    raw = image.info.get("exif")
    if isinstance(raw, bytes) and raw:
        try:
            exif.load(raw)
        except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, TypeError):
            return Image.Exif()
    return exif


def _has_location(exif: Image.Exif) -> bool:
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, TypeError):
        return False
    return any(tag != 0 for tag in gps)  # tag 0 is GPSVersionID, not a location


# -- previews ----------------------------------------------------------------------------------


def _write_still_preview(
    image: ImageFile.ImageFile, target: Path, max_side: int, transpose: Image.Transpose | None
) -> tuple[int, int]:
    width, height = _fit(image.size, max_side)
    image.draft(None, (width * 2, height * 2))  # JPEG: decode at a reduced scale, far cheaper
    icc_profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "P") else None
    preview = _displayable(image)
    preview.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if transpose is not None:
        preview = preview.transpose(transpose)
    preview.save(target, "WEBP", quality=STILL_QUALITY, icc_profile=icc_profile)
    return preview.size


def _write_animated_preview(
    image: ImageFile.ImageFile, target: Path, max_side: int, transpose: Image.Transpose | None
) -> tuple[int, int]:
    canvas = image.size[0] * image.size[1]
    frame_count = min(
        getattr(image, "n_frames", 1),
        MAX_ANIMATION_FRAMES,
        max(1, ANIMATION_DECODE_BUDGET // canvas),
    )
    size = _fit(image.size, max_side)
    held = frame_count * size[0] * size[1]
    if held > ANIMATION_OUTPUT_BUDGET:  # shrink every frame rather than drop frames
        size = _fit(size, int(max(size) * (ANIMATION_OUTPUT_BUDGET / held) ** 0.5))
    frames: list[Image.Image] = []
    durations: list[int] = []
    for index in range(frame_count):
        try:
            image.seek(index)
            frame = image.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
        except (OSError, EOFError):
            if frames:
                break  # a truncated animation: show what could be decoded
            raise
        frames.append(frame.transpose(transpose) if transpose is not None else frame)
        durations.append(_frame_duration(image))
    frames[0].save(
        target,
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=_loop_count(image),
        quality=ANIMATION_QUALITY,
    )
    return frames[0].size


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit a max_side square, keeping the aspect ratio."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _displayable(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the source has any transparency."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit greyscale would clip to white
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        return image.convert("RGBA")
    return image.convert("RGB")


def _frame_duration(image: Image.Image) -> int:
    duration = image.info.get("duration")
    if not isinstance(duration, int | float) or duration < 0:
        return 100
    if image.format == "GIF" and duration <= 10:
        return 100  # what browsers play for GIF frames of 0-10 ms
    return int(duration)


def _loop_count(image: Image.Image) -> int:
    """WebP loop count (0: forever) playing as often as the source does in a browser."""
    loop = image.info.get("loop")
    if image.format == "GIF":
        # No NETSCAPE block plays once; its count is repeats after the first play.
        return 1 if loop is None else 0 if loop == 0 else int(loop) + 1
    return int(loop) if isinstance(loop, int) else 0


# -- removing GPS data without re-encoding -----------------------------------------------------

_TIFF_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8}

Patch = tuple[int, bytes]
"""Bytes to write at an offset of the file."""


def _without_gps(tiff: bytes) -> bytes | None:
    """The EXIF (TIFF) block, same length, with its GPS IFD zeroed and unlinked; None if none.

    Keeping the length keeps every other offset valid, so maker notes and thumbnails survive.
    """
    if tiff[:4] == b"II*\x00":
        order = "<"
    elif tiff[:4] == b"MM\x00*":
        order = ">"
    else:
        return None
    try:
        (ifd0,) = struct.unpack_from(order + "I", tiff, 4)
        (count,) = struct.unpack_from(order + "H", tiff, ifd0)
        end = ifd0 + 2 + 12 * count + 4  # entries, then the offset of the next IFD
        if end > len(tiff):
            return None
        for index in range(count):
            entry = ifd0 + 2 + 12 * index
            tag, _, _, gps = struct.unpack_from(order + "HHII", tiff, entry)
            if tag == _GPS_IFD:
                break
        else:
            return None
        out = bytearray(tiff)
        _zero_ifd(out, gps, order)
        out[entry : end - 12] = tiff[entry + 12 : end]
        out[end - 12 : end] = bytes(12)
        struct.pack_into(order + "H", out, ifd0, count - 1)
    except struct.error:
        return None
    return bytes(out)


def _zero_ifd(out: bytearray, offset: int, order: str) -> None:
    """Overwrite an IFD and the values it points to with zeros (as far as they are in bounds)."""
    (count,) = struct.unpack_from(order + "H", out, offset)
    for index in range(count):
        entry = offset + 2 + 12 * index
        if entry + 12 > len(out):
            break
        _, kind, number, value = struct.unpack_from(order + "HHII", out, entry)
        size = number * _TIFF_TYPE_SIZES.get(kind, 1)
        if size > 4 and value + size <= len(out):
            out[value : value + size] = bytes(size)
    end = min(len(out), offset + 2 + 12 * count + 4)
    out[offset:end] = bytes(end - offset)


def _jpeg_patches(data: mmap.mmap) -> Iterator[Patch]:
    """Every APP1 Exif segment in the file, found by its signature.

    A scan rather than a walk of the markers: a multi-picture JPEG holds several pictures, each
    with its own EXIF, and marker bytes cannot occur inside entropy-coded data.
    """
    position = data.find(b"Exif\x00\x00")
    while position != -1:
        if position >= 4 and data[position - 4 : position - 2] == b"\xff\xe1":
            (length,) = struct.unpack(">H", data[position - 2 : position])
            start, end = position + 6, position - 2 + length
            if start < end <= len(data) and (patched := _without_gps(data[start:end])):
                yield start, patched
        position = data.find(b"Exif\x00\x00", position + 6)


def _png_patches(data: mmap.mmap) -> Iterator[Patch]:
    """The eXIf chunk (before or after the image data), with its CRC recomputed."""
    position = 8
    while position + 12 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        start, end = position + 8, position + 8 + length
        if end + 4 > len(data) or kind == b"IEND":
            return
        if kind == b"eXIf" and (patched := _without_gps(data[start:end])):
            yield start, patched
            yield end, struct.pack(">I", zlib.crc32(kind + patched))
        position = end + 4


def _webp_patches(data: mmap.mmap) -> Iterator[Patch]:
    """The RIFF EXIF chunk (some writers prefix it with "Exif\\0\\0")."""
    position = 12
    while position + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[position : position + 8])
        start, end = position + 8, position + 8 + length
        if end > len(data):
            return
        if kind == b"EXIF":
            if data[start : start + 6] == b"Exif\x00\x00":
                start += 6
            if patched := _without_gps(data[start:end]):
                yield start, patched
        position = end + (length & 1)


def _found_blob_patches(data: mmap.mmap, exif: object) -> Iterator[Patch]:
    """For containers we do not walk (AVIF): the EXIF block Pillow read, found in the file.

    Pillow may have changed the block it reports (AVIF moves orientation out of EXIF), so the
    file is searched for TIFF headers whose GPS data equals what Pillow read.
    """
    if not isinstance(exif, bytes):
        return
    wanted = _gps_of(exif)
    if not wanted:
        return
    for header in (b"MM\x00*", b"II*\x00"):
        position = data.find(header)
        while position != -1:
            block = data[position : position + len(exif) + 64]
            if _gps_of(block) == wanted and (patched := _without_gps(block)):
                yield position, patched
            position = data.find(header, position + 4)


def _gps_of(raw: bytes) -> dict[int, object]:
    exif = Image.Exif()
    try:
        exif.load(raw)
        return dict(exif.get_ifd(_GPS_IFD))
    except (OSError, ValueError, SyntaxError, EOFError, struct.error, KeyError, TypeError):
        return {}


def _rewrite_with(path: Path, patches: list[Patch]) -> None:
    """Copy `path` to a sibling temporary file, apply the patches in order, replace `path`."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "r+b") as copy:
            with open(path, "rb") as source:
                shutil.copyfileobj(source, copy)
            for offset, data in patches:
                copy.seek(offset)
                copy.write(data)
            copy.flush()
            os.fsync(copy.fileno())
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
