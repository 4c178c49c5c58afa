"""The tus 1.0 resumable-upload protocol's pure parts: headers, their parsing, and its errors.

https://tus.io/protocols/resumable-upload — we speak core plus the creation,
creation-with-upload, termination, checksum (sha256) and expiration extensions. Nothing here
touches disk, the database or HTTP objects, so the protocol's rules are tested on their own;
`api/routes/uploads.py` reads the headers and `actions/uploads.py` moves the bytes.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from townhall.domain.errors import NotFound, TownhallError

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUM_ALGORITHMS = "sha256"
OFFSET_STREAM = "application/offset+octet-stream"
"""The only body a PATCH (or a creation-with-upload POST) may carry."""

TUS_RESUMABLE = "Tus-Resumable"
TUS_VERSION_HEADER = "Tus-Version"
TUS_EXTENSION = "Tus-Extension"
TUS_MAX_SIZE = "Tus-Max-Size"
TUS_CHECKSUM_ALGORITHM = "Tus-Checksum-Algorithm"
UPLOAD_LENGTH = "Upload-Length"
UPLOAD_OFFSET = "Upload-Offset"
UPLOAD_METADATA = "Upload-Metadata"
UPLOAD_DEFER_LENGTH = "Upload-Defer-Length"
UPLOAD_CHECKSUM = "Upload-Checksum"
UPLOAD_EXPIRES = "Upload-Expires"

METADATA_MAX = 4096
"""Characters of `Upload-Metadata` kept (it is echoed back on every HEAD)."""
FILENAME_KEYS = ("filename", "name", "file")
CONTENT_TYPE_KEYS = ("filetype", "type", "content_type", "contentType")
FILENAME_MAX = 255
_DEFAULT_FILENAME = "file"
_DIGITS = re.compile(r"[0-9]{1,19}")
_CONTENT_TYPE = re.compile(r"[!-~]{1,128}")
"""A declared media type we keep: printable ASCII without spaces, fits the column."""


class UnsupportedVersion(TownhallError):
    """412: the client speaks another tus version (answered with `Tus-Version`)."""

    status, code, message = 412, 0, f"Tus-Resumable must be {TUS_VERSION}"


class BadUploadRequest(TownhallError):
    """400 with a sentence saying which header is wrong."""

    status, code = 400, 0


class UploadTooLarge(TownhallError):
    status, code, message = 413, 40005, "Request entity too large"


class UnsupportedMediaType(TownhallError):
    status, code, message = 415, 0, f"Content-Type must be {OFFSET_STREAM}"


class OffsetConflict(TownhallError):
    """409: the client's `Upload-Offset` is not the stored one, or another request is writing."""

    status, code = 409, 0


class ChecksumMismatch(TownhallError):
    """460, tus's own status: the bytes of that request were discarded."""

    status, code, message = 460, 0, "Checksum Mismatch"


class UnknownUpload(NotFound):
    """Never found, someone else's, terminated, expired or claimed: all look the same."""

    message = "Unknown Upload"


@dataclass(frozen=True, slots=True)
class Checksum:
    algorithm: str
    digest: bytes


def check_version(value: str | None) -> None:
    if value != TUS_VERSION:
        raise UnsupportedVersion()


def parse_size(value: str | None, header: str) -> int:
    """A non-negative decimal integer header (`Upload-Length`, `Upload-Offset`)."""
    if value is None:
        raise BadUploadRequest(f"{header} is required")
    value = value.strip()
    if not _DIGITS.fullmatch(value) or int(value) >= 2**63:
        raise BadUploadRequest(f"{header} must be a non-negative integer")
    return int(value)


def parse_metadata(value: str | None) -> dict[str, bytes]:
    """`Upload-Metadata`: comma-separated `key base64value` pairs, the value optional."""
    if value is None or not value.strip():
        return {}
    if len(value) > METADATA_MAX:
        raise BadUploadRequest(f"{UPLOAD_METADATA} must be at most {METADATA_MAX} characters")
    pairs: dict[str, bytes] = {}
    for item in value.split(","):
        parts = item.strip().split(" ")
        key = parts[0]
        if not key or len(parts) > 2 or key in pairs:
            raise BadUploadRequest(
                f"{UPLOAD_METADATA} must be unique keys, each with an optional base64 value"
            )
        try:
            pairs[key] = base64.b64decode(parts[1], validate=True) if len(parts) == 2 else b""
        except (binascii.Error, ValueError):
            raise BadUploadRequest(f"{UPLOAD_METADATA} value of {key} is not base64") from None
    return pairs


def declared_filename(metadata: dict[str, bytes]) -> str:
    """The file's name as the client declared it ("filename", else "name", else "file")."""
    for key in FILENAME_KEYS:
        if key in metadata:
            try:
                name = metadata[key].decode()
            except UnicodeDecodeError:
                raise BadUploadRequest(f"The {key} in {UPLOAD_METADATA} is not UTF-8") from None
            if "\x00" in name or len(name) > FILENAME_MAX:
                raise BadUploadRequest(
                    f"The {key} in {UPLOAD_METADATA} must be at most {FILENAME_MAX} characters "
                    "and contain no NUL"
                )
            if name.strip():
                return name
    return _DEFAULT_FILENAME


def declared_content_type(metadata: dict[str, bytes]) -> str | None:
    """The media type the client declared, when it is a plausible one (it is only a hint)."""
    for key in CONTENT_TYPE_KEYS:
        raw = metadata.get(key)
        if raw is None:
            continue
        text = raw.decode("ascii", "replace")
        return text if _CONTENT_TYPE.fullmatch(text) else None
    return None


def parse_checksum(value: str) -> Checksum:
    """`Upload-Checksum: sha256 <base64 digest>`; any other algorithm is refused."""
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise BadUploadRequest(f"{UPLOAD_CHECKSUM} algorithm must be one of: {CHECKSUM_ALGORITHMS}")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 32:
        raise BadUploadRequest(f"{UPLOAD_CHECKSUM} must be a base64 sha256 digest")
    return Checksum("sha256", digest)


def is_offset_stream(content_type: str | None) -> bool:
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == OFFSET_STREAM


def format_expires(millis: int) -> str:
    """`Upload-Expires` as an RFC 9110 HTTP date: `Wed, 25 Jun 2025 10:00:00 GMT`."""
    return format_datetime(datetime.fromtimestamp(millis // 1000, tz=UTC), usegmt=True)
