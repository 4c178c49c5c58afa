"""Who a message mentions: parsing `<@id>`, `<@!id>`, `<@&id>`, `@everyone`, `@here`, and the
`allowed_mentions` rules that decide which of those parsed mentions count.

Discord documents the rules under "Allowed Mentions Object" (resources/message.mdx): without
`allowed_mentions` every kind is parsed; `parse` and an explicit `users`/`roles` list for the same
kind are mutually exclusive; ids listed but absent from the content are ignored; @everyone and
@here need MENTION_EVERYONE; a role pings only when it is mentionable or the author has
MENTION_EVERYONE. This module decides; the caller supplies which users exist and which roles may be
pinged, so there is no I/O here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from townhall.domain.errors import InvalidFormBody

MAX_ALLOWED_IDS = 100
MENTION_TYPES = frozenset({"users", "roles", "everyone"})
_MAX_SNOWFLAKE = 2**63 - 1

_MENTION = re.compile(r"<@(!|&)?(\d{1,20})>|@(everyone|here)")


@dataclass(frozen=True, slots=True)
class ParsedMentions:
    """Everything the content mentions, in order of first appearance, without duplicates."""

    user_ids: tuple[int, ...] = ()
    role_ids: tuple[int, ...] = ()
    everyone: bool = False
    """@everyone or @here appears."""


@dataclass(frozen=True, slots=True)
class AllowedMentions:
    parse: frozenset[str] = MENTION_TYPES
    users: frozenset[int] = frozenset()
    roles: frozenset[int] = frozenset()
    replied_user: bool = True
    """Absent `allowed_mentions` pings the replied-to author, as Discord's clients do."""

    def allows_user(self, user_id: int) -> bool:
        return "users" in self.parse or user_id in self.users

    def allows_role(self, role_id: int) -> bool:
        return "roles" in self.parse or role_id in self.roles

    @property
    def allows_everyone(self) -> bool:
        return "everyone" in self.parse


DEFAULT_ALLOWED_MENTIONS = AllowedMentions()


@dataclass(frozen=True, slots=True)
class Mentions:
    """What the stored message records: the pinged users, roles and whether @everyone pinged."""

    user_ids: tuple[int, ...] = ()
    role_ids: tuple[int, ...] = ()
    everyone: bool = False


def parse_mentions(content: str) -> ParsedMentions:
    users: dict[int, None] = {}
    roles: dict[int, None] = {}
    everyone = False
    for match in _MENTION.finditer(content):
        kind, digits, word = match.groups()
        if word is not None:
            everyone = True
            continue
        snowflake = int(digits)
        if snowflake > _MAX_SNOWFLAKE:
            continue
        if kind == "&":
            roles[snowflake] = None
        else:
            users[snowflake] = None
    return ParsedMentions(tuple(users), tuple(roles), everyone)


def only_here(content: str) -> bool:
    """@here appears and @everyone does not: the ping is for those online (Discord's @here)."""
    words = {m.group(3) for m in _MENTION.finditer(content) if m.group(3) is not None}
    return words == {"here"}


def allowed_mentions(
    parse: Iterable[str] | None,
    users: Collection[int] | None,
    roles: Collection[int] | None,
    replied_user: bool | None,
) -> AllowedMentions:
    """Read the request's `allowed_mentions`; a missing `parse` means "only what is listed"."""
    kinds = frozenset(parse or ())
    unknown = sorted(kinds - MENTION_TYPES)
    if unknown:
        raise InvalidFormBody.field(
            "allowed_mentions.parse",
            f"Value must be one of {sorted(MENTION_TYPES)}.",
            "BASE_TYPE_CHOICES",
        )
    for name, listed in (("users", users), ("roles", roles)):
        if not listed:
            continue
        if name in kinds:
            raise InvalidFormBody.field(
                f"allowed_mentions.{name}",
                f'Cannot specify both "parse": ["{name}"] and a list of {name}.',
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
            )
        if len(listed) > MAX_ALLOWED_IDS:
            raise InvalidFormBody.field(
                f"allowed_mentions.{name}",
                f"Must be {MAX_ALLOWED_IDS} or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
    return AllowedMentions(
        parse=kinds,
        users=frozenset(users or ()),
        roles=frozenset(roles or ()),
        replied_user=bool(replied_user),
    )


def resolve_mentions(
    parsed: ParsedMentions,
    allowed: AllowedMentions,
    *,
    existing_user_ids: Collection[int],
    pingable_role_ids: Collection[int],
    may_mention_everyone: bool,
    replied_author_id: int | None = None,
) -> Mentions:
    """The mentions that count.

    `existing_user_ids`: the mentioned users that exist (in a guild: that are members).
    `pingable_role_ids`: roles of this guild that the author may ping (mentionable, or any role
    when the author has MENTION_EVERYONE); @everyone's own role id is never among them.
    `replied_author_id`: the author of the message replied to, if it still exists there.
    """
    user_ids = [
        uid for uid in parsed.user_ids if uid in existing_user_ids and allowed.allows_user(uid)
    ]
    if replied_author_id is not None and allowed.replied_user and replied_author_id not in user_ids:
        user_ids.append(replied_author_id)
    role_ids = tuple(
        rid for rid in parsed.role_ids if rid in pingable_role_ids and allowed.allows_role(rid)
    )
    everyone = parsed.everyone and allowed.allows_everyone and may_mention_everyone
    return Mentions(tuple(user_ids), role_ids, everyone)
