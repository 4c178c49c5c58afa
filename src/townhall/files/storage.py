"""Where attachment bytes are kept: one interface, a local directory (default) or S3.

An upload is first written to a staging file on local disk (streamed, hashed and sniffed as it
arrives, never held in memory); once it is complete and checked, `put` moves it into the store
under its key. Keys look like `attachments/<channel_id>/<attachment_id>/<variant>`; the store
treats them as opaque. All methods are async and never block the event loop: the local backend
does its disk work in a thread.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

CHUNK = 256 * 1024
"""Bytes per read when streaming a stored file out."""


class StoredObjectMissing(LookupError):
    """The key holds nothing (deleted, or never stored)."""


@dataclass(frozen=True, slots=True)
class StoredObject:
    key: str
    size: int


class Storage(Protocol):
    """Keeps finished files under keys. Implementations: `LocalStorage`, `files.s3.S3Storage`."""

    async def put(self, key: str, source: Path, *, content_type: str) -> StoredObject:
        """Store the complete local file `source` under `key` (replacing what was there).

        `source` is consumed: it may be moved rather than copied, and is gone afterwards.
        """
        ...

    async def stat(self, key: str) -> StoredObject:
        """The stored object's size; StoredObjectMissing when there is none."""
        ...

    def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """The bytes `start` to `end` (exclusive; None: to the end), in chunks.

        Raises StoredObjectMissing (when iterated) if there is nothing under `key`.
        """
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; nothing happens when there is none."""
        ...

    async def close(self) -> None: ...


class LocalStorage:
    """Files in a directory on this machine (`<data_dir>/files` by default)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file for `key`; a key that would leave the root is refused."""
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise ValueError(f"bad storage key {key!r}")
        return path

    async def put(self, key: str, source: Path, *, content_type: str) -> StoredObject:
        target = self.path(key)
        return await asyncio.to_thread(_move_into, source, target, key)

    async def stat(self, key: str) -> StoredObject:
        try:
            size = (await asyncio.to_thread(os.stat, self.path(key))).st_size
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        return StoredObject(key, size)

    async def read(self, key: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(open, self.path(key), "rb")
        except FileNotFoundError:
            raise StoredObjectMissing(key) from None
        try:
            await asyncio.to_thread(handle.seek, start)
            left = None if end is None else end - start
            while left is None or left > 0:
                size = CHUNK if left is None else min(CHUNK, left)
                chunk = await asyncio.to_thread(handle.read, size)
                if not chunk:
                    return
                if left is not None:
                    left -= len(chunk)
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def delete(self, key: str) -> None:
        path = self.path(key)
        await asyncio.to_thread(_remove, path, self.root)

    async def close(self) -> None:
        return None


def _move_into(source: Path, target: Path, key: str) -> StoredObject:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        os.replace(source, partial)  # same file system: a rename
    except OSError:
        shutil.copyfile(source, partial)
        source.unlink()
    os.replace(partial, target)
    return StoredObject(key, target.stat().st_size)


def _remove(path: Path, root: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        return
    # Drop directories left empty, up to the root.
    parent = path.parent
    while parent != root:
        try:
            parent.rmdir()
        except OSError:
            return
        parent = parent.parent
