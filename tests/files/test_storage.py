"""The `Storage` contract, checked on both backends: a local directory and S3 (a real moto server).

Whatever the backend, a stored file must come back byte for byte, in any range a download asks
for, and a file of any size must pass through without being held in memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiobotocore.session import AioSession
from types_aiobotocore_s3 import S3Client

from tests.s3_process import BUCKET, PREFIX, S3Server
from townhall.files.s3 import MULTIPART_THRESHOLD, PART_SIZE, S3Storage
from townhall.files.storage import CHUNK, LocalStorage, Storage, StoredObject, StoredObjectMissing

MiB = 1024 * 1024
LARGE_FILE_BYTES = 100 * MiB
MEMORY_BOUND_BYTES = 64 * MiB


@pytest_asyncio.fixture(params=["local", "s3"])
async def storage(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Storage]:
    store: Storage
    if request.param == "local":
        store = LocalStorage(tmp_path / "store")
    else:
        server: S3Server = request.getfixturevalue("s3_url")
        store = server.storage()
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
def key() -> str:
    """A key of the shape the app uses, fresh for each test (the S3 bucket is shared)."""
    return f"attachments/{uuid.uuid4().hex}/original"


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    return MakeFile(tmp_path / "staging")


class MakeFile:
    """Staging files as an upload leaves them: complete, on local disk."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir()

    def __call__(self, data: bytes) -> Path:
        path = self.directory / uuid.uuid4().hex
        path.write_bytes(data)
        return path

    def large(self, size: int) -> tuple[Path, str]:
        """A file of `size` random bytes written 1 MiB at a time, and its sha256."""
        path = self.directory / uuid.uuid4().hex
        digest = hashlib.sha256()
        rng = random.Random(size)
        with path.open("wb") as out:
            for _ in range(size // MiB):
                block = rng.randbytes(MiB)
                digest.update(block)
                out.write(block)
        return path, digest.hexdigest()


async def read_all(storage: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in storage.read(key, start, end)])


async def read_sha256(storage: Storage, key: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    largest_chunk = 0
    async for chunk in storage.read(key):
        digest.update(chunk)
        largest_chunk = max(largest_chunk, len(chunk))
    return digest.hexdigest(), largest_chunk


SMALL = random.Random(1).randbytes(3 * CHUNK + 1234)
"""Several read chunks long, and not a multiple of one."""


async def test_a_stored_file_reads_back_identical(
    storage: Storage, key: str, make_file: MakeFile
) -> None:
    stored = await storage.put(key, make_file(SMALL), content_type="application/octet-stream")

    assert stored == StoredObject(key, len(SMALL))
    assert await storage.stat(key) == StoredObject(key, len(SMALL))
    data = await read_all(storage, key)
    assert hashlib.sha256(data).hexdigest() == hashlib.sha256(SMALL).hexdigest()


async def test_an_empty_file_is_stored_and_reads_back_empty(
    storage: Storage, key: str, make_file: MakeFile
) -> None:
    await storage.put(key, make_file(b""), content_type="text/plain")

    assert await storage.stat(key) == StoredObject(key, 0)
    assert await read_all(storage, key) == b""
    assert await read_all(storage, key, 0, 10) == b""


SIZE = len(SMALL)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param(0, 1, id="first-byte"),
        pytest.param(1000, 5000, id="middle-slice"),
        pytest.param(CHUNK - 5, CHUNK + 5, id="across-a-chunk-boundary"),
        pytest.param(SIZE - 1, None, id="last-byte-open-ended"),
        pytest.param(SIZE - 1, SIZE, id="last-byte"),
        pytest.param(SIZE - 100, SIZE + 1000, id="end-beyond-size"),
        pytest.param(CHUNK, None, id="from-offset-to-end"),
        pytest.param(SIZE, None, id="start-at-size"),
        pytest.param(SIZE + 10, None, id="start-beyond-size"),
        pytest.param(SIZE + 10, SIZE + 20, id="range-beyond-size"),
        pytest.param(10, 10, id="empty-range"),
    ],
)
async def test_reading_a_range_gives_exactly_those_bytes(
    storage: Storage, key: str, make_file: MakeFile, start: int, end: int | None
) -> None:
    await storage.put(key, make_file(SMALL), content_type="application/octet-stream")

    assert await read_all(storage, key, start, end) == SMALL[start:end]


