"""Discord-compatible permission arithmetic.

This is the single place where townhall decides what a member may do. HTTP handlers, gateway
fan-out (who may see which event) and the CLI all ask these functions, so the rules live in one
pure, exhaustively tested module instead of being re-derived ad hoc in each layer. It performs no
I/O: callers load the roles and overwrites, this module only combines them.

The bits and the order of evaluation follow Discord's documentation
(developers/topics/permissions.mdx in discord/discord-api-docs: "Bitwise Permission Flags",
"Permission Overwrites", "Implicit Permissions" and "Permissions For Timed Out Members").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import reduce
from operator import or_


class Permission(enum.IntFlag):
    """Every bit Discord documents, under Discord's names, so wire values round-trip unchanged.

    Bit 47 is absent on purpose: Discord does not document it.
    """

    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51
    BYPASS_SLOWMODE = 1 << 52


ALL_PERMISSIONS: int = reduce(or_, (int(flag) for flag in Permission), 0)

DEFAULT_EVERYONE_PERMISSIONS: int = int(
    Permission.CREATE_INSTANT_INVITE
    | Permission.ADD_REACTIONS
    | Permission.STREAM
    | Permission.VIEW_CHANNEL
    | Permission.SEND_MESSAGES
    | Permission.EMBED_LINKS
    | Permission.ATTACH_FILES
    | Permission.READ_MESSAGE_HISTORY
    | Permission.USE_EXTERNAL_EMOJIS
    | Permission.CONNECT
    | Permission.SPEAK
    | Permission.USE_VAD
    | Permission.CHANGE_NICKNAME
    | Permission.USE_APPLICATION_COMMANDS
    | Permission.REQUEST_TO_SPEAK
    | Permission.CREATE_PUBLIC_THREADS
    | Permission.CREATE_PRIVATE_THREADS
    | Permission.USE_EXTERNAL_STICKERS
    | Permission.SEND_MESSAGES_IN_THREADS
    | Permission.USE_EMBEDDED_ACTIVITIES
    | Permission.USE_SOUNDBOARD
    | Permission.CREATE_GUILD_EXPRESSIONS
    | Permission.CREATE_EVENTS
    | Permission.USE_EXTERNAL_SOUNDS
    | Permission.SEND_VOICE_MESSAGES
    | Permission.SET_VOICE_CHANNEL_STATUS
    | Permission.SEND_POLLS
    | Permission.USE_EXTERNAL_APPS
)
"""A new guild's @everyone permissions.

Discord's docs do not publish this value. It is what Discord's API returns for a new guild's
@everyone role (2248473465835073) with two changes: the undocumented bit 47 is dropped, and
MENTION_EVERYONE is left out on purpose, so that pinging the whole guild is something an owner
grants rather than something every newcomer can do. PIN_MESSAGES and BYPASS_SLOWMODE are not part
of Discord's default either.
"""

_ADMINISTRATOR = int(Permission.ADMINISTRATOR)
_VIEW_CHANNEL = int(Permission.VIEW_CHANNEL)
_SEND_MESSAGES = int(Permission.SEND_MESSAGES)
# Overwrites may grant anything but ADMINISTRATOR, which Discord only honours at guild level.
_GRANTABLE_BY_OVERWRITE = ALL_PERMISSIONS & ~_ADMINISTRATOR
# A timed-out member keeps only these (Discord: "Permissions For Timed Out Members").
_TIMED_OUT_KEEPS = int(Permission.VIEW_CHANNEL | Permission.READ_MESSAGE_HISTORY)
# Meaningless without SEND_MESSAGES (Discord: "Implicit Permissions").
_NEEDS_SEND_MESSAGES = int(
    Permission.MENTION_EVERYONE
    | Permission.SEND_TTS_MESSAGES
    | Permission.ATTACH_FILES
    | Permission.EMBED_LINKS
)


class OverwriteType(enum.IntEnum):
    ROLE = 0
    MEMBER = 1


@dataclass(frozen=True, slots=True)
class Overwrite:
    """A channel's allow/deny pair for one role (the guild id means @everyone) or one member."""

    id: int
    type: OverwriteType
    allow: int
    deny: int


