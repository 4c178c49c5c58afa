"""Discord-style rate limits: per-route buckets and a global limit per caller, as pure ASGI.

A bucket is keyed by (the route's limit, its major parameter — channel_id, guild_id or webhook_id in
the path, as a number, so that `/channels/0042` counts as `/channels/42` —, the caller). The caller
is the user a valid token belongs to, or the client address for a request without a token or with a
token that is not valid (a random token must not buy a fresh bucket), and always the address for
sign-in and sign-up, so that guessing passwords costs the same with or without a token. A sign-up
that carries a usable invite code counts in a bucket of its own, per code and address, sized for a
school class registering behind one address (the invite's own `max_uses` bounds the rest). Every
response of a limited route carries Discord's `X-RateLimit-*` headers, so discord.py and discord.js
pace themselves before they are ever refused.

Windows are fixed: the first request opens a window of `per` seconds, `requests` fit in it. The
counts live in this process's memory: several nodes behind a load balancer each count on their own,
which lets a caller through up to once per node. Idle buckets are dropped as their windows end, and
the number kept per limit is capped, so memory stays bounded whatever callers send.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import NamedTuple

import orjson
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from townhall.actions import accounts
from townhall.actions import invites as invite_actions
from townhall.actions.services import Services
from townhall.api.body_limits import BODY_SCOPE_KEY
from townhall.config import Settings
from townhall.domain.errors import TownhallError
from townhall.domain.interactions import TOKEN_PREFIX as INTERACTION_TOKEN_PREFIX


@dataclass(frozen=True)
class Limit:
    """`requests` per `per` seconds; routes naming the same limit share its buckets."""

    name: str
    requests: int
    per: float
    per_ip: bool = False
    """Count by client address even when a token is sent (sign-in, sign-up)."""
    per_major: bool = False
    """Count by the major parameter alone, whoever calls (executing a webhook; an interaction's
    follow-ups by their token)."""


MESSAGE_CREATE = Limit("message-create", 5, 5.0)
MESSAGE_DELETE = Limit("message-delete", 5, 1.0)
WEBHOOK_EXECUTE = Limit("webhook-execute", 5, 2.0, per_major=True)
BULK_DELETE = Limit("message-bulk-delete", 1, 1.0)
REACTIONS = Limit("reactions", 1, 0.25)
TYPING = Limit("typing", 5, 5.0)
CHANNEL_EDIT = Limit("channel-edit", 10, 10.0)
SIGN_IN = Limit("sign-in", 5, 60.0, per_ip=True)
SIGN_UP = Limit("sign-up", 5, 60.0, per_ip=True)
INVITED_SIGN_UP = Limit("sign-up-invited", 40, 60.0, per_ip=True)
"""Sign-ups carrying a usable invite code, per code and address: a class of pupils at once."""
GUILD_CREATE = Limit("guild-create", 10, 60.0)
INVITE_ACCEPT = Limit("invite-accept", 10, 60.0)
GUEST_JOIN = Limit("guest-join", 20, 60.0, per_ip=True)
"""Guest accounts made by guest links, per address (each link's `max_uses` bounds the rest)."""
VISITOR_READS = Limit("visitor-reads", 40, 10.0, per_ip=True)
"""Reads without a token of public channels (api/routes/public.py), per address, all routes and
channels together: a visitor scrolling back is far below it, a scraper walking ids is not. Its
numbers are the settings `visitor_reads` and `visitor_reads_seconds` (these are their defaults)."""
VISITOR_ROUTES = frozenset(
    {
        ("GET", "/channels/{channel_id}"),
        ("GET", "/channels/{channel_id}/messages"),
        ("GET", "/channels/{channel_id}/messages/{message_id}"),
        ("GET", "/guilds/{guild_id}/preview"),
    }
)
DEFAULT_REQUESTS, DEFAULT_PER = 50, 1.0
"""Any route not in ROUTE_LIMITS gets a bucket of its own with this limit."""
GLOBAL = Limit("global", 50, 1.0)
"""Every request a caller makes, whatever the route (Discord's 50 per second)."""

_REACTION = "/channels/{channel_id}/messages/{message_id}/reactions"
ROUTE_LIMITS: dict[tuple[str, str], Limit] = {
    ("POST", "/channels/{channel_id}/messages"): MESSAGE_CREATE,
    ("DELETE", "/channels/{channel_id}/messages/{message_id}"): MESSAGE_DELETE,
    ("POST", "/channels/{channel_id}/messages/bulk-delete"): BULK_DELETE,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): WEBHOOK_EXECUTE,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}/slack"): WEBHOOK_EXECUTE,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}/github"): WEBHOOK_EXECUTE,
    ("PUT", _REACTION + "/{emoji}/@me"): REACTIONS,
    ("DELETE", _REACTION + "/{emoji}/@me"): REACTIONS,
    ("DELETE", _REACTION + "/{emoji}/{user_id}"): REACTIONS,
    ("DELETE", _REACTION + "/{emoji}"): REACTIONS,
    ("DELETE", _REACTION): REACTIONS,
    ("POST", "/channels/{channel_id}/typing"): TYPING,
    ("PATCH", "/channels/{channel_id}"): CHANNEL_EDIT,
    ("POST", "/auth/login"): SIGN_IN,
    ("POST", "/auth/register"): SIGN_UP,
    ("POST", "/guilds"): GUILD_CREATE,
    ("POST", "/invites/{code}"): INVITE_ACCEPT,
    ("POST", "/invites/{code}/guest"): GUEST_JOIN,
}
"""(method, route template below /api/v10) → its limit."""

