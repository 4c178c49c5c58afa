"""Tests for townhall.domain.permissions.

Hand-written cases pin each documented rule; hypothesis then checks the whole-mask implementation
against a second formulation written bit by bit (see `reference_channel_permissions`), which reads
Discord's rules as "for each permission, the highest-priority rule that speaks decides".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.domain.permissions import (
    ALL_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    MemberContext,
    Overwrite,
    OverwriteType,
    Permission,
    base_permissions,
    channel_permissions,
    has,
    missing,
    parse_permissions,
    role_position_allows,
)

P = Permission
T = TypeVar("T")
GUILD = 1_000
ME = 3_000
OTHER_USER = 3_001
THIRD_USER = 3_002
ROLE_A, ROLE_B, ROLE_C = 10, 11, 12

# Copied by hand from the "Bitwise Permission Flags" table of Discord's permissions page
# (discord/discord-api-docs, developers/topics/permissions.mdx): name -> shift.
DISCORD_TABLE: dict[str, int] = {
    "CREATE_INSTANT_INVITE": 0, "KICK_MEMBERS": 1, "BAN_MEMBERS": 2, "ADMINISTRATOR": 3,
    "MANAGE_CHANNELS": 4, "MANAGE_GUILD": 5, "ADD_REACTIONS": 6, "VIEW_AUDIT_LOG": 7,
    "PRIORITY_SPEAKER": 8, "STREAM": 9, "VIEW_CHANNEL": 10, "SEND_MESSAGES": 11,
    "SEND_TTS_MESSAGES": 12, "MANAGE_MESSAGES": 13, "EMBED_LINKS": 14, "ATTACH_FILES": 15,
    "READ_MESSAGE_HISTORY": 16, "MENTION_EVERYONE": 17, "USE_EXTERNAL_EMOJIS": 18,
    "VIEW_GUILD_INSIGHTS": 19, "CONNECT": 20, "SPEAK": 21, "MUTE_MEMBERS": 22,
    "DEAFEN_MEMBERS": 23, "MOVE_MEMBERS": 24, "USE_VAD": 25, "CHANGE_NICKNAME": 26,
    "MANAGE_NICKNAMES": 27, "MANAGE_ROLES": 28, "MANAGE_WEBHOOKS": 29,
    "MANAGE_GUILD_EXPRESSIONS": 30, "USE_APPLICATION_COMMANDS": 31, "REQUEST_TO_SPEAK": 32,
    "MANAGE_EVENTS": 33, "MANAGE_THREADS": 34, "CREATE_PUBLIC_THREADS": 35,
    "CREATE_PRIVATE_THREADS": 36, "USE_EXTERNAL_STICKERS": 37, "SEND_MESSAGES_IN_THREADS": 38,
    "USE_EMBEDDED_ACTIVITIES": 39, "MODERATE_MEMBERS": 40,
    "VIEW_CREATOR_MONETIZATION_ANALYTICS": 41, "USE_SOUNDBOARD": 42,
    "CREATE_GUILD_EXPRESSIONS": 43, "CREATE_EVENTS": 44, "USE_EXTERNAL_SOUNDS": 45,
    "SEND_VOICE_MESSAGES": 46, "SET_VOICE_CHANNEL_STATUS": 48, "SEND_POLLS": 49,
    "USE_EXTERNAL_APPS": 50, "PIN_MESSAGES": 51, "BYPASS_SLOWMODE": 52,
}  # fmt: skip

EVERYTHING = ALL_PERMISSIONS
TALK = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY
SEND_DEPENDANTS = P.MENTION_EVERYONE | P.SEND_TTS_MESSAGES | P.ATTACH_FILES | P.EMBED_LINKS


def member(
    everyone: int = TALK,
    roles: dict[int, int] | None = None,
    *,
    owner: bool = False,
    timed_out: bool = False,
) -> MemberContext:
    return MemberContext(
        guild_id=GUILD,
        owner_id=ME if owner else OTHER_USER,
        user_id=ME,
        everyone_permissions=int(everyone),
        role_permissions=roles or {},
        timed_out=timed_out,
    )


def everyone_ow(allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(GUILD, OverwriteType.ROLE, int(allow), int(deny))


def role_ow(role_id: int, allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(role_id, OverwriteType.ROLE, int(allow), int(deny))


def member_ow(user_id: int = ME, allow: int = 0, deny: int = 0) -> Overwrite:
    return Overwrite(user_id, OverwriteType.MEMBER, int(allow), int(deny))


# --- the bits ---------------------------------------------------------------------------------


def test_every_bit_in_discords_table_is_defined_with_discords_name_and_value() -> None:
    assert {flag.name: flag.value.bit_length() - 1 for flag in Permission} == DISCORD_TABLE
    assert P.PIN_MESSAGES == 1 << 51
    assert P.BYPASS_SLOWMODE == 1 << 52
    assert P.SET_VOICE_CHANNEL_STATUS == 1 << 48


def test_undocumented_bit_47_is_not_a_permission() -> None:
    assert not ALL_PERMISSIONS & (1 << 47)


def test_all_permissions_is_the_or_of_every_documented_bit() -> None:
    assert sum(1 << shift for shift in DISCORD_TABLE.values()) == ALL_PERMISSIONS
    assert type(ALL_PERMISSIONS) is int


def test_all_permissions_matches_discord_py() -> None:
    discord_permissions = pytest.importorskip("discord.permissions")
    assert discord_permissions.Permissions.all().value == ALL_PERMISSIONS


def test_default_everyone_permissions_is_discords_new_guild_value_minus_mention_everyone() -> None:
    discord_new_guild_everyone = 2248473465835073  # as returned by Discord's API for new guilds
    expected = discord_new_guild_everyone & ALL_PERMISSIONS & ~P.MENTION_EVERYONE
    assert expected == DEFAULT_EVERYONE_PERMISSIONS == 2107735977348673
    assert type(DEFAULT_EVERYONE_PERMISSIONS) is int


def test_default_everyone_permissions_let_a_newcomer_read_talk_and_join_voice() -> None:
    needed = TALK | P.ADD_REACTIONS | P.ATTACH_FILES | P.EMBED_LINKS | P.CONNECT | P.SPEAK
    assert has(DEFAULT_EVERYONE_PERMISSIONS, needed | P.SEND_MESSAGES_IN_THREADS | P.SEND_POLLS)


def test_default_everyone_permissions_grant_nothing_that_moderates_or_pings_everyone() -> None:
    privileged = (
        P.ADMINISTRATOR | P.KICK_MEMBERS | P.BAN_MEMBERS | P.MANAGE_CHANNELS | P.MANAGE_GUILD
        | P.MANAGE_MESSAGES | P.MANAGE_ROLES | P.MANAGE_WEBHOOKS | P.MANAGE_THREADS
        | P.MANAGE_NICKNAMES | P.MODERATE_MEMBERS | P.MENTION_EVERYONE | P.PIN_MESSAGES
        | P.BYPASS_SLOWMODE | P.SEND_TTS_MESSAGES | P.VIEW_AUDIT_LOG
    )  # fmt: skip
    assert not DEFAULT_EVERYONE_PERMISSIONS & privileged


# --- base permissions -------------------------------------------------------------------------


def test_base_permissions_are_everyone_ored_with_the_members_roles() -> None:
    m = member(P.VIEW_CHANNEL, {ROLE_A: P.KICK_MEMBERS, ROLE_B: P.SEND_MESSAGES})
    assert base_permissions(m) == P.VIEW_CHANNEL | P.KICK_MEMBERS | P.SEND_MESSAGES


def test_owner_has_every_permission_without_any_role() -> None:
    assert base_permissions(member(0, owner=True)) == EVERYTHING


def test_administrator_from_a_role_expands_to_every_permission() -> None:
    assert base_permissions(member(0, {ROLE_A: P.ADMINISTRATOR})) == EVERYTHING


def test_administrator_on_everyone_expands_to_every_permission() -> None:
    assert base_permissions(member(P.ADMINISTRATOR)) == EVERYTHING


def test_unknown_bits_in_role_permissions_are_dropped() -> None:
    assert base_permissions(member(P.VIEW_CHANNEL | (1 << 47) | (1 << 60))) == P.VIEW_CHANNEL


def test_timed_out_member_keeps_only_view_channel_and_read_history_guild_wide() -> None:
    m = member(TALK | P.KICK_MEMBERS, {ROLE_A: P.MODERATE_MEMBERS}, timed_out=True)
    assert base_permissions(m) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY


def test_timed_out_owner_and_administrator_keep_every_permission() -> None:
    assert base_permissions(member(0, owner=True, timed_out=True)) == EVERYTHING
    assert base_permissions(member(0, {ROLE_A: P.ADMINISTRATOR}, timed_out=True)) == EVERYTHING


# --- channel permissions: the order of overwrites ---------------------------------------------


def test_without_overwrites_channel_permissions_equal_base_permissions() -> None:
    m = member(TALK | P.ADD_REACTIONS, {ROLE_A: P.KICK_MEMBERS})
    assert channel_permissions(m, []) == base_permissions(m)


def test_everyone_overwrite_deny_removes_a_base_permission() -> None:
    got = channel_permissions(member(TALK | P.ADD_REACTIONS), [everyone_ow(deny=P.ADD_REACTIONS)])
    assert got == TALK


def test_everyone_overwrite_allow_adds_a_permission_the_base_lacks() -> None:
    got = channel_permissions(member(TALK), [everyone_ow(allow=P.PIN_MESSAGES)])
    assert got == TALK | P.PIN_MESSAGES


def test_an_overwrites_allow_beats_its_own_deny_for_the_same_bit() -> None:
    ow = everyone_ow(allow=P.ADD_REACTIONS, deny=P.ADD_REACTIONS)
    assert has(channel_permissions(member(TALK), [ow]), P.ADD_REACTIONS)
    ow = member_ow(allow=P.ADD_REACTIONS, deny=P.ADD_REACTIONS)
    assert has(channel_permissions(member(TALK), [ow]), P.ADD_REACTIONS)


def test_role_overwrite_allow_beats_everyone_overwrite_deny() -> None:
    m = member(TALK, {ROLE_A: 0})
    ows = [everyone_ow(deny=P.SEND_MESSAGES), role_ow(ROLE_A, allow=P.SEND_MESSAGES)]
    assert has(channel_permissions(m, ows), P.SEND_MESSAGES)


def test_role_overwrite_deny_beats_everyone_overwrite_allow() -> None:
    m = member(TALK, {ROLE_A: 0})
    ows = [everyone_ow(allow=P.ADD_REACTIONS), role_ow(ROLE_A, deny=P.ADD_REACTIONS)]
    assert not has(channel_permissions(m, ows), P.ADD_REACTIONS)


def test_role_overwrite_deny_beats_the_roles_own_guild_permission() -> None:
    m = member(TALK, {ROLE_A: P.MANAGE_MESSAGES})
    assert channel_permissions(m, [role_ow(ROLE_A, deny=P.MANAGE_MESSAGES)]) == TALK


def test_allow_of_one_role_beats_deny_of_another_role_for_the_same_bit() -> None:
    m = member(TALK, {ROLE_A: 0, ROLE_B: 0})
    for ows in (
        [role_ow(ROLE_A, deny=P.ATTACH_FILES), role_ow(ROLE_B, allow=P.ATTACH_FILES)],
        [role_ow(ROLE_B, allow=P.ATTACH_FILES), role_ow(ROLE_A, deny=P.ATTACH_FILES)],
    ):
        assert has(channel_permissions(m, ows), P.ATTACH_FILES)


def test_role_overwrites_deny_view_channel_but_another_role_allows_it() -> None:
    # Discord's own #coolstuff example: A denies VIEW_CHANNEL, B allows it, the user sees it.
    m = member(TALK, {ROLE_A: 0, ROLE_B: 0})
    ows = [role_ow(ROLE_A, deny=P.VIEW_CHANNEL), role_ow(ROLE_B, allow=P.VIEW_CHANNEL)]
    assert channel_permissions(m, ows) == TALK


def test_member_overwrite_allow_beats_role_overwrite_deny() -> None:
    m = member(TALK, {ROLE_A: 0})
    ows = [role_ow(ROLE_A, deny=P.SEND_MESSAGES), member_ow(allow=P.SEND_MESSAGES)]
    assert has(channel_permissions(m, ows), P.SEND_MESSAGES)


def test_member_overwrite_deny_beats_role_overwrite_allow() -> None:
    m = member(TALK, {ROLE_A: 0})
    ows = [role_ow(ROLE_A, allow=P.EMBED_LINKS), member_ow(deny=P.EMBED_LINKS)]
    assert not has(channel_permissions(m, ows), P.EMBED_LINKS)


def test_member_overwrite_deny_beats_everyone_overwrite_allow() -> None:
    ows = [everyone_ow(allow=P.ADD_REACTIONS), member_ow(deny=P.ADD_REACTIONS)]
    assert channel_permissions(member(TALK), ows) == TALK


def test_everyone_overwrite_is_applied_once_even_if_listed_as_one_of_the_members_roles() -> None:
    # Counted again as a role overwrite, the @everyone allow would beat ROLE_A's deny.
    m = member(TALK, {GUILD: TALK, ROLE_A: 0})
    ows = [everyone_ow(allow=P.ADD_REACTIONS), role_ow(ROLE_A, deny=P.ADD_REACTIONS)]
    assert channel_permissions(m, ows) == TALK


# --- owner and administrator ------------------------------------------------------------------


def test_owner_gets_everything_despite_deny_overwrites() -> None:
    ows = [everyone_ow(deny=EVERYTHING), member_ow(deny=EVERYTHING)]
    assert channel_permissions(member(0, owner=True), ows) == EVERYTHING


def test_owner_gets_everything_in_a_channel_while_timed_out() -> None:
    m = member(0, owner=True, timed_out=True)
    assert channel_permissions(m, [member_ow(deny=P.VIEW_CHANNEL)]) == EVERYTHING


def test_administrator_gets_everything_despite_deny_overwrites_at_every_level() -> None:
    m = member(0, {ROLE_A: P.ADMINISTRATOR})
    ows = [
        everyone_ow(deny=EVERYTHING),
        role_ow(ROLE_A, deny=EVERYTHING),
        member_ow(deny=EVERYTHING),
    ]
    assert channel_permissions(m, ows) == EVERYTHING


def test_administrator_via_a_role_denied_in_the_channel_still_gets_everything() -> None:
    m = member(TALK, {ROLE_A: P.ADMINISTRATOR})
    ows = [role_ow(ROLE_A, deny=P.ADMINISTRATOR | P.VIEW_CHANNEL)]
    assert channel_permissions(m, ows) == EVERYTHING


def test_timed_out_administrator_gets_everything_in_a_channel() -> None:
    m = member(0, {ROLE_A: P.ADMINISTRATOR}, timed_out=True)
    assert channel_permissions(m, [everyone_ow(deny=P.SEND_MESSAGES)]) == EVERYTHING


def test_an_overwrite_cannot_grant_administrator() -> None:
    got = channel_permissions(member(TALK), [member_ow(allow=P.ADMINISTRATOR)])
    assert got == TALK


# --- irrelevant overwrites --------------------------------------------------------------------


def test_overwrite_for_a_role_the_member_lacks_is_ignored() -> None:
    m = member(TALK, {ROLE_A: 0})
    ows = [role_ow(ROLE_B, deny=P.SEND_MESSAGES), role_ow(ROLE_C, allow=P.MANAGE_MESSAGES)]
    assert channel_permissions(m, ows) == TALK


def test_member_overwrite_for_another_user_is_ignored() -> None:
    ows = [member_ow(OTHER_USER, allow=P.MANAGE_MESSAGES, deny=P.VIEW_CHANNEL)]
    assert channel_permissions(member(TALK), ows) == TALK


def test_member_overwrite_whose_id_is_one_of_the_members_roles_is_not_a_role_overwrite() -> None:
    m = member(TALK, {ROLE_A: 0})
    assert channel_permissions(m, [member_ow(ROLE_A, deny=P.VIEW_CHANNEL)]) == TALK


def test_role_overwrite_whose_id_matches_the_members_user_id_is_not_a_member_overwrite() -> None:
    assert channel_permissions(member(TALK), [role_ow(ME, deny=P.VIEW_CHANNEL)]) == TALK


def test_member_overwrite_whose_id_is_the_guild_id_is_not_the_everyone_overwrite() -> None:
    assert channel_permissions(member(TALK), [member_ow(GUILD, deny=P.VIEW_CHANNEL)]) == TALK


def test_unknown_bits_in_overwrites_never_reach_the_result() -> None:
    got = channel_permissions(member(TALK), [everyone_ow(allow=(1 << 47) | (1 << 63))])
    assert got == TALK


# --- implicit permissions ---------------------------------------------------------------------


def test_without_view_channel_the_member_has_nothing_in_the_channel() -> None:
    m = member(P.SEND_MESSAGES | P.KICK_MEMBERS | P.MANAGE_MESSAGES)
    assert channel_permissions(m, []) == 0


def test_view_channel_denied_by_overwrite_leaves_nothing_even_with_other_allows() -> None:
    ows = [everyone_ow(allow=P.MANAGE_MESSAGES), member_ow(deny=P.VIEW_CHANNEL)]
    assert channel_permissions(member(TALK), ows) == 0


def test_without_send_messages_the_member_loses_mention_tts_attach_and_embed() -> None:
    m = member(P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS | SEND_DEPENDANTS)
    assert channel_permissions(m, []) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY | P.ADD_REACTIONS


def test_send_messages_denied_by_overwrite_also_strips_its_dependants() -> None:
    m = member(TALK | SEND_DEPENDANTS)
    got = channel_permissions(m, [everyone_ow(deny=P.SEND_MESSAGES)])
    assert got == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY


def test_with_send_messages_the_dependants_are_kept() -> None:
    assert channel_permissions(member(TALK | SEND_DEPENDANTS), []) == TALK | SEND_DEPENDANTS


def test_timed_out_member_keeps_only_view_channel_and_read_history_in_a_channel() -> None:
    m = member(TALK | SEND_DEPENDANTS | P.MANAGE_MESSAGES, timed_out=True)
    assert channel_permissions(m, []) == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY


def test_timed_out_member_cannot_regain_send_messages_through_an_allow_overwrite() -> None:
    m = member(TALK, timed_out=True)
    got = channel_permissions(m, [member_ow(allow=P.SEND_MESSAGES | P.ADD_REACTIONS)])
    assert got == P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY


def test_timed_out_member_without_view_channel_gets_nothing() -> None:
    m = member(P.READ_MESSAGE_HISTORY | P.SEND_MESSAGES, timed_out=True)
    assert channel_permissions(m, []) == 0
    m = member(TALK, timed_out=True)
    assert channel_permissions(m, [everyone_ow(deny=P.VIEW_CHANNEL)]) == 0


def test_timed_out_member_can_still_read_a_channel_opened_to_them_by_an_overwrite() -> None:
    m = member(P.READ_MESSAGE_HISTORY, timed_out=True)
    assert channel_permissions(m, [member_ow(allow=P.VIEW_CHANNEL)]) == (
        P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY
    )


def test_results_are_plain_ints_so_they_serialise_as_numbers() -> None:
    m = member(P.VIEW_CHANNEL, {ROLE_A: P.SEND_MESSAGES})
    results = [
        base_permissions(m),
        channel_permissions(m, [everyone_ow(allow=P.ADD_REACTIONS)]),
        missing(P.VIEW_CHANNEL, P.VIEW_CHANNEL | P.SEND_MESSAGES),
        parse_permissions(P.VIEW_CHANNEL),
    ]
    assert all(type(result) is int for result in results)


# --- has / missing ----------------------------------------------------------------------------


def test_has_requires_every_bit_of_the_requirement() -> None:
    assert has(TALK, P.VIEW_CHANNEL | P.SEND_MESSAGES)
    assert not has(TALK, P.VIEW_CHANNEL | P.MANAGE_MESSAGES)


def test_has_with_an_empty_requirement_is_always_true() -> None:
    assert has(0, 0)


def test_missing_names_only_the_absent_bits() -> None:
    assert missing(TALK, P.VIEW_CHANNEL | P.MANAGE_MESSAGES | P.KICK_MEMBERS) == (
        P.MANAGE_MESSAGES | P.KICK_MEMBERS
    )
    assert missing(TALK, TALK) == 0


# --- parse_permissions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("0", 0),
        (0, 0),
        ("8", int(P.ADMINISTRATOR)),
        ("007", 7),
        (str(ALL_PERMISSIONS), ALL_PERMISSIONS),
        (str((1 << 60) | (1 << 47) | 8), 8),
        (2**200 - 1, ALL_PERMISSIONS),
        ("9" * 1000, int("9" * 1000) & ALL_PERMISSIONS),
        (P.VIEW_CHANNEL, 1024),
    ],
)
def test_parse_permissions_accepts_decimal_strings_and_ints_and_masks_unknown_bits(
    wire: str | int, expected: int
) -> None:
    assert parse_permissions(wire) == expected


@pytest.mark.parametrize(
    "wire",
    ["-1", -1, "", " 8", "8 ", "+8", "0x10", "1e3", "1.0", "abc", "1_000", "\u0663", "\u00b2",
     True, False, None, 1.0, [8]],
)  # fmt: skip
def test_parse_permissions_rejects_anything_but_a_non_negative_integer(wire: object) -> None:
    with pytest.raises(ValueError):
        parse_permissions(wire)  # type: ignore[arg-type]


# --- role hierarchy ---------------------------------------------------------------------------


def test_owner_manages_any_role_even_above_their_own_highest() -> None:
    assert role_position_allows(actor_highest=0, target_position=50, actor_is_owner=True)


def test_member_manages_a_role_strictly_below_their_highest() -> None:
    assert role_position_allows(actor_highest=5, target_position=4, actor_is_owner=False)


def test_member_cannot_manage_a_role_at_their_own_highest_position() -> None:
    assert not role_position_allows(actor_highest=5, target_position=5, actor_is_owner=False)


def test_member_cannot_manage_a_role_above_their_highest() -> None:
    assert not role_position_allows(actor_highest=5, target_position=6, actor_is_owner=False)


# --- the second formulation -------------------------------------------------------------------


@dataclass(frozen=True)
class Guild:
    """A random guild seen from one member (ME), described without townhall's types."""

    everyone: int
    roles: dict[int, int]  # every role of the guild, the member's or not
    member_roles: frozenset[int]
    owner_id: int
    timed_out: bool
    overwrites: tuple[Overwrite, ...]

    def context(self) -> MemberContext:
        mine = {role_id: self.roles[role_id] for role_id in self.member_roles}
        return MemberContext(GUILD, self.owner_id, ME, self.everyone, mine, self.timed_out)