@dataclass(frozen=True, slots=True)
class MemberContext:
    """Everything about one member that permission computation needs.

    role_permissions holds the member's roles other than @everyone, whose permissions come from
    everyone_permissions; an entry keyed by the guild id is ignored rather than counted twice.
    """

    guild_id: int
    owner_id: int
    user_id: int
    everyone_permissions: int
    role_permissions: Mapping[int, int]
    timed_out: bool = False


def _guild_permissions(member: MemberContext) -> int:
    """@everyone OR the member's roles, owner and ADMINISTRATOR expanded, before any timeout."""
    if member.user_id == member.owner_id:
        return ALL_PERMISSIONS
    permissions = member.everyone_permissions
    for role_id, role_permissions in member.role_permissions.items():
        if role_id != member.guild_id:
            permissions |= role_permissions
    if permissions & _ADMINISTRATOR:
        return ALL_PERMISSIONS
    return int(permissions & ALL_PERMISSIONS)


def base_permissions(member: MemberContext) -> int:
    """Guild-wide permissions, for actions that belong to no channel (kick, ban, manage guild).

    Owners and administrators get everything and are exempt from timeouts; anyone else who is
    timed out keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY.
    """
    permissions = _guild_permissions(member)
    if member.timed_out and permissions != ALL_PERMISSIONS:
        permissions &= _TIMED_OUT_KEEPS
    return permissions


def communication_disabled(member: MemberContext) -> bool:
    """Timed out, and neither owner nor administrator (who are exempt from timeouts).

    Discord's timeout prevents "sending or reacting to messages"; editing one's own message is
    sending new text, so it is refused too, though it needs no permission bit."""
    return member.timed_out and _guild_permissions(member) != ALL_PERMISSIONS


@dataclass(frozen=True, slots=True)
class OverwriteIndex:
    """A channel's overwrites by target, so that evaluating one member reads the @everyone entry,
    one per role the member has and their own, however many members the channel lists (a group
    with a thousand members is a thousand member overwrites: docs/communities.md)."""

    everyone: tuple[int, int]
    roles: Mapping[int, tuple[int, int]]
    members: Mapping[int, tuple[int, int]]

    @classmethod
    def of(cls, guild_id: int, overwrites: Iterable[Overwrite]) -> OverwriteIndex:
        everyone = (0, 0)
        roles: dict[int, tuple[int, int]] = {}
        members: dict[int, tuple[int, int]] = {}
        for o in overwrites:
            if o.type == OverwriteType.MEMBER:
                members[o.id] = _joined(members.get(o.id), o)
            elif o.id == guild_id:
                everyone = _joined(everyone, o)
            else:
                roles[o.id] = _joined(roles.get(o.id), o)
        return cls(everyone, roles, members)

    def without_members(self) -> tuple[tuple[int, int], Mapping[int, tuple[int, int]]]:
        """Everything but the member overwrites: equal for two versions of a channel when only
        who is listed in it changed."""
        return self.everyone, self.roles


def _joined(pair: tuple[int, int] | None, overwrite: Overwrite) -> tuple[int, int]:
    allow, deny = pair or (0, 0)
    return allow | overwrite.allow, deny | overwrite.deny