async def test_put_replaces_what_the_key_held(
    storage: Storage, key: str, make_file: MakeFile
) -> None:
    await storage.put(key, make_file(SMALL), content_type="application/octet-stream")
    await storage.put(key, make_file(b"second version"), content_type="text/plain")

    assert await storage.stat(key) == StoredObject(key, len(b"second version"))
    assert await read_all(storage, key) == b"second version"


async def test_put_consumes_the_staging_file(
    storage: Storage, key: str, make_file: MakeFile
) -> None:
    source = make_file(SMALL)

    await storage.put(key, source, content_type="application/octet-stream")

    assert not source.exists()


async def test_a_deleted_file_is_missing(storage: Storage, key: str, make_file: MakeFile) -> None:
    await storage.put(key, make_file(SMALL), content_type="application/octet-stream")

    await storage.delete(key)

    with pytest.raises(StoredObjectMissing):
        await storage.stat(key)
    with pytest.raises(StoredObjectMissing):
        await read_all(storage, key)


@pytest.mark.parametrize(("start", "end"), [(0, None), (5, None), (0, 10), (10, 10)])
async def test_a_key_never_stored_is_missing_for_any_range(
    storage: Storage, key: str, start: int, end: int | None
) -> None:
    with pytest.raises(StoredObjectMissing):
        await storage.stat(key)
    with pytest.raises(StoredObjectMissing):
        await read_all(storage, key, start, end)


async def test_deleting_a_missing_key_does_nothing(storage: Storage, key: str) -> None:
    await storage.delete(key)
    await storage.delete(key)

    with pytest.raises(StoredObjectMissing):
        await storage.stat(key)


async def test_keys_with_nested_slashes_are_separate_files(
    storage: Storage, make_file: MakeFile
) -> None:
    base = f"attachments/{uuid.uuid4().hex}"
    deep, sibling = f"{base}/a/b/c/original", f"{base}/a/b/preview.webp"
    await storage.put(deep, make_file(b"deep"), content_type="application/octet-stream")
    await storage.put(sibling, make_file(b"sibling"), content_type="image/webp")

    await storage.delete(deep)

    with pytest.raises(StoredObjectMissing):
        await storage.stat(deep)
    assert await read_all(storage, sibling) == b"sibling"
    await storage.put(deep, make_file(b"again"), content_type="application/octet-stream")
    assert await read_all(storage, deep) == b"again"


async def test_a_large_file_round_trips_in_bounded_memory(
    storage: Storage, key: str, make_file: MakeFile
) -> None:
    source, sha256 = make_file.large(LARGE_FILE_BYTES)

    tracemalloc.start()
    try:
        stored = await storage.put(key, source, content_type="video/mp4")
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        read_back, largest_chunk = await read_sha256(storage, key)
        _, read_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored == StoredObject(key, LARGE_FILE_BYTES)
    assert not source.exists()
    assert read_back == sha256
    assert largest_chunk <= CHUNK
    assert put_peak < MEMORY_BOUND_BYTES, f"put held {put_peak / MiB:.0f} MiB"
    assert read_peak < MEMORY_BOUND_BYTES, f"read held {read_peak / MiB:.0f} MiB"


# S3 only: what the contract cannot see, checked from outside with a client of the test's own.


@pytest_asyncio.fixture
async def s3_storage(s3_url: S3Server) -> AsyncIterator[S3Storage]:
    store = s3_url.storage()
    try:
        yield store
    finally:
        await store.close()


@pytest_asyncio.fixture
async def bucket(s3_url: S3Server) -> AsyncIterator[S3Client]:
    """Direct access to the test bucket, to look at what S3Storage left there."""
    async with AioSession().create_client("s3", endpoint_url=s3_url.endpoint_url) as client:
        yield client