def _bit(mask: int, shift: int) -> bool:
    return (mask >> shift) & 1 == 1


EVERY_SHIFT = sorted(DISCORD_TABLE.values())


def _guild_sources(g: Guild) -> list[int]:
    return [g.everyone, *(g.roles[role_id] for role_id in g.member_roles)]


def _is_owner_or_administrator(g: Guild) -> bool:
    admin = DISCORD_TABLE["ADMINISTRATOR"]
    return g.owner_id == ME or any(_bit(source, admin) for source in _guild_sources(g))


def reference_base_permissions(g: Guild) -> int:
    if _is_owner_or_administrator(g):
        return sum(1 << shift for shift in EVERY_SHIFT)
    held = {shift for shift in EVERY_SHIFT if any(_bit(s, shift) for s in _guild_sources(g))}
    if g.timed_out:
        held &= {DISCORD_TABLE["VIEW_CHANNEL"], DISCORD_TABLE["READ_MESSAGE_HISTORY"]}
    return sum(1 << shift for shift in held)


def reference_channel_permissions(g: Guild) -> int:
    """Per permission, the first rule that speaks decides, from most to least specific."""
    if _is_owner_or_administrator(g):
        return sum(1 << shift for shift in EVERY_SHIFT)
    mine = [o for o in g.overwrites if o.type == OverwriteType.MEMBER and o.id == ME]
    my_roles = [o for o in g.overwrites if o.type == OverwriteType.ROLE and o.id in g.member_roles]
    everyone = [o for o in g.overwrites if o.type == OverwriteType.ROLE and o.id == GUILD]
    held: set[str] = set()
    for name, shift in DISCORD_TABLE.items():
        rules: Sequence[tuple[bool, bool]] = [  # (speaks, verdict)
            (any(_bit(o.allow, shift) for o in mine), True),
            (any(_bit(o.deny, shift) for o in mine), False),
            (any(_bit(o.allow, shift) for o in my_roles), True),
            (any(_bit(o.deny, shift) for o in my_roles), False),
            (any(_bit(o.allow, shift) for o in everyone), True),
            (any(_bit(o.deny, shift) for o in everyone), False),
            (True, any(_bit(source, shift) for source in _guild_sources(g))),
        ]
        verdict = next(v for speaks, v in rules if speaks)
        if verdict and name != "ADMINISTRATOR":  # a channel never makes anyone an administrator
            held.add(name)
    if g.timed_out:
        held &= {"VIEW_CHANNEL", "READ_MESSAGE_HISTORY"}
    if "VIEW_CHANNEL" not in held:
        return 0
    if "SEND_MESSAGES" not in held:
        held -= {"MENTION_EVERYONE", "SEND_TTS_MESSAGES", "ATTACH_FILES", "EMBED_LINKS"}
    return sum(1 << DISCORD_TABLE[name] for name in held)


