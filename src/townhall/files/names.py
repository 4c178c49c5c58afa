"""File names as people gave them, made safe to store, show and put in a URL or a header.

A name is only ever a label: files are stored under their attachment id, never under the name, so
a name cannot reach the file system. Still, what others see must not lie or break things: no
directory parts, no control characters, no bidirectional overrides (which make `exe.txt` look like
`txt.exe`), no names that are only dots, and at most 255 bytes of UTF-8.
"""

from __future__ import annotations

import unicodedata

MAX_BYTES = 255
FALLBACK = "file"

_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def clean_filename(name: str | None) -> str:
    """The name to keep and show: the last path part, printable, trimmed, at most 255 bytes."""
    if not name:
        return FALLBACK
    name = unicodedata.normalize("NFC", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        " " if ch in "\t\n\r" else ch
        for ch in name
        if ch not in _BIDI_CONTROLS and (ch in "\t\n\r" or unicodedata.category(ch)[0] != "C")
    )
    kept = " ".join(kept.split()).strip(". ")
    if not kept:
        return FALLBACK
    return _truncate(kept)


def _truncate(name: str) -> str:
    """Cut to MAX_BYTES of UTF-8, keeping the extension where it is short."""
    if len(name.encode()) <= MAX_BYTES:
        return name
    stem, dot, extension = name.rpartition(".")
    suffix = f".{extension}" if dot and stem and len(extension.encode()) <= 16 else ""
    body = name[: len(name) - len(suffix)]
    budget = MAX_BYTES - len(suffix.encode())
    while len(body.encode()) > budget:
        body = body[:-1]
    return body.rstrip(". ") + suffix if body.strip(". ") else FALLBACK


def url_filename(name: str) -> str:
    """The name as the last part of a download URL: Discord replaces spaces with underscores."""
    return name.replace(" ", "_")
