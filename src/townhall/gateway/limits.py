"""What one gateway client may send, and how much it may make the server send to others.

Discord's rules where it has them: a payload from a client is at most 4096 bytes (else close 4002),
120 payloads per minute per connection (else 4008), bots set only an activity's `name`, `state`,
`type` and `url`, and rich presence updates at most 5 per 20 seconds. townhall adds bounded
activity text, a deadline to identify, and a cap on connections per client address, so that one
careless or hostile client can neither push other members' sockets past their buffer limit nor
hold the server's memory.

Everything here checks shapes and counts; it holds no business rules.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from websockets.frames import CloseCode
from websockets.server import ServerProtocol

from townhall.actions.voice import VoiceRequest
from townhall.gateway.protocol import Close, GatewayClose

MAX_CLIENT_PAYLOAD_BYTES = 4096
MAX_VOICE_PAYLOAD_BYTES = 64 * 1024
"""The voice gateway's (`/voice`): an SDP offer with video and several slots is about 8 KB."""
VOICE_PATH = "/voice"
"""Discord: "Event payloads ... must not exceed 4096 bytes", else close 4002."""

STATUSES = frozenset({"online", "idle", "dnd", "invisible"})
MAX_ACTIVITIES = 5
ACTIVITY_TEXT_MAX = 128
"""`name`, `state` and `details`: Discord's rich presence strings are at most 128 characters."""
ACTIVITY_URL_MAX = 512
ACTIVITY_TYPES = range(7)
PRESENCE_UPDATES, PRESENCE_WINDOW = 5, 20.0
"""Presence changes one user may make per window; more are coalesced into the last one."""

MAX_SNOWFLAKE = 2**63 - 1
MAX_MEMBER_REQUEST_IDS = 100
NONCE_MAX_BYTES = 32

Presence = tuple[str, tuple[dict[str, object], ...]]
"""(status as shown to others, activities)."""


class PayloadLimitedProtocol(ServerProtocol):
    """A WebSocket server protocol whose messages over the limit close with 4002, not 1009.

    The limit is checked on the frame header, before the payload is read (`max_size`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_size=MAX_CLIENT_PAYLOAD_BYTES, **kwargs)

    def fail(self, code: CloseCode | int, reason: str = "") -> None:
        if code == CloseCode.MESSAGE_TOO_BIG:
            code, reason = Close.DECODE_ERROR, "Payload too large"
        super().fail(code, reason)


def decode_error(reason: str) -> GatewayClose:
    return GatewayClose(Close.DECODE_ERROR, reason)


def _text(value: object, limit: int, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise decode_error(f"invalid activity {what}")
    return value


def activity(raw: object) -> dict[str, object]:
    """One activity as others will see it: Discord's settable fields, each bounded."""
    if not isinstance(raw, dict):
        raise decode_error("an activity must be an object")
    kind = raw.get("type", 0)
    if isinstance(kind, bool) or not isinstance(kind, int) or kind not in ACTIVITY_TYPES:
        raise decode_error("invalid activity type")
    name = _text(raw.get("name"), ACTIVITY_TEXT_MAX, "name")
    if name is None:
        raise decode_error("an activity needs a name")
    shown: dict[str, object] = {"name": name, "type": kind}
    for key, limit in (("state", ACTIVITY_TEXT_MAX), ("details", ACTIVITY_TEXT_MAX)):
        text = _text(raw.get(key), limit, key)
        if text is not None:
            shown[key] = text
    url = _text(raw.get("url"), ACTIVITY_URL_MAX, "url")
    if url is not None:
        shown["url"] = url
    return shown


def presence_update(data: object) -> Presence:
    """The `d` of op 3 (Update Presence), checked; malformed payloads close with 4002."""
    if not isinstance(data, dict):
        raise decode_error("presence must be an object")
    status = data.get("status", "online")
    if not isinstance(status, str) or status not in STATUSES:
        raise decode_error("invalid status")
    activities = data.get("activities")
    if activities is None:
        activities = []
    if not isinstance(activities, list) or len(activities) > MAX_ACTIVITIES:
        raise decode_error("invalid activities")
    since, afk = data.get("since"), data.get("afk", False)
    if since is not None and (isinstance(since, bool) or not isinstance(since, int | float)):
        raise decode_error("invalid since")
    if afk is not None and not isinstance(afk, bool):
        raise decode_error("invalid afk")
    return ("offline" if status == "invisible" else str(status)), tuple(
        activity(a) for a in activities
    )


