"""Slack- and GitHub-shaped webhook bodies, turned into an execute body as Discord does.

`/slack` takes Slack's incoming-webhook JSON (`text`, `username`, `icon_url`, `attachments`);
`/github` takes GitHub's event deliveries, named by the `X-GitHub-Event` header: a push becomes
an embed like Discord's ("[repo:branch] N new commits"), other events post nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request

from townhall.domain import errors

GITHUB_NAME = "GitHub"
GITHUB_COLOR = 0x7289DA
COMMITS_SHOWN = 5
TITLE_MAX, DESCRIPTION_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX = 256, 4096, 256, 1024


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object; Slack clients may also send it form-encoded as `payload`."""
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raw = (parse_qs(raw.decode(errors="replace")).get("payload") or [""])[0].encode()
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise errors.InvalidFormBody.field("_", "Body must be JSON.", "BASE_TYPE_INVALID") from None
    if not isinstance(body, dict):
        raise errors.InvalidFormBody.field("_", "Body must be a JSON object.", "DICT_TYPE_CONVERT")
    return body


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str | int | float) or isinstance(value, bool) or value == "":
        return None
    return str(value)[:limit]


def _color(value: object) -> int | None:
    if isinstance(value, str) and value.startswith("#"):
        try:
            return int(value[1:], 16) & 0xFFFFFF
        except ValueError:
            return None
    return {"good": 0x2EB886, "warning": 0xDAA038, "danger": 0xA30200}.get(str(value))


def _slack_embed(a: dict[str, Any]) -> dict[str, Any]:
    embed: dict[str, Any] = {}
    if title := _text(a.get("title"), TITLE_MAX):
        embed["title"] = title
        if url := _text(a.get("title_link"), 2048):
            embed["url"] = url
    text = "\n".join(t for t in (_text(a.get("pretext"), 2000), _text(a.get("text"), 2000)) if t)
    if text:
        embed["description"] = text[:DESCRIPTION_MAX]
    if (color := _color(a.get("color"))) is not None:
        embed["color"] = color
    if name := _text(a.get("author_name"), 256):
        embed["author"] = {"name": name}
    fields = [
        {
            "name": _text(f.get("title"), FIELD_NAME_MAX) or "\u200b",
            "value": _text(f.get("value"), FIELD_VALUE_MAX) or "\u200b",
            "inline": bool(f.get("short")),
        }
        for f in _list(a.get("fields"))
        if isinstance(f, dict)
    ]
    if fields:
        embed["fields"] = fields[:25]
    if footer := _text(a.get("footer"), 2048):
        embed["footer"] = {"text": footer}
    if not embed and (fallback := _text(a.get("fallback"), DESCRIPTION_MAX)):
        embed["description"] = fallback
    return embed


def from_slack(body: dict[str, Any]) -> dict[str, Any]:
    """Slack's `text`, `username`, `icon_url` and `attachments` as an execute body."""
    embeds = [
        embed
        for a in _list(body.get("attachments"))
        if isinstance(a, dict) and (embed := _slack_embed(a))
    ]
    converted: dict[str, Any] = {"content": _text(body.get("text"), 2000) or ""}
    if username := _text(body.get("username"), 80):
        converted["username"] = username
    if icon := _text(body.get("icon_url"), 2048):
        converted["avatar_url"] = icon
    if embeds:
        converted["embeds"] = embeds[:10]
    return converted


def _first_line(message: object) -> str:
    return str(message).splitlines()[0] if isinstance(message, str) and message else ""


def _github_push(body: dict[str, Any]) -> dict[str, Any] | None:
    repo = _dict(body.get("repository"))
    commits = [c for c in _list(body.get("commits")) if isinstance(c, dict)]
    if not commits:
        return None  # a branch deleted or created without commits: Discord posts nothing
    branch = str(body.get("ref", "")).removeprefix("refs/heads/")
    count = len(commits)
    noun = "commit" if count == 1 else "commits"
    lines = []
    for commit in commits[:COMMITS_SHOWN]:
        sha = str(commit.get("id", ""))[:7]
        who = _dict(commit.get("author"))
        author = _text(who.get("username"), 100) or _text(who.get("name"), 100) or ""
        title = _first_line(commit.get("message"))[:50]
        lines.append(f"[`{sha}`]({_text(commit.get('url'), 2048) or ''}) {title} - {author}")
    sender = _dict(body.get("sender"))
    embed: dict[str, Any] = {
        "title": f"[{_text(repo.get('name'), 100) or ''}:{branch}] {count} new {noun}"[:TITLE_MAX],
        "description": "\n".join(lines)[:DESCRIPTION_MAX],
        "color": GITHUB_COLOR,
    }
    if isinstance(body.get("compare"), str):
        embed["url"] = body["compare"]
    if sender.get("login"):
        embed["author"] = {"name": str(sender["login"])}
        if isinstance(sender.get("html_url"), str):
            embed["author"]["url"] = sender["html_url"]
        if isinstance(sender.get("avatar_url"), str):
            embed["author"]["icon_url"] = sender["avatar_url"]
    return {"username": GITHUB_NAME, "embeds": [embed]}


def from_github(event: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """An execute body for a push; None (nothing to post) for `ping` and other events."""
    if event == "push":
        return _github_push(body)
    return None