MAJOR_PARAMETERS = ("channel_id", "guild_id", "webhook_id")
_ID_PARAMETER = re.compile(r"\{(\w+_id)\}")
_CONVERTOR = re.compile(r"\{(\w+):\w+\}")
MAX_BUCKETS_PER_LIMIT = 100_000
"""Past this many live buckets the oldest is forgotten (it fails open, never closed)."""


@dataclass(slots=True)
class _Window:
    ends: float
    used: int


class Verdict(NamedTuple):
    """What one request was told: let through or not, and the numbers for the headers."""

    allowed: bool
    limit: int
    remaining: int
    reset_after: float


class Counter:
    """Fixed-window counts for one limit; windows in insertion order, so expired ones are first."""

    def __init__(self, limit: Limit, scale: float, clock: Callable[[], float]) -> None:
        self.limit = limit
        self.requests = max(1, round(limit.requests * scale))
        self.per = limit.per
        self.clock = clock
        # OrderedDict, not dict: taking the first item of a dict whose front was deleted from
        # scans the deleted slots, and the front is exactly where this deletes.
        self.windows: OrderedDict[str, _Window] = OrderedDict()

    def hit(self, key: str) -> Verdict:
        now = self.clock()
        window = self.windows.get(key)
        if window is None:
            window = self.windows[key] = _Window(now + self.per, 0)
        elif window.ends <= now:
            # A new window goes to the end: the order stays the order of `ends`.
            window.ends, window.used = now + self.per, 0
            self.windows.move_to_end(key)
        self._evict(now)
        reset_after = window.ends - now
        if window.used >= self.requests:
            return Verdict(False, self.requests, 0, reset_after)
        window.used += 1
        return Verdict(True, self.requests, self.requests - window.used, reset_after)

    def _evict(self, now: float) -> None:
        windows = self.windows
        while windows:
            oldest = next(iter(windows))
            if windows[oldest].ends > now and len(windows) <= MAX_BUCKETS_PER_LIMIT:
                return
            windows.popitem(last=False)


@dataclass(frozen=True)
class _Candidate:
    """A documented route, for one method: how to match it and whose counts it uses."""

    regex: re.Pattern[str]
    major: str | None
    counter: Counter
    bucket: bytes
    """Its `X-RateLimit-Bucket` value."""
    visitor: bool = False
    """A route visitors read public channels with: without a token, `VISITOR_READS` counts too."""


def bucket_hash(name: str) -> bytes:
    """Opaque and stable across restarts and nodes; the same for every route sharing the limit."""
    return hashlib.sha256(f"townhall-bucket:{name}".encode()).hexdigest()[:32].encode()


