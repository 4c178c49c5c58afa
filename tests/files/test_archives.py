"""Archive bombs are refused before anyone but the uploader can download them; everything else,
ordinary archives, damaged ones and files that are no archive at all, passes.

The bombs are built here, streaming (a 200 MB entry of zeros is written a megabyte at a time and
weighs about 200 KB), the way an attacker would make them.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import struct
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from townhall.files.archives import ArchiveBomb, ArchiveLimits, check_archive

MiB = 1024 * 1024


def zeros_zip(path: Path, megabytes: int, *, name: str = "zeros.bin", comment: bytes = b"") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = comment
        with archive.open(name, "w") as entry:
            for _ in range(megabytes):
                entry.write(bytes(MiB))
    return path


def zip_of(path: Path, members: dict[str, bytes | Path], *, stored: bool = False) -> Path:
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, content in members.items():
            if isinstance(content, Path):
                archive.write(content, name)
            else:
                archive.writestr(name, content)
    return path


def bomb_reason(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> str:
    with pytest.raises(ArchiveBomb) as raised:
        check_archive(path, limits)
    return raised.value.reason


def png_like(size: int) -> bytes:
    """Incompressible bytes behind a PNG signature, as a photo inside an archive would be."""
    return b"\x89PNG\r\n\x1a\n" + os.urandom(size)


def test_a_zip_of_one_200_mb_entry_of_zeros_is_a_bomb(tmp_path: Path) -> None:
    bomb = zeros_zip(tmp_path / "holiday-photos.zip", 200)
    assert bomb.stat().st_size < 300 * 1024

    assert "expands more than 100 times" in bomb_reason(bomb)


def test_one_entry_that_expands_hugely_is_named_even_when_the_whole_file_does_not(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mixed.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("photo.png", png_like(5 * MiB))
        archive.writestr("padding.bin", bytes(4 * MiB))

    assert bomb_reason(path) == "'padding.bin' expands more than 100 times"


def test_a_zip_bomb_inside_a_zip_is_a_bomb(tmp_path: Path) -> None:
    inner = zeros_zip(tmp_path / "inner.zip", 50)
    outer = zip_of(tmp_path / "outer.zip", {"readme.txt": b"see inside", "inner.zip": inner})

    assert "expands more than 100 times" in bomb_reason(outer)


def test_a_zip_bomb_inside_a_tar_inside_a_zip_is_found_with_its_entry_name(
    tmp_path: Path,
) -> None:
    inner = zeros_zip(tmp_path / "inner.zip", 20)
    tar = tmp_path / "bundle.tar"
    with tarfile.open(tar, "w") as archive:
        archive.add(inner, "inner.zip")
    outer = zip_of(tmp_path / "outer.zip", {"bundle.tar": tar}, stored=True)

    assert bomb_reason(outer) == "'zeros.bin' expands more than 100 times"


def nested_zips(directory: Path, levels: int) -> Path:
    """42.zip's shape: each level holds two copies of the level below; the last a text file."""
    path = zip_of(directory / "level0.zip", {"page.txt": b"all work and no play\n"})
    for level in range(1, levels + 1):
        below = path
        path = zip_of(directory / f"level{level}.zip", {"a.zip": below, "b.zip": below})
    return path


def test_archives_nested_three_deep_pass_and_four_deep_are_a_bomb(tmp_path: Path) -> None:
    check_archive(nested_zips(tmp_path, 3))

    assert bomb_reason(nested_zips(tmp_path, 4)) == "it nests archives more than 3 deep"


def test_more_entries_than_allowed_is_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"{number}.txt", b"")

    assert bomb_reason(path) == "it holds more than 10000 entries"


def test_entries_of_nested_archives_count_together(tmp_path: Path) -> None:
    limits = ArchiveLimits(max_entries=10)
    inner = zip_of(tmp_path / "inner.zip", {f"{n}.txt": b"x" for n in range(8)})
    outer = zip_of(tmp_path / "outer.zip", {"inner.zip": inner, "a.txt": b"a", "b.txt": b"b"})
    check_archive(inner, limits)

    assert bomb_reason(outer, limits) == "it holds more than 10 entries"


def write_gzip(path: Path, content: Callable[[], bytes], megabytes: int) -> Path:
    with gzip.open(path, "wb") as stream:
        for _ in range(megabytes):
            stream.write(content())
    return path


def test_a_gzip_of_zeros_is_a_bomb_and_a_gzip_of_varied_data_is_not(tmp_path: Path) -> None:
    zeros = write_gzip(tmp_path / "zeros.gz", lambda: bytes(MiB), 50)
    varied = write_gzip(tmp_path / "varied.gz", lambda: os.urandom(MiB), 3)

    assert bomb_reason(zeros) == "it expands more than 100 times"
    check_archive(varied)


def test_more_than_the_total_is_a_bomb_even_at_a_harmless_ratio(tmp_path: Path) -> None:
    limits = ArchiveLimits(max_total_bytes=8 * MiB)
    path = zip_of(tmp_path / "photos.zip", {f"{n}.png": png_like(3 * MiB) for n in range(3)})
    check_archive(path)

    assert bomb_reason(path, limits) == "it unpacks to more than 8 MiB"