async def test_s3_keeps_objects_under_the_url_prefix_with_their_content_type(
    s3_storage: S3Storage, bucket: S3Client, key: str, make_file: MakeFile
) -> None:
    await s3_storage.put(key, make_file(SMALL), content_type="image/png")

    head = await bucket.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}")
    assert head["ContentType"] == "image/png"
    assert head["ContentLength"] == SIZE


async def test_s3_sends_a_large_file_in_parts_and_a_small_one_whole(
    s3_storage: S3Storage, bucket: S3Client, key: str, make_file: MakeFile
) -> None:
    size = MULTIPART_THRESHOLD + MiB  # just over: whole parts, then a short one
    parts = -(-size // PART_SIZE)
    large, _ = make_file.large(size)
    await s3_storage.put(key, large, content_type="application/zip")
    small_key = key + ".small"
    await s3_storage.put(small_key, make_file(SMALL), content_type="application/zip")

    large_head = await bucket.head_object(Bucket=BUCKET, Key=s3_storage.object_key(key))
    small_head = await bucket.head_object(Bucket=BUCKET, Key=s3_storage.object_key(small_key))
    # A multipart object's ETag is "<md5 of the parts' md5s>-<number of parts>".
    assert large_head["ETag"].strip('"').endswith(f"-{parts}")
    assert large_head["ContentType"] == "application/zip"
    assert large_head["ContentLength"] == size
    assert "-" not in small_head["ETag"]


async def test_s3_cancelled_upload_leaves_no_parts_behind(
    s3_storage: S3Storage, bucket: S3Client, key: str, make_file: MakeFile
) -> None:
    source, _ = make_file.large(MULTIPART_THRESHOLD + 4 * PART_SIZE)
    object_key = s3_storage.object_key(key)

    async def uploads_in_progress() -> list[str]:
        listing = await bucket.list_multipart_uploads(Bucket=BUCKET, Prefix=object_key)
        return [upload["UploadId"] for upload in listing.get("Uploads", [])]

    upload = asyncio.create_task(s3_storage.put(key, source, content_type="video/webm"))
    deadline = asyncio.get_running_loop().time() + 10
    while not await uploads_in_progress():
        assert not upload.done(), "the upload finished before it could be cancelled"
        assert asyncio.get_running_loop().time() < deadline, "the upload never started"
        await asyncio.sleep(0.02)
    upload.cancel()
    with pytest.raises(asyncio.CancelledError):
        await upload

    assert await uploads_in_progress() == []
    with pytest.raises(StoredObjectMissing):
        await s3_storage.stat(key)


@pytest.mark.parametrize(
    "url", ["s3://", "https://bucket/prefix", "bucket/prefix", "file:///tmp/files"]
)
def test_s3_refuses_a_storage_url_without_a_bucket(url: str) -> None:
    with pytest.raises(ValueError, match="s3://bucket"):
        S3Storage.from_url(url)


def test_s3_url_gives_bucket_and_prefix() -> None:
    assert S3Storage.from_url("s3://media").object_key("a/b") == "a/b"
    nested = S3Storage.from_url("s3://media/town/hall/")
    assert (nested.bucket, nested.object_key("a/b")) == ("media", "town/hall/a/b")


# Local only.


@pytest.mark.parametrize("bad_key", ["../escape", "a/../../escape", "/etc/escape", "", "."])
async def test_local_storage_refuses_a_key_that_leaves_its_directory(
    tmp_path: Path, make_file: MakeFile, bad_key: str
) -> None:
    storage = LocalStorage(tmp_path / "store")
    source = make_file(b"payload")

    with pytest.raises(ValueError, match="bad storage key"):
        await storage.put(bad_key, source, content_type="text/plain")
    with pytest.raises(ValueError, match="bad storage key"):
        await storage.stat(bad_key)
    with pytest.raises(ValueError, match="bad storage key"):
        await read_all(storage, bad_key)
    with pytest.raises(ValueError, match="bad storage key"):
        await storage.delete(bad_key)
    assert source.exists()
    assert entries(tmp_path) == ["staging", "store"]


def entries(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir())
