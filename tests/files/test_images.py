"""Tests for townhall.files.images, on real images written by Pillow in each test."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageChops, ImageDraw, features

from townhall.files.images import (
    ImageTooLarge,
    ImageUnreadable,
    inspect_image,
    make_preview,
    strip_location,
)

MAX_PIXELS = 50_000_000


def location_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: a camera make, perhaps an orientation, and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSVersionID: b"\x02\x02\x00\x00",
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (13.0, 24.0, 0.0),
    }
    return exif


def animated_gif(path: Path, size: tuple[int, int], frames: int = 6) -> None:
    images = []
    for index in range(frames):
        frame = Image.new("RGB", size, (0, 0, 0))
        ImageDraw.Draw(frame).rectangle([index * 10, 0, index * 10 + 30, 30], fill=(255, 0, 0))
        images.append(frame)
    images[0].save(path, save_all=True, append_images=images[1:], duration=70, loop=0)


def gps_of(path: Path) -> dict[int, object]:
    with Image.open(path) as image:
        return dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))


def pixels(path: Path) -> list[bytes]:
    """Every frame's decoded pixels."""
    with Image.open(path) as image:
        frames = []
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            frames.append(image.convert("RGBA").tobytes())
        return frames


@pytest.mark.parametrize(
    ("name", "pillow_format", "content_type"),
    [
        ("a.png", "PNG", "image/png"),
        ("a.jpg", "JPEG", "image/jpeg"),
        ("a.gif", "GIF", "image/gif"),
        ("a.webp", "WEBP", "image/webp"),
        ("a.bmp", "BMP", "image/bmp"),
    ],
)
def test_common_formats_report_dimensions_and_content_type(
    tmp_path: Path, name: str, pillow_format: str, content_type: str
) -> None:
    path = tmp_path / name
    Image.new("RGB", (320, 200), (10, 20, 30)).save(path, pillow_format)

    info = inspect_image(path, max_pixels=MAX_PIXELS)

    assert info is not None
    assert (info.width, info.height) == (320, 200)
    assert (info.format, info.content_type) == (pillow_format, content_type)
    assert not info.animated
    assert not info.has_location


def test_animated_gif_is_reported_animated(tmp_path: Path) -> None:
    animated_gif(tmp_path / "a.gif", (120, 80))

    info = inspect_image(tmp_path / "a.gif", max_pixels=MAX_PIXELS)

    assert info is not None and info.animated


def test_phone_photo_stored_landscape_with_orientation_6_reports_portrait(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (400, 300)).save(path, exif=location_exif(orientation=6))

    info = inspect_image(path, max_pixels=MAX_PIXELS)

    assert info is not None
    assert (info.width, info.height) == (300, 400)
    assert info.has_location


def test_png_claiming_900_million_pixels_is_too_large_without_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("L", (1, 1)).save(path)
    data = bytearray(path.read_bytes())
    struct.pack_into(">II", data, 16, 30_000, 30_000)  # IHDR width and height
    struct.pack_into(">I", data, 29, zlib.crc32(data[12:29]))
    path.write_bytes(bytes(data))

    started = time.monotonic()
    with pytest.raises(ImageTooLarge):
        inspect_image(path, max_pixels=MAX_PIXELS)
    with pytest.raises(ImageTooLarge):
        make_preview(path, tmp_path / "preview.webp", max_pixels=MAX_PIXELS)
    assert time.monotonic() - started < 2


def test_image_above_the_configured_pixel_cap_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (200, 100)).save(path)

    with pytest.raises(ImageTooLarge):
        inspect_image(path, max_pixels=19_999)
    assert inspect_image(path, max_pixels=20_000) is not None


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00garbage" * 100,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
    ],
    ids=["empty", "garbage", "png-signature-only", "svg"],
)
def test_what_is_not_a_browser_image_is_none(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)

    assert inspect_image(path, max_pixels=MAX_PIXELS) is None
    assert strip_location(path) is False
    with pytest.raises(ImageUnreadable):
        make_preview(path, tmp_path / "preview.webp", max_pixels=MAX_PIXELS)


def test_truncated_jpeg_has_a_header_but_no_preview(tmp_path: Path) -> None:
    path = tmp_path / "a.jpg"
    Image.effect_noise((1600, 1200), 60).convert("RGB").save(path)
    path.write_bytes(path.read_bytes()[:20_000])

    assert inspect_image(path, max_pixels=MAX_PIXELS) is not None
    with pytest.raises(ImageUnreadable):
        make_preview(path, tmp_path / "preview.webp", max_pixels=MAX_PIXELS)


def test_preview_of_a_4000x3000_photo_fits_1280_and_keeps_its_aspect_ratio(tmp_path: Path) -> None:
    path, target = tmp_path / "photo.jpg", tmp_path / "preview.webp"
    Image.new("RGB", (4000, 3000), (200, 100, 50)).save(path, exif=location_exif())

    size = make_preview(path, target, max_pixels=MAX_PIXELS)

    assert size == (1280, 960)
    with Image.open(target) as preview:
        assert preview.size == size
        assert not preview.getexif()  # no location, no camera data
        assert "xmp" not in preview.info


