"""What a file is, from its bytes, and how a browser may be given it.

The type a client declares is never believed: a file called `cat.png` that holds HTML is HTML.
Pillow and PyAV, which decode images and media, have the last word for those (files/images.py,
files/media.py); for everything else the first bytes are matched against known signatures
(puremagic), and UTF-8 text without a signature is `text/plain`.

Only types a browser shows without running anything are served inline; everything else (HTML,
SVG, XML, scripts, PDF, archives, unknown bytes) is served as a download.
"""

from __future__ import annotations

import puremagic

HEAD_BYTES = 8192
"""How much of a file's start the sniffing looks at."""
OCTET_STREAM = "application/octet-stream"
TEXT = "text/plain; charset=utf-8"

INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "video/mp4",
        "video/webm",
        "video/ogg",
        "video/quicktime",
        "audio/mpeg",
        "audio/ogg",
        "audio/webm",
        "audio/wav",
        "audio/mp4",
        "audio/aac",
        "audio/flac",
        TEXT,
    }
)
"""Shown in the page (images, media) or as plain text; with `nosniff` and a sandboxing CSP."""


def sniff(head: bytes, filename: str) -> str:
    """The content type of a file whose first bytes are `head`."""
    try:
        matches = puremagic.magic_string(head) if head else []
    except puremagic.PureError:
        matches = []
    typed = [m for m in matches if m.mime_type]
    if typed:
        extension = filename.rpartition(".")[2].lower() if "." in filename else ""
        for match in typed:  # a zip named .docx is a document; the bytes allow both
            if extension and match.extension.lstrip(".").lower() == extension:
                return str(match.mime_type)
        return str(max(typed, key=lambda m: m.confidence).mime_type)
    if _is_text(head):
        return TEXT
    return OCTET_STREAM


def _is_text(head: bytes) -> bool:
    if b"\0" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may end in the middle of a character.
        return error.start >= len(head) - 3 and error.reason == "unexpected end of data"
    return True


def is_inline(content_type: str) -> bool:
    """Whether a browser may show the file in place rather than only download it."""
    return content_type in INLINE_TYPES


def is_image(content_type: str) -> bool:
    return content_type.startswith("image/") and content_type in INLINE_TYPES
