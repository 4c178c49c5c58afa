"""Refusing archive bombs: archives that unpack to far more than they weigh, or nest without end.

clamd does not flag them (a 204 KB zip holding one 200 MB entry comes back clean: it scans the
start and stops), yet whoever downloads one and opens it can fill their disk or memory. So before
an archive is shown to anyone but its uploader, townhall unpacks it here, counting rather than
keeping: every decompressed byte streams through a small buffer and is counted; nothing is
written to disk or held in memory. Sizes an archive declares are not trusted: zip entries are
decompressed to their real end, not to the size they claim.

What is an archive is decided by its bytes (magic numbers), never by its name: zip (also nested,
and found by its central directory when something is prepended, as in self-extracting files),
tar, and gzip, bzip2 and xz streams (so .tar.gz, .tgz, .tar.bz2, .tar.xz too). A corrupt archive
is not a bomb (clamd and the download rules deal with it) unless it exceeded a limit first.
"""

from __future__ import annotations

import bz2
import copy
import gzip
import io
import lzma
import struct
import sys
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol, cast

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

HEAD = 512
"""Bytes sniffed to tell what a stream is (tar's magic sits at offset 257)."""

CHUNK = 64 * 1024
"""Bytes decompressed at a time: the most the checker holds of any content."""

WORK_FACTOR = 4
"""Decompressing, re-reads included, may cost this many times `max_total_bytes`. Re-reads happen
when a zip sits inside a compressed stream (zip needs to seek; a gzip stream seeks backwards only
by starting over), and are how a crafted archive could keep the checker busy for hours."""

MIN_DIRECTORY_BYTES = 1024 * 1024
DIRECTORY_BYTES_PER_ENTRY = 512
"""A zip's central directory is read into memory whole; more than this per allowed entry is not
an honest table of contents but a way to exhaust the checker's memory."""

MAX_HEADER_BYTES = 16 * 1024 * 1024
"""The largest single read a parser may ask for (a tar pax header, a zip directory): tarfile reads
such headers whole, so a crafted one could claim gigabytes."""


class _Stream(Protocol):
    """What a _Source reads from: a file, a zip or tar entry, a decompressor."""

    def read(self, size: int = ..., /) -> bytes: ...
    def seek(self, offset: int, whence: int = ..., /) -> int: ...
    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_total_bytes: int = 4 * 1024**3
    """Everything unpacked, all levels together (an entry of a nested archive counts as well as
    the nested archive itself)."""
    max_ratio: float = 100.0
    """Unpacked size over packed size, for each entry and for the file as a whole."""
    max_entries: int = 10_000
    """Entries of all archives in the file together (directories count)."""
    max_depth: int = 3
    """How deep archives may sit inside archives; a zip in a zip is depth 1. The compressed
    stream around a tar (.tar.gz) is not a level of its own."""
    ratio_grace_bytes: int = 1024**2
    """Ratios are judged only past this many unpacked bytes: a small file of one repeated
    character compresses a thousand times and harms nobody."""