# Bits whose interplay the rules care about; masks limited to them hit the edge cases often.
_INTERESTING = int(TALK | SEND_DEPENDANTS | P.ADD_REACTIONS | P.PIN_MESSAGES | P.ADMINISTRATOR)
ROLE_IDS = [ROLE_A, ROLE_B, ROLE_C, 13, 14]
TARGETS = [
    (GUILD, OverwriteType.ROLE),
    *((role_id, OverwriteType.ROLE) for role_id in ROLE_IDS),
    *((user_id, OverwriteType.MEMBER) for user_id in (ME, OTHER_USER, THIRD_USER)),
    # Ids of the wrong type, which must match nothing: townhall's snowflakes never collide, but
    # the rules should not depend on it.
    (ME, OverwriteType.ROLE),
    (ROLE_A, OverwriteType.MEMBER),
    (GUILD, OverwriteType.MEMBER),
]
_MASK_BYTES = 9
_GUILD_BYTES = 8 + _MASK_BYTES * (1 + len(ROLE_IDS) + 2 * len(TARGETS))


def _mask(raw: bytes) -> int:
    """First byte: the shape (empty, only the interesting bits, anything). The rest: the bits."""
    shape, bits = raw[0] % 4, int.from_bytes(raw[1:], "little")
    return 0 if shape == 0 else bits & _INTERESTING if shape == 1 else bits