def channel_permissions(
    member: MemberContext,
    overwrites: Iterable[Overwrite] | OverwriteIndex,
    *,
    send: int = _SEND_MESSAGES,
) -> int:
    """What the member may do in one channel, in Discord's documented order.

    Owner or ADMINISTRATOR: everything, no overwrite applies. Otherwise the @everyone overwrite,
    then all of the member's role overwrites together (so one role's allow beats another role's
    deny), then the member's own overwrite; each step applies deny before allow. Then the implicit
    rules: a timeout keeps only VIEW_CHANNEL and READ_MESSAGE_HISTORY; without VIEW_CHANNEL
    nothing is left; without SEND_MESSAGES the member also loses MENTION_EVERYONE,
    SEND_TTS_MESSAGES, ATTACH_FILES and EMBED_LINKS.

    Overwrites for roles the member lacks, or for other members, are ignored. Overwrites can never
    grant ADMINISTRATOR (Discord only honours it at guild level), and bits Discord does not define
    are dropped. Use base_permissions for guild-wide actions: a channel the member cannot see
    yields 0 here, which says nothing about, say, KICK_MEMBERS.

    `send` is the bit the implicit rule reads as "may send": SEND_MESSAGES_IN_THREADS for a
    thread (`thread_permissions`).
    """
    permissions = _guild_permissions(member)
    if permissions == ALL_PERMISSIONS:
        return ALL_PERMISSIONS

    everyone_allow = everyone_deny = roles_allow = roles_deny = member_allow = member_deny = 0
    if isinstance(overwrites, OverwriteIndex):
        everyone_allow, everyone_deny = overwrites.everyone
        for role_id in member.role_permissions:
            if (pair := overwrites.roles.get(role_id)) is not None:
                roles_allow |= pair[0]
                roles_deny |= pair[1]
        member_allow, member_deny = overwrites.members.get(member.user_id, (0, 0))
        overwrites = ()
    for overwrite in overwrites:
        if overwrite.type == OverwriteType.MEMBER:
            if overwrite.id == member.user_id:
                member_allow |= overwrite.allow
                member_deny |= overwrite.deny
        elif overwrite.id == member.guild_id:
            everyone_allow |= overwrite.allow
            everyone_deny |= overwrite.deny
        elif overwrite.id in member.role_permissions:
            roles_allow |= overwrite.allow
            roles_deny |= overwrite.deny

    for allow, deny in (
        (everyone_allow, everyone_deny),
        (roles_allow, roles_deny),
        (member_allow, member_deny),
    ):
        permissions = (permissions & ~deny) | (allow & _GRANTABLE_BY_OVERWRITE)

    if member.timed_out:
        permissions &= _TIMED_OUT_KEEPS
    if not permissions & _VIEW_CHANNEL:
        return 0
    if not permissions & send:
        permissions &= ~_NEEDS_SEND_MESSAGES
    return int(permissions)


_SEND_IN_THREADS = int(Permission.SEND_MESSAGES_IN_THREADS)
_MANAGE_THREADS = int(Permission.MANAGE_THREADS)


def thread_permissions(
    member: MemberContext,
    parent_overwrites: Iterable[Overwrite] | OverwriteIndex,
    *,
    private: bool,
    joined: bool,
) -> int:
    """What the member may do in a thread: what they may do in its parent channel (a thread has
    no overwrites of its own), with two rules of Discord's (topics/threads.mdx "Permissions").

    SEND_MESSAGES has no effect in a thread: there it is SEND_MESSAGES_IN_THREADS, so the result
    shows SEND_MESSAGES exactly when the member holds SEND_MESSAGES_IN_THREADS in the parent (an
    announcement channel's readers may then comment in its threads). A private thread is seen by
    its members and by MANAGE_THREADS holders only (0 for anyone else).
    """
    permissions = channel_permissions(member, parent_overwrites, send=_SEND_IN_THREADS)
    if private and not joined and not permissions & _MANAGE_THREADS:
        return 0
    if permissions & _SEND_IN_THREADS:
        return int(permissions | _SEND_MESSAGES)
    return int(permissions & ~_SEND_MESSAGES)


def has(permissions: int, required: int) -> bool:
    """True when every bit of `required` is in `permissions` (an empty requirement always holds)."""
    return permissions & required == required


def missing(permissions: int, required: int) -> int:
    """The bits of `required` not in `permissions`, for error messages that name what is lacking."""
    return int(required & ~permissions)


def parse_permissions(value: str | int) -> int:
    """Read a permission bitfield from the wire: a decimal string (API v8+) or an int.

    Strict about shape, so that "-1", "0x10", " 8", "1e3" or a bool never become permissions by
    accident; lenient about content, so that bits a newer Discord client knows and we do not are
    dropped instead of rejected.
    """
    if isinstance(value, bool):
        raise ValueError("a permission bitfield must be an integer, not a boolean")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        if not (value.isascii() and value.isdigit()):
            raise ValueError(f"not a decimal permission bitfield: {value[:32]!r}")
        number = int(value)
    else:
        raise ValueError(f"not a permission bitfield: {type(value).__name__}")
    if number < 0:
        raise ValueError("a permission bitfield cannot be negative")
    return int(number & ALL_PERMISSIONS)


def role_position_allows(actor_highest: int, target_position: int, actor_is_owner: bool) -> bool:
    """Role hierarchy: nobody but the owner manages a role at or above their own highest role."""
    return actor_is_owner or actor_highest > target_position
