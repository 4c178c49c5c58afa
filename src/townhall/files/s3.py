"""Attachment bytes in an S3-compatible bucket (AWS, MinIO, Garage, Ceph, moto in tests).

The second `Storage` backend, chosen with `TOWNHALL_STORAGE_URL=s3://bucket/prefix`. Files go up
from the local staging file one part at a time and come down as a ranged, streamed GET, so memory
stays flat however large the file. One aiobotocore client is made on first use and kept: it holds
the connection pool. Credentials and region come the usual AWS way (`AWS_ACCESS_KEY_ID`,
`AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, profiles, instance roles); the region defaults to
us-east-1, which self-hosted servers accept.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession
from botocore.exceptions import ClientError

from townhall.files.storage import CHUNK, StoredObject, StoredObjectMissing

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client
    from types_aiobotocore_s3.type_defs import CompletedPartTypeDef

MULTIPART_THRESHOLD = 16 * 1024 * 1024
"""Files larger than this go up in parts; smaller ones in one PutObject."""
PART_SIZE = 8 * 1024 * 1024
"""Bytes per uploaded part: the most an upload holds in memory (S3 wants at least 5 MiB)."""
MAX_PARTS = 10_000
"""S3's limit on parts per upload; very large files get proportionally larger parts."""
DEFAULT_REGION = "us-east-1"
_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})

log = logging.getLogger("townhall.files")


class S3Storage:
    """Objects under `prefix` in one bucket; keys are the store's keys below that prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self._client: S3Client | None = None
        self._client_lock = asyncio.Lock()
        self._exit_stack = AsyncExitStack()

    @classmethod
    def from_url(cls, url: str, *, endpoint_url: str | None = None) -> S3Storage:
        """`s3://bucket` or `s3://bucket/prefix`, as in `TOWNHALL_STORAGE_URL`."""
        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        return cls(parts.netloc, parts.path, endpoint_url=endpoint_url)

    def object_key(self, key: str) -> str:
        """The S3 key for a store key: the URL's prefix, then the key."""
        return f"{self.prefix}/{key}" if self.prefix else key

    async def put(self, key: str, source: Path, *, content_type: str) -> StoredObject:
        size = (await asyncio.to_thread(os.stat, source)).st_size
        if size > MULTIPART_THRESHOLD:
            await self._put_in_parts(key, source, size, content_type)
        else:
            body = await asyncio.to_thread(source.read_bytes)
            s3 = await self._s3()
            await s3.put_object(
                Bucket=self.bucket, Key=self.object_key(key), Body=body, ContentType=content_type
            )
        await asyncio.to_thread(source.unlink)
        return StoredObject(key, size)

    async def _put_in_parts(self, key: str, source: Path, size: int, content_type: str) -> None:
        """A multipart upload, read from disk one part at a time; aborted if anything fails, so
        no half-uploaded parts are left to be billed."""
        s3 = await self._s3()
        object_key = self.object_key(key)
        # Like boto3's transfer manager: when botocore adds checksums to requests (its default),
        # declare the algorithm up front and hand each part's checksum back on completion.
        setting = getattr(s3.meta.config, "request_checksum_calculation", "when_supported")
        checksums = setting == "when_supported"
        if checksums:
            upload = await s3.create_multipart_upload(
                Bucket=self.bucket,
                Key=object_key,
                ContentType=content_type,
                ChecksumAlgorithm="CRC32",
            )
        else:
            upload = await s3.create_multipart_upload(
                Bucket=self.bucket, Key=object_key, ContentType=content_type
            )
        upload_id = upload["UploadId"]
        part_size = max(PART_SIZE, -(-size // MAX_PARTS))
        parts: list[CompletedPartTypeDef] = []
        try:
            handle = await asyncio.to_thread(source.open, "rb")
            try:
                while body := await asyncio.to_thread(handle.read, part_size):
                    number = len(parts) + 1
                    uploaded = await s3.upload_part(
                        Bucket=self.bucket,
                        Key=object_key,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=body,
                    )
                    del body  # the next part is read only once this one is released
                    part: CompletedPartTypeDef = {"PartNumber": number, "ETag": uploaded["ETag"]}
                    if checksums and "ChecksumCRC32" in uploaded:
                        part["ChecksumCRC32"] = uploaded["ChecksumCRC32"]
                    parts.append(part)
            finally:
                await asyncio.to_thread(handle.close)
            await s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=object_key,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            await self._abort(object_key, upload_id)
            raise

    async def _abort(self, object_key: str, upload_id: str) -> None:
        """Drop a failed upload's parts; shielded so that a cancelled request still cleans up.
        If even that fails, the bucket's lifecycle rule for incomplete uploads is the backstop."""
        s3 = await self._s3()
        abort = s3.abort_multipart_upload(Bucket=self.bucket, Key=object_key, UploadId=upload_id)
        try:
            await asyncio.shield(abort)
        except Exception:
            log.warning("could not abort multipart upload of %s", object_key, exc_info=True)

    async def stat(self, key: str) -> StoredObject:
        s3 = await self._s3()
        try:
            head = await s3.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as error:
            if _is_missing(error):
                raise StoredObjectMissing(key) from None
            raise
        return StoredObject(key, head["ContentLength"])

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        if end is not None and end <= start:
            await self.stat(key)  # nothing to send, but a missing key is still an error
            return
        s3 = await self._s3()
        object_key = self.object_key(key)
        try:
            if start == 0 and end is None:
                response = await s3.get_object(Bucket=self.bucket, Key=object_key)
            else:
                last = "" if end is None else str(end - 1)
                response = await s3.get_object(
                    Bucket=self.bucket, Key=object_key, Range=f"bytes={start}-{last}"
                )
        except ClientError as error:
            if _is_missing(error):
                raise StoredObjectMissing(key) from None
            if error.response.get("Error", {}).get("Code") == "InvalidRange":
                return  # starts at or past the end: nothing there
            raise
        async with response["Body"] as body:
            async for chunk in body.iter_chunks(CHUNK):
                yield chunk

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        await s3.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    async def close(self) -> None:
        async with self._client_lock:
            self._client = None
            await self._exit_stack.aclose()

    async def _s3(self) -> S3Client:
        """The one client, made on first use."""
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                session = AioSession()
                region = session.get_config_variable("region") or DEFAULT_REGION
                # Self-hosted servers rarely resolve bucket.host names: address them by path.
                config = AioConfig(s3={"addressing_style": "path"}) if self.endpoint_url else None
                self._client = await self._exit_stack.enter_async_context(
                    session.create_client(
                        "s3", region_name=region, endpoint_url=self.endpoint_url, config=config
                    )
                )
            return self._client


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in _MISSING_CODES