def _pick(items: Sequence[T], bitmask: int) -> list[T]:
    return [item for k, item in enumerate(items) if (bitmask >> k) & 1]


def guild_from_bytes(raw: bytes, order: Sequence[int]) -> Guild:
    """Every choice comes from one byte string: one cheap draw that shrinks towards all zeros,
    i.e. towards a guild with no roles, no overwrites and no permissions. (st.integers would be
    no good for the masks: hypothesis skews big integers towards a few low bits, leaving
    VIEW_CHANNEL and every newer permission unset nearly every time.)"""
    masks = [_mask(raw[k : k + _MASK_BYTES]) for k in range(8, len(raw), _MASK_BYTES)]
    role_ids = ROLE_IDS[: raw[0] % 6]
    roles = {role_id: masks[1 + k] & ~int(P.ADMINISTRATOR) for k, role_id in enumerate(role_ids)}
    if raw[1] % 40 < len(role_ids):  # about one guild in eight has an administrator role
        roles[role_ids[raw[1] % 40]] |= int(P.ADMINISTRATOR)
    targets = _pick(TARGETS, int.from_bytes(raw[2:4], "little"))
    overwrite_masks = masks[1 + len(ROLE_IDS) :]
    overwrites = [
        Overwrite(target_id, kind, overwrite_masks[2 * k], overwrite_masks[2 * k + 1])
        for k, (target_id, kind) in enumerate(targets)
    ]
    return Guild(
        everyone=masks[0] & ~int(P.ADMINISTRATOR),
        roles=roles,
        member_roles=frozenset(_pick(role_ids, raw[4])),
        owner_id=ME if raw[5] % 8 == 7 else OTHER_USER,
        timed_out=raw[6] % 2 == 1,
        overwrites=tuple(overwrites[k] for k in order if k < len(overwrites)),
    )