class ArchiveBomb(Exception):
    """The file unpacks to more than the limits allow; `reason` says how, for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


CORRUPT = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    struct.error,
)
"""What the standard library's readers raise on damaged or unsupported input (bz2 and gzip raise
OSError, a truncated stream EOFError, an encrypted zip entry RuntimeError)."""


def check_archive(path: Path, limits: ArchiveLimits = ArchiveLimits()) -> None:
    """Raise ArchiveBomb when the file at `path` is an archive that exceeds `limits`.

    Returns None for harmless archives, for corrupt ones and for files that are no archive.
    Blocking (it reads and decompresses): call it in a thread.
    """
    size = path.stat().st_size
    checker = _Checker(limits, size)
    with _Source(lambda: path.open("rb"), checker, decompressed=False) as source:
        head = source.read(HEAD)
        kind = _kind(head)
        if kind is None and zipfile.is_zipfile(source):
            kind = "zip"
        if kind is None:
            return
        source.seek(0)
        checker.inspect(source, kind, size, depth=0, what="it")


def _kind(head: bytes) -> str | None:
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[3:4] != b"0":
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def _size(count: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= factor:
            return f"{count / factor:g} {unit}"
    return f"{count} bytes"


def _name(filename: str) -> str:
    return repr(filename if len(filename) <= 80 else filename[:77] + "...")


class _Checker:
    """One check of one file: the counts all levels add to, and the walk through them."""

    def __init__(self, limits: ArchiveLimits, packed: int) -> None:
        self.limits = limits
        self.packed = packed
        self.unpacked = 0
        self.entries = 0
        self.work = 0
        self.max_work = WORK_FACTOR * limits.max_total_bytes
        self.max_directory = max(
            MIN_DIRECTORY_BYTES, limits.max_entries * DIRECTORY_BYTES_PER_ENTRY
        )
        self.max_read = max(MAX_HEADER_BYTES, self.max_directory)

    def inspect(self, source: _Source, kind: str, packed: int, *, depth: int, what: str) -> None:
        """Check one archive of `packed` bytes; a damaged one just ends its own check."""
        if depth > self.limits.max_depth:
            raise ArchiveBomb(f"it nests archives more than {self.limits.max_depth} deep")
        try:
            if kind == "zip":
                self._zip(source, depth)
            elif kind == "tar":
                self._tar(source, depth)
            else:
                self._compressed(source, kind, packed, depth, what)
        except CORRUPT:
            return

    def count_entries(self, count: int) -> None:
        self.entries += count
        if self.entries > self.limits.max_entries:
            raise ArchiveBomb(f"it holds more than {self.limits.max_entries} entries")

    def count_work(self, count: int) -> None:
        self.work += count
        if self.work > self.max_work:
            raise ArchiveBomb(
                f"checking it would mean decompressing more than {_size(self.max_work)} "
                "(archives inside compressed archives)"
            )

    def count_unpacked(self, produced: int) -> None:
        """`produced` more bytes came out of a decompressor: judge the file as a whole."""
        self.unpacked += produced
        limits = self.limits
        if self.unpacked > limits.max_total_bytes:
            raise ArchiveBomb(f"it unpacks to more than {_size(limits.max_total_bytes)}")
        if self._too_dense(self.unpacked, self.packed):
            raise ArchiveBomb(f"it expands more than {limits.max_ratio:g} times")

    def _too_dense(self, unpacked: int, packed: int) -> bool:
        limits = self.limits
        return unpacked > limits.ratio_grace_bytes and unpacked > limits.max_ratio * max(packed, 1)

    def _measure(self, source: _Source, packed: int, what: str) -> bytes:
        """Decompress `source` to its end through a small buffer, judging it as one entry of
        `packed` compressed bytes; its first bytes, to tell what it is."""
        head = b""
        size = 0
        while chunk := source.read(CHUNK):
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            size += len(chunk)
            self.count_unpacked(len(chunk))
            if self._too_dense(size, packed):
                raise ArchiveBomb(f"{what} expands more than {self.limits.max_ratio:g} times")
        source.size = size
        return head

    def _declared(self, info: zipfile.ZipInfo) -> None:
        """An entry that cannot be decompressed (encrypted, or an unsupported method) is judged
        by the sizes it declares: nothing better is known, and a tool with the password would
        believe them."""
        self.count_unpacked(info.file_size)
        if self._too_dense(info.file_size, info.compress_size):
            what = _name(info.filename)
            raise ArchiveBomb(f"{what} expands more than {self.limits.max_ratio:g} times")

    def _zip(self, source: _Source, depth: int) -> None:
        declared = _zip_directory(source)
        if declared is not None:
            entries, directory_bytes = declared
            if self.entries + entries > self.limits.max_entries:
                raise ArchiveBomb(f"it holds more than {self.limits.max_entries} entries")
            if directory_bytes > self.max_directory:
                raise ArchiveBomb(
                    f"its table of contents is too large for {self.limits.max_entries} entries"
                )
        with zipfile.ZipFile(source) as archive:
            members = sorted(archive.infolist(), key=lambda info: info.header_offset)
            self.count_entries(len(members))
            for info in members:
                if info.is_dir():
                    continue
                try:
                    self._zip_member(archive, info, depth)
                except CORRUPT:
                    continue

    def _zip_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, depth: int) -> None:
        # zipfile stops at the size an entry declares (and then fails its CRC check, before
        # handing out the last bytes); with no such limit it runs to the real end of the
        # compressed data, so a lie cannot hide an expansion.
        unbounded = copy.copy(info)
        unbounded.file_size = sys.maxsize
        try:
            archive.open(unbounded).close()
        except (RuntimeError, NotImplementedError):
            self._declared(info)
            return
        what = _name(info.filename)
        with _Source(lambda: archive.open(unbounded), self, decompressed=True) as member:
            kind = _kind(self._measure(member, info.compress_size, what))
            if kind is not None:
                member.seek(0)
                self.inspect(member, kind, member.size or 0, depth=depth + 1, what=what)

    def _tar(self, source: _Source, depth: int) -> None:
        with tarfile.open(fileobj=source, mode="r:") as archive:
            for member in archive:
                self.count_entries(1)
                if not member.isfile():
                    continue
                what = _name(member.name)

                def open_member(member: tarfile.TarInfo = member) -> _Stream:
                    data = archive.extractfile(member)
                    if data is None:
                        raise tarfile.ReadError("not a regular file")
                    return data

                with _Source(open_member, self, decompressed=False) as data:
                    kind = _kind(data.read(HEAD))
                    if kind is not None:
                        data.seek(0)
                        self.inspect(data, kind, member.size, depth=depth + 1, what=what)

    def _compressed(self, source: _Source, kind: str, packed: int, depth: int, what: str) -> None:
        def open_content() -> _Stream:
            source.seek(0)
            return _decompressing(kind, source)

        with _Source(open_content, self, decompressed=True) as content:
            inner = _kind(self._measure(content, packed, what))
            if inner is not None:
                content.seek(0)
                # A tar in a compressed stream (.tar.gz) is one archive, not one inside another.
                inner_depth = depth if inner == "tar" else depth + 1
                self.inspect(content, inner, content.size or 0, depth=inner_depth, what=what)


def _decompressing(kind: str, raw: _Source) -> _Stream:
    """A decompressor over `raw`; closing it leaves `raw` open (its _Source closes it)."""
    if kind == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if kind == "bz2":
        return bz2.BZ2File(raw)
    return lzma.LZMAFile(cast(IO[bytes], raw))  # typeshed wants IO; LZMAFile only reads


def _zip_directory(source: _Source) -> tuple[int, int] | None:
    """(entries, central directory bytes) as the zip's end record declares them, found the way
    zipfile finds them (the last end record in the final 64 KiB); None when there is none."""
    end = source.seek(0, io.SEEK_END)
    start = max(0, end - (22 + 0xFFFF))
    source.seek(start)
    tail = source.read(end - start)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    entries, directory_bytes = struct.unpack_from("<HL", tail, at + 10)
    zip64 = entries == 0xFFFF or directory_bytes == 0xFFFFFFFF
    located = at >= 76 and tail[at - 20 : at - 16] == b"PK\x06\x07"
    if zip64 and located and tail[at - 76 : at - 72] == b"PK\x06\x06":
        entries, directory_bytes = struct.unpack_from("<QQ", tail, at - 76 + 24)
    return int(entries), int(directory_bytes)


class _Source(io.RawIOBase):
    """What the checker reads: a file, an entry or a decompressed stream, opened by `opener`.

    Decompressed sources seek by starting over (and count every byte they produce, re-reads
    included, as work); others seek natively. No single read may be larger than a header can
    honestly be, and nothing is ever read whole.
    """

    def __init__(
        self, opener: Callable[[], _Stream], checker: _Checker, *, decompressed: bool
    ) -> None:
        super().__init__()
        self.opener = opener
        self.checker = checker
        self.decompressed = decompressed
        self.inner = opener()
        self.position = 0
        self.size: int | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if size > self.checker.max_read:
            raise self._header_too_large()
        return super().read(size) or b""

    def readall(self) -> bytes:
        """zipfile reads a zip's last bytes this way, to find its end record behind a comment."""
        data = bytearray()
        while chunk := self.read(CHUNK):
            data += chunk
            if len(data) > self.checker.max_read:
                raise self._header_too_large()
        return bytes(data)

    def _header_too_large(self) -> ArchiveBomb:
        return ArchiveBomb(f"it holds a header larger than {_size(self.checker.max_read)}")

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self.inner.read(len(view))
        count = len(data)
        view[:count] = data
        self.position += count
        if self.decompressed:
            self.checker.count_work(count)
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self.decompressed:
            self.position = self.inner.seek(offset, whence)
            return self.position
        if whence == io.SEEK_CUR:
            target = self.position + offset
        elif whence == io.SEEK_END:
            target = self._length() + offset
        else:
            target = offset
        if target < self.position:
            self.inner.close()
            self.inner = self.opener()
            self.position = 0
        self._skip(target - self.position)
        return self.position

    def _length(self) -> int:
        if self.size is None:
            self._skip(None)
            self.size = self.position
        return self.size

    def _skip(self, count: int | None) -> None:
        """Read forward `count` bytes (None: to the end), dropping them."""
        scratch = bytearray(CHUNK)
        while count is None or count > 0:
            want = CHUNK if count is None else min(CHUNK, count)
            got = self.readinto(memoryview(scratch)[:want])
            if got == 0:
                return
            if count is not None:
                count -= got

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()