class RateLimits:
    """The middleware. It learns the routes from the application's documented routes (those in
    the OpenAPI document): documented means limited. It reads the routes themselves, not the
    document, whose first build takes seconds and would hold up the first request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        settings: Settings,
        routes: Callable[[], Iterable[tuple[str, Iterable[str]]]],
        prefix: str = "/api/v10",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.prefix = prefix
        scale = settings.rate_limit_scale
        self.global_counter = Counter(GLOBAL, scale, clock)
        self.invited_sign_ups = Counter(INVITED_SIGN_UP, scale, clock)
        visitor_reads = replace(
            VISITOR_READS, requests=settings.visitor_reads, per=settings.visitor_reads_seconds
        )
        self.visitor_reads = Counter(visitor_reads, scale, clock)
        counters: dict[str, Counter] = {}
        # Candidates by (method, number of path segments): a request is matched against a handful
        # of regexes, not all of them. In document order, which is the router's order.
        self.candidates: dict[tuple[str, int], list[_Candidate]] = {}
        for raw, operations in routes():
            if not raw.startswith(prefix):
                continue
            path = _CONVERTOR.sub(r"{\1}", raw)
            template = path.removeprefix(prefix)
            # Ids are digits, also where a route does not say `{message_id:int}`:
            # `/messages/pins` must not be taken for `/messages/{message_id}`.
            regex, _format, convertors = compile_path(_ID_PARAMETER.sub(r"{\1:int}", path))
            major = next((p for p in MAJOR_PARAMETERS if p in convertors), None)
            for method in operations:
                verb = method.upper()
                limit = ROUTE_LIMITS.get((verb, template)) or Limit(
                    f"{verb} {template}", DEFAULT_REQUESTS, DEFAULT_PER
                )
                counter = counters.get(limit.name) or Counter(limit, scale, clock)
                counters[limit.name] = counter
                candidate = _Candidate(
                    regex,
                    major,
                    counter,
                    bucket_hash(limit.name),
                    visitor=(verb, template.replace(":int", "")) in VISITOR_ROUTES,
                )
                for each in ("GET", "HEAD") if verb == "GET" else (verb,):
                    key = (each, path.count("/"))
                    self.candidates.setdefault(key, []).append(candidate)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        caller = await _caller(scope)
        overall = self.global_counter.hit(caller)
        if not overall.allowed:
            await _refuse(send, overall, bucket=None)
            return
        found = self._route(scope["method"], scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        candidate, major = found
        counter, bucket = candidate.counter, candidate.bucket
        who = _client_ip(scope) if counter.limit.per_ip else caller
        if counter.limit.per_major:
            who = _follow_up_token(scope["path"]) or "*"
        if counter.limit is SIGN_UP and (code := await _usable_invite(scope)) is not None:
            counter, bucket, major = self.invited_sign_ups, _INVITED_BUCKET, code
        if candidate.visitor and caller.startswith("ip:"):
            visitor = self.visitor_reads.hit(caller)
            if not visitor.allowed:
                await _refuse(send, visitor, bucket=_VISITOR_BUCKET)
                return
        verdict = counter.hit(f"{major}|{who}")
        if not verdict.allowed:
            await _refuse(send, verdict, bucket=bucket)
            return
        headers = _headers(verdict, bucket)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _route(self, method: str, path: str) -> tuple[_Candidate, str] | None:
        """The route the router will pick for this method and path, and its major parameter."""
        for candidate in self.candidates.get((method, path.count("/")), ()):
            match = candidate.regex.match(path)
            if match is not None:
                major = match.group(candidate.major) if candidate.major else ""
                return candidate, major.lstrip("0") or "0" if major else ""
        return None


def _follow_up_token(path: str) -> str | None:
    """An interaction's token in `/webhooks/{application_id}/{token}`: follow-ups count per
    token, as on Discord; a webhook's own executes count per webhook, whoever sends them."""
    parts = path.split("/", 6)  # "", "api", "v10", "webhooks", id, token, …
    if len(parts) > 5 and parts[5].startswith(INTERACTION_TOKEN_PREFIX):
        return "token:" + hashlib.sha256(parts[5].encode()).hexdigest()[:32]
    return None


def _client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return f"ip:{client[0] if client else 'unknown'}"


def _services(scope: Scope) -> Services:
    services: Services = scope["app"].state.services
    return services


async def _caller(scope: Scope) -> str:
    """The user of a valid token, else the client address. The token is looked up as the route
    will look it up (from the node's cache, once known), so this costs a dictionary lookup."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, rest = value.partition(b" ")
            token = (
                rest.strip() if rest and scheme.lower() in (b"bot", b"bearer") else value.strip()
            )
            if token:
                text = token.decode("latin-1")
                user = await accounts.authenticate(_services(scope), text)
                if user is not None:
                    return f"user:{user.id}"
            break
    return _client_ip(scope)


_INVITED_BUCKET = bucket_hash(INVITED_SIGN_UP.name)
_VISITOR_BUCKET = bucket_hash(VISITOR_READS.name)


async def _usable_invite(scope: Scope) -> str | None:
    """The invite code a sign-up body carries, if that invite can still be used."""
    try:
        code = orjson.loads(scope.get(BODY_SCOPE_KEY, b"") or b"{}").get("invite")
    except (orjson.JSONDecodeError, AttributeError):
        return None
    if not isinstance(code, str) or not 0 < len(code) <= 32:
        return None
    try:
        await invite_actions.require_usable_invite(_services(scope), code)
    except TownhallError:
        return None
    return code


def _headers(verdict: Verdict, bucket: bytes) -> list[tuple[bytes, bytes]]:
    reset_after = max(verdict.reset_after, 0.001)
    return [
        (b"x-ratelimit-limit", str(verdict.limit).encode()),
        (b"x-ratelimit-remaining", str(verdict.remaining).encode()),
        (b"x-ratelimit-reset", f"{time.time() + reset_after:.3f}".encode()),
        (b"x-ratelimit-reset-after", f"{reset_after:.3f}".encode()),
        (b"x-ratelimit-bucket", bucket),
    ]


async def _refuse(send: Send, verdict: Verdict, *, bucket: bytes | None) -> None:
    """429 as Discord sends it. `bucket` None means the global limit was hit."""
    retry_after = round(max(verdict.reset_after, 0.001), 3)
    is_global = bucket is None
    body = orjson.dumps(
        {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
            "code": 0,
        }
    )
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(math.ceil(retry_after)).encode()),
        # discord.py treats a 429 without `Via` as a Cloudflare ban and gives up instead of waiting.
        (b"via", b"1.1 townhall"),
        (b"x-ratelimit-scope", b"global" if is_global else b"user"),
    ]
    if is_global:
        headers.append((b"x-ratelimit-global", b"true"))
    else:
        assert bucket is not None
        headers.extend(_headers(verdict, bucket))
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})
