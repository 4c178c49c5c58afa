"""The rules of voice channels: who may join, who is heard, who hears, who may show video.

Discord's model: CONNECT to join (a full channel also needs MOVE_MEMBERS), SPEAK to be heard,
STREAM for camera and screen share; server mute and deafen on the member outweigh everything; in
a stage channel only speakers (`suppress` false) are heard. The SFU gets the outcome as `Rights`.
Also here: the signed tokens of the voice gateway, and the TURN credentials it hands out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from townhall.domain import errors
from townhall.domain.models import Channel, ChannelType, Member, VoiceState
from townhall.domain.permissions import Permission, has

TOKEN_LIFETIME_SECONDS = 3600
"""A voice token opens the voice gateway within this time of being issued."""


def require_may_join(
    permissions: int, channel: Channel, occupants: int, *, already_inside: bool
) -> None:
    """Raise unless the member may connect to `channel` with `occupants` already in it."""
    if not channel.type.is_voice:
        raise errors.CannotExecuteOnChannelType()
    if not has(permissions, Permission.VIEW_CHANNEL | Permission.CONNECT):
        raise errors.MissingPermissions()
    full = channel.user_limit and occupants >= channel.user_limit
    if full and not already_inside and not has(permissions, Permission.MOVE_MEMBERS):
        raise errors.ChannelFull()


def suppressed_on_join(permissions: int, channel: Channel) -> bool:
    """Who joins a stage channel joins its audience, unless they may run the stage."""
    if channel.type is not ChannelType.GUILD_STAGE_VOICE:
        return False
    return not has(permissions, Permission.MUTE_MEMBERS)


@dataclass(frozen=True, slots=True)
class Rights:
    """What the SFU lets one participant do right now."""

    speak: bool
    video: bool
    hear: bool


def rights(permissions: int, member: Member | None, state: VoiceState) -> Rights:
    """`member` is None in a call (nobody server-mutes in a DM)."""
    muted = member is not None and member.mute
    deafened = member is not None and member.deaf
    return Rights(
        speak=has(permissions, Permission.SPEAK)
        and not muted
        and not state.self_mute
        and not state.suppress,
        video=has(permissions, Permission.STREAM) and not state.suppress,
        hear=not deafened and not state.self_deaf,
    )


@dataclass(frozen=True, slots=True)
class VoiceGrant:
    """What a voice token lets its holder do: connect this session to this channel."""

    user_id: int
    guild_id: int
    channel_id: int
    session_id: str


@dataclass(frozen=True, slots=True)
class VoiceTokens:
    """Voice tokens: `<expires hex>.<hmac>` over the grant, with a key every node shares, so the
    node that serves the voice gateway need not be the one that issued the token."""

    key: bytes

    def _mac(self, grant: VoiceGrant, expires: int) -> str:
        message = (
            f"{grant.user_id}:{grant.guild_id}:{grant.channel_id}:{grant.session_id}:{expires:x}"
        )
        return hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()

    def issue(self, grant: VoiceGrant, now: float) -> str:
        expires = int(now) + TOKEN_LIFETIME_SECONDS
        return f"{expires:x}.{self._mac(grant, expires)}"

    def valid(self, token: str, grant: VoiceGrant, now: float) -> bool:
        expires_hex, _, mac = token.partition(".")
        try:
            expires = int(expires_hex, 16)
        except ValueError:
            return False
        if now >= expires:
            return False
        return hmac.compare_digest(self._mac(grant, expires), mac)


def turn_credentials(secret: str, user_id: int, now: float, ttl_seconds: int) -> tuple[str, str]:
    """A TURN username and password for `user_id`, good for `ttl_seconds` from `now`.

    coturn's REST API convention (`use-auth-secret`, draft-uberti-behave-turn-rest): the username
    is `<expiry unix time>:<user id>` and the password `base64(HMAC-SHA1(secret, username))`, so
    coturn checks them with the shared `static-auth-secret` alone, without asking townhall, and
    refuses them once the expiry has passed.
    """
    username = f"{int(now) + ttl_seconds}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()