def guilds() -> st.SearchStrategy[Guild]:
    return st.builds(
        guild_from_bytes,
        st.binary(min_size=_GUILD_BYTES, max_size=_GUILD_BYTES),
        st.permutations(range(len(TARGETS))),
    )


any_masks = st.binary(min_size=8, max_size=8).map(lambda raw: int.from_bytes(raw, "little"))
overwrite_masks = st.binary(min_size=_MASK_BYTES, max_size=_MASK_BYTES).map(_mask)


def with_extra(g: Guild, target: tuple[int, OverwriteType], allow: int, deny: int) -> Guild:
    """The same guild with `allow`/`deny` added to `target`'s overwrite (created if absent)."""
    found = [o for o in g.overwrites if (o.id, o.type) == target]
    others = tuple(o for o in g.overwrites if (o.id, o.type) != target)
    old = found[0] if found else Overwrite(target[0], target[1], 0, 0)
    new = replace(old, allow=old.allow | allow, deny=old.deny | deny)
    return replace(g, overwrites=(*others, new))


def examples(n: int) -> settings:
    return settings(database=None, max_examples=n)


@examples(200)
@given(guilds())
def test_permissions_agree_with_a_bit_by_bit_reading_of_discords_rules(g: Guild) -> None:
    assert base_permissions(g.context()) == reference_base_permissions(g)
    assert channel_permissions(g.context(), g.overwrites) == reference_channel_permissions(g)


