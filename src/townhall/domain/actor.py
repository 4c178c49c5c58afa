"""Who performs an action, from where, and why: the first argument of every action.

Actions take an `Actor` rather than a bare user so that audit logging, rate limits and (later)
guests are one decision each, not one per route. `reason` is the audit-log reason a client sent
(`X-Audit-Log-Reason`); nothing records it yet, and recording it will be one line per action.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from townhall.domain.models import User

REASON_MAX = 512
"""Discord's limit for `X-Audit-Log-Reason`, in characters, after URL-decoding."""

SYSTEM_USER = User(id=0, username="townhall", bot=True)
"""Stands for townhall itself in work nobody asked for (expiry, retention)."""


class ActorKind(enum.Enum):
    USER = "user"
    BOT = "bot"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    user: User
    address: str | None = None
    """The client's address (behind a trusted proxy: the address it forwarded)."""
    request_id: str | None = None
    reason: str | None = None

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def kind(self) -> ActorKind:
        if self.user is SYSTEM_USER:
            return ActorKind.SYSTEM
        return ActorKind.BOT if self.user.bot else ActorKind.USER

    @classmethod
    def of(cls, user: User) -> Actor:
        """An actor known only by its user (the gateway, the CLI, tests)."""
        return cls(user)

    @classmethod
    def system(cls, reason: str | None = None) -> Actor:
        return cls(SYSTEM_USER, reason=reason)