def test_preview_of_a_rotated_photo_is_upright_even_when_small(tmp_path: Path) -> None:
    path, target = tmp_path / "photo.jpg", tmp_path / "preview.webp"
    stored = Image.new("RGB", (400, 300), (0, 0, 255))
    ImageDraw.Draw(stored).rectangle([0, 0, 99, 299], fill=(255, 0, 0))  # left edge as stored
    stored.save(path, exif=location_exif(orientation=6), quality=95)

    size = make_preview(path, target, max_pixels=MAX_PIXELS)

    assert size == (300, 400)
    with Image.open(target) as preview:
        red, _, blue = preview.convert("RGB").getpixel((150, 20))  # type: ignore[misc]
        assert red > 200 and blue < 60  # orientation 6: the stored left edge is shown on top


def test_preview_keeps_transparency(tmp_path: Path) -> None:
    path, target = tmp_path / "logo.png", tmp_path / "preview.webp"
    logo = Image.new("RGBA", (2000, 1000), (0, 0, 0, 0))
    ImageDraw.Draw(logo).ellipse([500, 0, 1500, 1000], fill=(0, 200, 0, 255))
    logo.save(path)

    assert make_preview(path, target, max_pixels=MAX_PIXELS) == (1280, 640)
    with Image.open(target) as preview:
        assert preview.mode == "RGBA"
        assert preview.getpixel((5, 5))[3] == 0  # type: ignore[index]
        assert preview.getpixel((640, 320))[3] == 255  # type: ignore[index]


def test_preview_of_an_animated_gif_is_an_animated_webp(tmp_path: Path) -> None:
    path, target = tmp_path / "a.gif", tmp_path / "preview.webp"
    animated_gif(path, (1600, 400), frames=6)

    size = make_preview(path, target, max_pixels=MAX_PIXELS)

    assert size == (1280, 320)
    with Image.open(target) as preview:
        assert preview.format == "WEBP"
        assert getattr(preview, "n_frames", 1) == 6
        assert preview.info["loop"] == 0
        durations = []
        for index in range(6):
            preview.seek(index)
            preview.load()
            durations.append(preview.info["duration"])
        assert durations == [70] * 6


def test_small_upright_image_is_its_own_preview(tmp_path: Path) -> None:
    path, target = tmp_path / "a.png", tmp_path / "preview.webp"
    Image.new("RGB", (1280, 720)).save(path)

    assert make_preview(path, target, max_pixels=MAX_PIXELS) is None
    assert not target.exists()


@pytest.mark.parametrize(
    ("name", "pillow_format", "extra"),
    [
        ("photo.jpg", "JPEG", {"quality": 90}),
        ("photo.png", "PNG", {}),
        ("photo.webp", "WEBP", {"lossless": True}),
        ("anim.webp", "WEBP", {"lossless": True, "save_all": True}),
        pytest.param(
            "photo.avif",
            "AVIF",
            {"quality": 90},
            marks=pytest.mark.skipif(not features.check("avif"), reason="no AVIF in Pillow"),
        ),
    ],
)
def test_strip_location_removes_gps_and_changes_nothing_else(
    tmp_path: Path, name: str, pillow_format: str, extra: dict[str, object]
) -> None:
    path = tmp_path / name
    first = Image.effect_noise((160, 120), 40).convert("RGB")
    frames = [ImageChops.invert(first)] if extra.get("save_all") else []
    first.save(
        path, pillow_format, exif=location_exif(orientation=6), append_images=frames, **extra
    )
    size_before, pixels_before = path.stat().st_size, pixels(path)
    assert gps_of(path)

    assert strip_location(path) is True

    assert gps_of(path) == {}
    info = inspect_image(path, max_pixels=MAX_PIXELS)
    assert info is not None and not info.has_location
    assert (info.width, info.height) == (120, 160)  # orientation kept
    assert pixels(path) == pixels_before  # nothing re-encoded, animation kept
    assert path.stat().st_size == size_before
    with Image.open(path) as image:
        assert image.getexif()[ExifTags.Base.Make] == "Phone"
    assert strip_location(path) is False
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_strip_location_covers_every_picture_of_a_multi_picture_jpeg(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    exif = location_exif().tobytes()
    second = Image.new("RGB", (64, 48), (0, 0, 255))
    second.info["exif"] = exif
    Image.new("RGB", (64, 48), (255, 0, 0)).save(
        path, "MPO", save_all=True, append_images=[second], exif=exif
    )
    assert path.read_bytes().count(b"Exif\x00\x00") == 2
    assert path.read_bytes().count(b"\x88\x25") == 2  # the GPS IFD tag, once per picture

    assert strip_location(path) is True

    assert b"\x88\x25" not in path.read_bytes()
    info = inspect_image(path, max_pixels=MAX_PIXELS)
    assert info is not None and info.format == "JPEG" and not info.animated


def test_strip_location_finds_gps_in_a_png_exif_chunk_after_the_image_data(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (50, 40)).save(path)
    data = path.read_bytes()
    tiff = location_exif().tobytes()[6:]  # without the "Exif\0\0" of JPEG
    chunk = (
        struct.pack(">I", len(tiff))
        + b"eXIf"
        + tiff
        + struct.pack(">I", zlib.crc32(b"eXIf" + tiff))
    )
    path.write_bytes(data[:-12] + chunk + data[-12:])  # just before IEND
    assert gps_of(path)  # Pillow finds it too, once it has read past the image data

    assert strip_location(path) is True

    assert gps_of(path) == {}
    with Image.open(path) as image:
        image.verify()  # every chunk's CRC still matches


def test_strip_location_of_a_png_without_exif_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    Image.new("RGB", (50, 40), (1, 2, 3)).save(path)
    before = path.read_bytes()
    modified = path.stat().st_mtime_ns

    assert strip_location(path) is False

    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == modified
