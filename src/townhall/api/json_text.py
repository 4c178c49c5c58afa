"""Text in JSON bodies must be Unicode: a lone surrogate (`"\\ud800"`) is refused with 50035.

JSON can spell a UTF-16 surrogate on its own as an escape; Python's parser turns it into a string
that no database, log or client can encode (SQLite raised UnicodeEncodeError, a 500). Rather than
guard every string field, this looks at every body once, before any route sees it, and names each
field that holds such text in Discord's error tree. Bodies without a surrogate escape, which is
nearly all of them, cost one byte search.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abAB]|\\u[dD][c-fC-F]")

INVALID_TEXT = {"code": "BASE_TYPE_INVALID", "message": "Text must be valid Unicode."}


def invalid_text_errors(body: bytes) -> dict[str, Any] | None:
    """Discord's `errors` tree for the fields of a JSON body whose text is not valid Unicode,
    or None when there are none (or the body is not JSON: the route reports that itself)."""
    if _SURROGATE_ESCAPE.search(body) is None:
        return None
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    tree: dict[str, Any] = {}
    _walk(parsed, [], tree)
    return tree or None


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(value: Any, path: list[str], tree: dict[str, Any]) -> None:
    if isinstance(value, str):
        if not _is_unicode(value):
            _mark(tree, path)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, [*path, str(index)], tree)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not _is_unicode(key):
                _mark(tree, path)
            else:
                _walk(item, [*path, key], tree)


def _mark(tree: dict[str, Any], path: list[str]) -> None:
    node = tree
    for part in path:
        node = node.setdefault(part, {})
    errors = node.setdefault("_errors", [])
    if INVALID_TEXT not in errors:
        errors.append(dict(INVALID_TEXT))
