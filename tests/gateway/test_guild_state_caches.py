"""The node's answers to "who sees this channel" stay true while they are updated piecemeal.

`GuildState` keeps, per member, the channels they see and, per channel, the members who see it,
and changes only the entries an event can change (a member overwrite added to a group touches
that member alone). Any sequence of role, channel and member changes must leave both caches equal
to what the permission engine says from scratch.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from townhall.domain.permissions import Permission, channel_permissions
from townhall.gateway.guild_state import GuildState

GUILD, OWNER = 1, 2
USERS = [10, 11, 12, 13, 14]
ROLES = [100, 101]
CHANNELS = [1000, 1001, 1002]
VIEW = int(Permission.VIEW_CHANNEL)

bits = st.sampled_from(
    [0, VIEW, int(Permission.SEND_MESSAGES), VIEW | int(Permission.MANAGE_ROLES)]
)
overwrite = st.one_of(
    st.builds(lambda t, a, d: (0, t, a, d), st.sampled_from([GUILD, *ROLES]), bits, bits),
    st.builds(lambda t, a, d: (1, t, a, d), st.sampled_from(USERS), bits, bits),
)
operation = st.one_of(
    st.tuples(st.just("channel"), st.sampled_from(CHANNELS), st.lists(overwrite, max_size=5)),
    st.tuples(st.just("remove_channel"), st.sampled_from(CHANNELS)),
    st.tuples(st.just("role"), st.sampled_from([GUILD, *ROLES]), bits),
    st.tuples(st.just("member"), st.sampled_from(USERS), st.sets(st.sampled_from(ROLES))),
    st.tuples(st.just("remove_member"), st.sampled_from(USERS)),
)


def _role(role_id: int, permissions: int) -> dict[str, Any]:
    return {"id": str(role_id), "permissions": str(permissions), "position": 0}


def _channel(channel_id: int, overwrites: list[tuple[int, int, int, int]]) -> dict[str, Any]:
    unique = {(kind, target): (kind, target, a, d) for kind, target, a, d in overwrites}
    return {
        "id": str(channel_id),
        "type": 0,
        "permission_overwrites": [
            {"id": str(t), "type": kind, "allow": str(a), "deny": str(d)}
            for kind, t, a, d in unique.values()
        ],
    }


def _member(user_id: int, roles: set[int]) -> dict[str, Any]:
    return {"user": {"id": str(user_id)}, "roles": [str(r) for r in sorted(roles)], "joined_at": ""}


def _fresh_state() -> GuildState:
    state = GuildState(GUILD, OWNER, 0, {})
    roles = [_role(GUILD, VIEW), *(_role(r, 0) for r in ROLES)]
    state.set_guild({"id": str(GUILD), "owner_id": str(OWNER), "roles": roles})
    for user_id in USERS:
        state.put_member(_member(user_id, set()))
    for channel_id in CHANNELS:
        state.put_channel(_channel(channel_id, []))
    return state


def _apply(state: GuildState, op: tuple[Any, ...]) -> None:
    match op:
        case ("channel", channel_id, overwrites):
            state.put_channel(_channel(channel_id, overwrites))
        case ("remove_channel", channel_id):
            state.remove_channel(channel_id)
        case ("role", role_id, permissions):
            state.put_role(_role(role_id, permissions))
        case ("member", user_id, roles):
            state.put_member(_member(user_id, roles))
        case ("remove_member", user_id):
            state.remove_member(user_id)


def _truth(state: GuildState, user_id: int, channel_id: int) -> bool:
    """From scratch: the overwrites as a list (not the index the state keeps), no cache."""
    entry = state.channels.get(channel_id)
    if entry is None or user_id not in state.members:
        return False
    return bool(channel_permissions(state._context(user_id), entry.overwrites) & VIEW)


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, max_size=25), st.lists(st.booleans(), min_size=25, max_size=25))
def test_viewers_and_visible_channels_match_the_permission_engine(
    ops: list[tuple[Any, ...]], warm: list[bool]
) -> None:
    state = _fresh_state()
    for step, op in enumerate(ops):
        if warm[step]:  # some caches filled before a change, some not: both paths are taken
            for channel_id in CHANNELS:
                state.viewers(channel_id)
            for user_id in USERS:
                state.visible_channels(user_id)
        _apply(state, op)
        for channel_id in CHANNELS:
            expected = {u for u in USERS if _truth(state, u, channel_id)}
            assert state.viewers(channel_id) == expected, (step, op, channel_id)
        for user_id in USERS:
            expected_channels = {c for c in CHANNELS if _truth(state, user_id, c)}
            assert state.visible_channels(user_id) == expected_channels, (step, op, user_id)
