"""The clamd client against a real clamd: malware is found (also inside archives), clean files
pass, a stream of any size passes through without being held in memory, and whenever clamd
cannot give a verdict the client says so instead of calling the file clean.

`clamd_socket` and `stopped_clamd_socket` come from tests/clamd_process.py (a plugin registered in
tests/conftest.py).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.clamd_process import REPORTED_SIGNATURE, eicar, private_clamd
from townhall.files.clamd import Clamd, ScannerUnavailable, Verdict, parse_reply

MiB = 1024 * 1024
INFECTED = Verdict(clean=False, signature=REPORTED_SIGNATURE)


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("readme.txt", "nothing to see here")
        archive.writestr(name, content)
    return buffer.getvalue()


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture(scope="module")
def small_limit_clamd_socket(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A clamd that accepts streams of at most 1 MiB (StreamMaxLength 1M)."""
    with private_clamd(tmp_path_factory.mktemp("clamd-1m"), stream_max_length="1M") as server:
        yield server.socket_path


async def test_ping_answers_when_clamd_runs_and_not_when_it_is_down(
    clamd_socket: str, stopped_clamd_socket: str, tmp_path: Path
) -> None:
    assert await Clamd(clamd_socket).ping() is True
    assert await Clamd(stopped_clamd_socket).ping() is False
    assert await Clamd(str(tmp_path / "no-such.sock")).ping() is False


async def test_the_eicar_test_file_is_found_with_its_signature(
    clamd_socket: str, tmp_path: Path
) -> None:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(eicar())

    assert await Clamd(clamd_socket).scan_file(path) == INFECTED


@pytest.mark.parametrize("chunk_size", [1, 7, 4096, 3 * MiB])
async def test_eicar_inside_a_zip_and_inside_a_zip_in_a_zip_is_found(
    clamd_socket: str, chunk_size: int
) -> None:
    once = zipped("tool.com", eicar())
    twice = zipped("tools.zip", once)
    client = Clamd(clamd_socket)

    assert await client.scan(pieces(once, chunk_size)) == INFECTED
    assert await client.scan(pieces(twice, chunk_size)) == INFECTED


async def test_eicar_after_megabytes_of_other_data_and_empty_chunks_is_found(
    clamd_socket: str,
) -> None:
    # An empty chunk must not end the stream early (a zero-length frame is INSTREAM's end).
    async def chunks() -> AsyncIterator[bytes]:
        yield b"MZ" + bytes(3 * MiB)
        yield b""
        yield zipped("tool.com", eicar())

    assert await Clamd(clamd_socket).scan(chunks()) == INFECTED


async def test_a_clean_file_of_a_few_megabytes_passes(clamd_socket: str, tmp_path: Path) -> None:
    path = tmp_path / "minutes.txt"
    path.write_bytes(b"The meeting opened at seven.\n" * (5 * MiB // 29))

    assert await Clamd(clamd_socket).scan_file(path) == Verdict(clean=True)


async def test_a_300_mb_stream_is_scanned_without_the_client_holding_it(
    clamd_socket: str,
) -> None:
    chunk = 1_500_000  # not a multiple of the 1 MiB frame: every chunk is split

    async def generated() -> AsyncIterator[bytes]:
        for number in range(300 * MiB // chunk):
            yield number.to_bytes(4, "big") * (chunk // 4)

    tracemalloc.start()
    try:
        verdict = await Clamd(clamd_socket).scan(generated())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert verdict == Verdict(clean=True)
    assert peak < 16 * MiB


async def test_a_socket_nobody_listens_on_makes_the_scanner_unavailable(
    stopped_clamd_socket: str, tmp_path: Path
) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(1000))

    with pytest.raises(ScannerUnavailable, match="cannot reach clamd"):
        await Clamd(stopped_clamd_socket).scan_file(path)
    with pytest.raises(ScannerUnavailable, match="cannot reach clamd"):
        await Clamd(str(tmp_path / "no-such.sock")).scan(pieces(b"hello", 5))


@pytest.mark.parametrize("size", [2 * MiB, 20 * MiB])
async def test_a_stream_clamd_refuses_as_too_long_is_not_clean(
    small_limit_clamd_socket: str, size: int
) -> None:
    client = Clamd(small_limit_clamd_socket)
    assert await client.scan(pieces(bytes(MiB // 2), MiB)) == Verdict(clean=True)

    with pytest.raises(ScannerUnavailable, match="INSTREAM size limit exceeded"):
        await client.scan(pieces(bytes(size), 256 * 1024))


async def test_a_clamd_that_stops_answering_times_out_as_unavailable(tmp_path: Path) -> None:
    with private_clamd(tmp_path / "clamd") as server:
        client = Clamd(server.socket_path, timeout=0.5)
        server.pause()

        assert await client.ping() is False
        with pytest.raises(ScannerUnavailable, match=r"took over 0\.5 s"):
            await client.scan(pieces(eicar(), 68))

        server.resume()
        assert await Clamd(server.socket_path).scan(pieces(eicar(), 68)) == INFECTED


def test_only_an_explicit_ok_is_clean() -> None:
    assert parse_reply(b"stream: OK") == Verdict(clean=True)
    assert parse_reply(b"stream: Win.Test.EICAR_HDB-1 FOUND") == Verdict(
        clean=False, signature="Win.Test.EICAR_HDB-1"
    )
    for reply in [
        b"",
        b"stream: ",
        b"stream: OKAY",
        b"OK",
        b"stream:  FOUND",
        b"INSTREAM size limit exceeded. ERROR",
        b"stream: Can't allocate memory ERROR",
        b"UNKNOWN COMMAND",
    ]:
        with pytest.raises(ScannerUnavailable):
            parse_reply(reply)