def voice_state_update(data: object) -> VoiceRequest:
    """The `d` of op 4 (Voice State Update), checked; malformed payloads close with 4002."""
    if not isinstance(data, dict):
        raise decode_error("voice state must be an object")
    channel, guild = data.get("channel_id"), data.get("guild_id")
    flags = {}
    for name in ("self_mute", "self_deaf", "self_video"):
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise decode_error(f"invalid {name}")
        flags[name] = value
    return VoiceRequest(
        guild_id=None if guild is None else snowflake(guild),
        channel_id=None if channel is None else snowflake(channel),
        **flags,
    )


def snowflake(value: object) -> int:
    """An id from a client payload: a decimal string or an integer within 64-bit range."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise decode_error("invalid snowflake")
    if not 0 <= number <= MAX_SNOWFLAKE:
        raise decode_error("invalid snowflake")
    return number


def snowflakes(value: object, maximum: int = MAX_MEMBER_REQUEST_IDS) -> list[int]:
    """One id or a list of ids (Request Guild Members' `guild_id` and `user_ids`)."""
    values = value if isinstance(value, list) else [value]
    if len(values) > maximum:
        raise decode_error("too many ids")
    return [snowflake(v) for v in values]


def shard(value: object) -> tuple[int, int] | None:
    """IDENTIFY's `[shard_id, num_shards]`; anything else closes with 4010."""
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] < value[1] <= 2**16
    ):
        return value[0], value[1]
    raise GatewayClose(Close.INVALID_SHARD, "Invalid shard")


@dataclass
class _Window:
    """One user's recent presence changes and the change waiting for room in the window."""

    times: deque[float] = field(default_factory=deque)
    pending: Presence | None = None
    timer: asyncio.TimerHandle | None = None


ApplyPresence = Callable[[int, str, tuple[dict[str, object], ...]], None]


class PresenceGate:
    """At most PRESENCE_UPDATES presence changes per user per window (20 s) reach others.

    A change beyond that is not lost: the latest one waits and goes out when the window has room,
    so others always end on the user's real status, while a storm of updates costs every receiver
    a bounded number of frames. `still_online` says whether the user still has a session when a
    waiting change is due (a user who went offline meanwhile stays offline).
    """

    def __init__(
        self,
        apply: ApplyPresence,
        still_online: Callable[[int], bool],
        window: float = PRESENCE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.window = window
        self._apply = apply
        self._still_online = still_online
        self._clock = clock
        self._windows: dict[int, _Window] = {}

    def submit(self, user_id: int, presence: Presence) -> None:
        window = self._windows.setdefault(user_id, _Window())
        now = self._clock()
        self._expire(window, now)
        if window.pending is None and len(window.times) < PRESENCE_UPDATES:
            window.times.append(now)
            self._apply(user_id, *presence)
            return
        window.pending = presence
        if window.timer is None:
            delay = max(window.times[0] + self.window - now, 0.0)
            loop = asyncio.get_running_loop()
            window.timer = loop.call_later(delay, self._release, user_id)

    def _expire(self, window: _Window, now: float) -> None:
        while window.times and window.times[0] <= now - self.window:
            window.times.popleft()

    def _release(self, user_id: int) -> None:
        window = self._windows.get(user_id)
        if window is None:
            return
        window.timer = None
        presence, window.pending = window.pending, None
        if presence is None or not self._still_online(user_id):
            return
        window.times.append(self._clock())
        self._apply(user_id, *presence)


class AddressSlots:
    """Open gateway connections per client address, up to a cap."""

    def __init__(self, per_address: int) -> None:
        self.per_address = per_address
        self._open: Counter[str] = Counter()

    def take(self, address: str) -> bool:
        if self._open[address] >= self.per_address:
            return False
        self._open[address] += 1
        return True

    def give_back(self, address: str) -> None:
        self._open[address] -= 1
        if self._open[address] <= 0:
            del self._open[address]
