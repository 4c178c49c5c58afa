"""Rich embeds on messages: the shape Discord accepts from a sender, and its documented limits.

From "Embed Limits" (resources/message.mdx): title 256, description 4096, up to 25 fields (name 256,
value 1024), footer text 2048, author name 256, all of them together 6000, up to 10 embeds. What
a sender may not set (`type`, `provider`, `video`, image sizes and proxy urls) is dropped; the
type is always `rich`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from townhall.domain.errors import InvalidFormBody

MAX_EMBEDS = 10
MAX_TOTAL_CHARACTERS = 6000
MAX_FIELDS = 25
MAX_COLOR = 0xFFFFFF
_LIMITS = {"title": 256, "description": 4096}
_FIELD_LIMITS = {"name": 256, "value": 1024}
_URL_MAX = 2048

Embed = dict[str, object]


def _text(value: object, path: str, limit: int, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise InvalidFormBody.field(path, "This field is required", "BASE_TYPE_REQUIRED")
        return None
    if not isinstance(value, str):
        raise InvalidFormBody.field(
            path, "Could not interpret value as string.", "STRING_TYPE_CONVERT"
        )
    text = value.strip()
    if len(text) > limit:
        raise InvalidFormBody.field(
            path, f"Must be {limit} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    if required and not text:
        raise InvalidFormBody.field(path, "This field is required", "BASE_TYPE_REQUIRED")
    return text


def _url(value: object, path: str) -> str | None:
    url = _text(value, path, _URL_MAX)
    if url and not url.startswith(("http://", "https://", "attachment://")):
        raise InvalidFormBody.field(path, "Not a well formed URL.", "URL_TYPE_INVALID_URL")
    return url or None


def _mapping(value: object, path: str) -> Mapping[str, object] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidFormBody.field(path, "Must be an object.", "DICT_TYPE_CONVERT")
    return value


def _media(value: object, path: str) -> dict[str, object] | None:
    media = _mapping(value, path)
    if media is None:
        return None
    url = _url(media.get("url"), f"{path}.url")
    return {"url": url} if url else None


def _embed(raw: Mapping[str, object], path: str) -> tuple[Embed, int]:
    """One embed, cleaned, with its character count toward the 6000 total."""
    embed: Embed = {"type": "rich"}
    counted = 0
    for key, limit in _LIMITS.items():
        text = _text(raw.get(key), f"{path}.{key}", limit)
        if text:
            embed[key] = text
            counted += len(text)
    url = _url(raw.get("url"), f"{path}.url")
    if url:
        embed["url"] = url
    if raw.get("timestamp") is not None:
        embed["timestamp"] = _text(raw.get("timestamp"), f"{path}.timestamp", 64)
    color = raw.get("color")
    if color is not None:
        if isinstance(color, bool) or not isinstance(color, int) or not 0 <= color <= MAX_COLOR:
            raise InvalidFormBody.field(
                f"{path}.color",
                f"int value should be between 0 and {MAX_COLOR}.",
                "NUMBER_TYPE_MAX",
            )
        embed["color"] = color
    footer = _mapping(raw.get("footer"), f"{path}.footer")
    if footer is not None:
        text = _text(footer.get("text"), f"{path}.footer.text", 2048, required=True)
        embed["footer"] = {
            "text": text,
            "icon_url": _url(footer.get("icon_url"), f"{path}.footer.icon_url"),
        }
        counted += len(text or "")
    author = _mapping(raw.get("author"), f"{path}.author")
    if author is not None:
        name = _text(author.get("name"), f"{path}.author.name", 256, required=True)
        embed["author"] = {
            "name": name,
            "url": _url(author.get("url"), f"{path}.author.url"),
            "icon_url": _url(author.get("icon_url"), f"{path}.author.icon_url"),
        }
        counted += len(name or "")
    for key in ("image", "thumbnail"):
        media = _media(raw.get(key), f"{path}.{key}")
        if media:
            embed[key] = media
    fields, field_chars = _fields(raw.get("fields"), f"{path}.fields")
    if fields:
        embed["fields"] = fields
    return embed, counted + field_chars


def _fields(value: object, path: str) -> tuple[list[dict[str, object]], int]:
    if value is None:
        return [], 0
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise InvalidFormBody.field(path, "Must be an array.", "LIST_TYPE_CONVERT")
    if len(value) > MAX_FIELDS:
        raise InvalidFormBody.field(
            path, f"Must be {MAX_FIELDS} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    fields: list[dict[str, object]] = []
    counted = 0
    for index, item in enumerate(value):
        raw = _mapping(item, f"{path}.{index}") or {}
        name = _text(raw.get("name"), f"{path}.{index}.name", _FIELD_LIMITS["name"], required=True)
        text = _text(
            raw.get("value"), f"{path}.{index}.value", _FIELD_LIMITS["value"], required=True
        )
        fields.append({"name": name, "value": text, "inline": bool(raw.get("inline", False))})
        counted += len(name or "") + len(text or "")
    return fields, counted


def validate_embeds(raw: Sequence[Mapping[str, object]]) -> tuple[Embed, ...]:
    """The embeds to store, or 50035 naming the first field that breaks a limit."""
    if len(raw) > MAX_EMBEDS:
        raise InvalidFormBody.field(
            "embeds", f"Must be {MAX_EMBEDS} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    embeds: list[Embed] = []
    total = 0
    for index, item in enumerate(raw):
        embed, counted = _embed(item, f"embeds.{index}")
        embeds.append(embed)
        total += counted
    if total > MAX_TOTAL_CHARACTERS:
        raise InvalidFormBody.field(
            "embeds",
            f"Embed size exceeds maximum size of {MAX_TOTAL_CHARACTERS}",
            "MESSAGE_EMBED_SIZE_EXCEEDED",
        )
    return tuple(embeds)


def has_visible_content(embeds: Sequence[Embed]) -> bool:
    """An embed with nothing but a colour does not make a message non-empty."""
    return any(set(embed) - {"type", "color"} for embed in embeds)