@examples(60)
@given(guilds())
def test_channel_permissions_never_leave_the_documented_bits(g: Guild) -> None:
    result = channel_permissions(g.context(), g.overwrites)
    assert result & ~ALL_PERMISSIONS == 0
    assert result == 0 or has(result, P.VIEW_CHANNEL)


@examples(60)
@given(guilds(), st.sampled_from(TARGETS), overwrite_masks)
def test_adding_an_allow_overwrite_never_removes_a_permission(
    g: Guild, target: tuple[int, OverwriteType], allow: int
) -> None:
    before = channel_permissions(g.context(), g.overwrites)
    after = channel_permissions(g.context(), with_extra(g, target, allow, 0).overwrites)
    assert missing(after, before) == 0


@examples(60)
@given(guilds(), st.sampled_from(TARGETS), overwrite_masks)
def test_adding_a_deny_overwrite_never_adds_a_permission(
    g: Guild, target: tuple[int, OverwriteType], deny: int
) -> None:
    before = channel_permissions(g.context(), g.overwrites)
    after = channel_permissions(g.context(), with_extra(g, target, 0, deny).overwrites)
    assert missing(before, after) == 0


@examples(60)
@given(guilds())
def test_deny_only_overwrites_never_exceed_base_permissions(g: Guild) -> None:
    denies = [replace(o, allow=0) for o in g.overwrites]
    assert missing(base_permissions(g.context()), channel_permissions(g.context(), denies)) == 0


@examples(60)
@given(guilds())
def test_the_order_of_overwrites_does_not_matter(g: Guild) -> None:
    forward = channel_permissions(g.context(), g.overwrites)
    assert channel_permissions(g.context(), reversed(g.overwrites)) == forward


@examples(100)
@given(any_masks, any_masks)
def test_missing_is_empty_exactly_when_has_holds(permissions: int, required: int) -> None:
    gap = missing(permissions, required)
    assert (gap == 0) == has(permissions, required)
    assert gap & permissions == 0
    assert gap | (required & permissions) == required


@examples(100)
@given(st.integers(min_value=0, max_value=2**80))
def test_parse_permissions_reads_ints_and_their_decimal_strings_alike(value: int) -> None:
    assert parse_permissions(value) == parse_permissions(str(value)) == value & ALL_PERMISSIONS


@examples(100)
@given(st.integers(-100, 100), st.integers(-100, 100))
def test_two_non_owners_never_both_outrank_each_other(a: int, b: int) -> None:
    assert not (role_position_allows(a, b, False) and role_position_allows(b, a, False))
    assert role_position_allows(a, b, False) == (a > b)
    assert role_position_allows(a, b, True)