def lying_zip(path: Path, real: int, declared: int) -> Path:
    """A zip whose one entry claims `declared` bytes (in both its headers) but expands to
    `real` bytes of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("small.txt", bytes(real))
    data = bytearray(buffer.getvalue())
    struct.pack_into("<L", data, data.index(b"PK\x03\x04") + 22, declared)
    struct.pack_into("<L", data, data.index(b"PK\x01\x02") + 24, declared)
    path.write_bytes(data)
    return path


def test_an_entry_declaring_a_small_size_is_counted_by_what_it_really_expands_to(
    tmp_path: Path,
) -> None:
    path = lying_zip(tmp_path / "liar.zip", real=20 * MiB, declared=1000)
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("small.txt").file_size == 1000
    limits = ArchiveLimits(max_total_bytes=10 * MiB, max_ratio=1e9)

    assert bomb_reason(path, limits) == "it unpacks to more than 10 MiB"


COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}


@pytest.mark.parametrize("compression", COMPRESSORS)
def test_a_compressed_tar_hiding_a_zip_bomb_is_a_bomb(tmp_path: Path, compression: str) -> None:
    inner = zeros_zip(tmp_path / "inner.zip", 20)
    tar = tmp_path / "release.tar"
    with tarfile.open(tar, "w") as archive:
        archive.add(inner, "release/inner.zip")
    path = tmp_path / f"release.tar.{compression}"
    path.write_bytes(COMPRESSORS[compression](tar.read_bytes()))

    assert "expands more than 100 times" in bomb_reason(path)


def test_archives_are_recognised_by_their_bytes_not_their_names(tmp_path: Path) -> None:
    disguised = zeros_zip(tmp_path / "notes.txt", 200)
    named_like_one = tmp_path / "archive.zip"
    named_like_one.write_bytes(b"just some notes\n" * 1000)

    assert "expands" in bomb_reason(disguised)
    check_archive(named_like_one)


def test_a_zip_behind_other_bytes_or_with_a_comment_is_still_checked(tmp_path: Path) -> None:
    bomb = zeros_zip(tmp_path / "bomb.zip", 50, comment=b"nothing to see here")
    self_extracting = tmp_path / "setup.exe"
    self_extracting.write_bytes(b"MZ" + os.urandom(4096) + bomb.read_bytes())

    assert "expands" in bomb_reason(bomb)
    assert "expands" in bomb_reason(self_extracting)


def test_ordinary_archives_pass(tmp_path: Path) -> None:
    text = b"Minutes of the town hall meeting.\n" * 2000
    photo = png_like(300_000)
    inner = zip_of(tmp_path / "attachments.zip", {"photo.png": photo})
    ordinary = zip_of(
        tmp_path / "meeting.zip",
        {"minutes.txt": text, "photo.png": photo, "attachments.zip": inner, "empty/": b""},
    )
    tgz = tmp_path / "meeting.tar.gz"
    with tarfile.open(tgz, "w:gz") as archive:
        archive.add(ordinary, "meeting/meeting.zip")
    plain = tmp_path / "minutes.txt.bz2"
    plain.write_bytes(bz2.compress(text))
    xz = tmp_path / "minutes.txt.xz"
    xz.write_bytes(lzma.compress(text))

    for path in (ordinary, tgz, plain, xz):
        check_archive(path)


def test_files_that_are_no_archive_pass(tmp_path: Path) -> None:
    for name, content in {
        "photo.png": png_like(100_000),
        "notes.txt": b"hello\n" * 1000,
        "empty.bin": b"",
        "noise.bin": os.urandom(100_000),
    }.items():
        path = tmp_path / name
        path.write_bytes(content)
        check_archive(path)


def test_damaged_archives_are_not_bombs(tmp_path: Path) -> None:
    ordinary = zip_of(tmp_path / "ordinary.zip", {"photo.png": png_like(200_000), "a.txt": b"a"})
    whole = ordinary.read_bytes()
    gzipped = gzip.compress(b"hello\n" * 10_000)
    damaged = {
        "truncated.zip": whole[: len(whole) // 2],
        "garbage.zip": b"PK\x03\x04" + os.urandom(10_000),
        "truncated.gz": gzipped[: len(gzipped) // 2],
        "garbage.gz": b"\x1f\x8b" + os.urandom(10_000),
        "garbage.tar": bytes(257) + b"ustar\x0000" + os.urandom(10_000),
        "garbage.xz": b"\xfd7zXZ\x00" + os.urandom(1000),
        "garbage.bz2": b"BZh9" + os.urandom(1000),
    }
    for name, content in damaged.items():
        path = tmp_path / name
        path.write_bytes(content)
        check_archive(path)


def test_a_damaged_bomb_is_still_a_bomb_when_it_exceeded_a_limit_first(tmp_path: Path) -> None:
    whole = write_gzip(tmp_path / "zeros.gz", lambda: bytes(MiB), 50).read_bytes()
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(whole[: len(whole) - 100])

    assert bomb_reason(truncated) == "it expands more than 100 times"


def test_zips_in_a_compressed_tar_cannot_keep_the_checker_busy_without_end(
    tmp_path: Path,
) -> None:
    # A zip needs to seek; inside a gzip stream every step back means decompressing again from
    # the start. Many small zips behind a large member multiply that work.
    limits = ArchiveLimits(max_total_bytes=4 * MiB)
    path = tmp_path / "busy.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        big = tmp_path / "big.bin"
        big.write_bytes(os.urandom(2 * MiB))
        archive.add(big, "big.bin")
        for number in range(20):
            small = zip_of(tmp_path / f"{number}.zip", {"a.txt": b"a", "b.txt": b"b"})
            archive.add(small, f"{number}.zip")
    check_archive(path)

    reason = bomb_reason(path, limits)
    assert reason.startswith("checking it would mean decompressing more than 16 MiB")
