"""Group channels on the gateway: each ordinary member gets the group as they see it.

A group lists its members as member overwrites (domain/groups.py). Sending that list to every
member on every join would cost the square of the group's size, so a member who neither manages
the group nor is a bot receives the role overwrites and their own only
(`ChannelEntry.seen_by_member`), and hears of a change only when their view of it changed. The
group's managers and bots receive the whole channel, as Discord sends it.

Those who do not see a group still browse it in the community's directory (`GET …/groups`).
They hear of a group that appears, changes its name, topic or join policy, or goes, as
townhall's GROUP_LISTING_CREATE, GROUP_LISTING_UPDATE and GROUP_LISTING_DELETE: the directory's
entry without what is personal (`joined`, `admin`, `requested`), one encoding for every member
but guests (who may not browse the directory), made here from the CHANNEL_* event that changed
the group. A join changes only `member_count` and sends none of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from townhall.domain import groups
from townhall.domain.guests import is_guest
from townhall.gateway.guild_state import ChannelEntry, GuildState
from townhall.gateway.session import Session, dispatch_head
from townhall.wire.intents import Intent

Json = Mapping[str, Any]
_NOT_THEIR_VIEW = frozenset({"permission_overwrites", "member_count"})
"""Left out when comparing two versions of an ordinary member's view: the overwrites are compared
on their own, and the count is the directory's to tell (it changes with every join)."""


_LISTED = ("name", "topic", "group_join_policy")
"""What of a group the directory shows the same to everyone (`member_count` aside)."""


def is_group_channel(channel: Json | None) -> bool:
    return channel is not None and groups.is_group(int(channel.get("flags") or 0))


def sees_whole(state: GuildState, session: Session, channel_id: int) -> bool:
    permissions = state.permissions_in(session.user.id, channel_id)
    return groups.sees_whole(permissions, bot=session.user.bot)


def view_for(state: GuildState, session: Session, entry: ChannelEntry) -> Json:
    """The channel as this session receives it."""
    channel = entry.payload
    if not is_group_channel(channel) or sees_whole(state, session, int(channel["id"])):
        return channel
    return entry.seen_by_member(session.user.id)


def send(sessions: Iterable[Session], event_type: str, channel: Json) -> None:
    """One channel event to each session, encoded once for all of them."""
    head: bytes | None = None
    for session in sessions:
        if not session.intents & Intent.GUILDS:
            continue
        if head is None:
            head = dispatch_head(event_type, orjson.dumps(channel))
        session.dispatch(head)


def _shared(entry: ChannelEntry) -> tuple[dict[str, Any], list[Json]]:
    fields = {k: v for k, v in entry.payload.items() if k not in _NOT_THEIR_VIEW}
    return fields, entry.parts()[0]


def fan_out_update(
    state: GuildState,
    before: ChannelEntry | None,
    after: ChannelEntry,
    could_see: set[Session],
    whole_before: set[Session],
    can_see: list[Session],
) -> None:
    """CHANNEL_UPDATE of a group: the whole channel once to its managers and bots; to each
    ordinary member whose view changed, that view (CHANNEL_CREATE to who now sees the group,
    CHANNEL_DELETE to who no longer does, CHANNEL_UPDATE to the others). `could_see` and
    `whole_before` are the sessions that saw the group, and saw it whole, before the change."""
    channel_id = int(after.payload["id"])
    whole = {s for s in can_see if sees_whole(state, s, channel_id)}
    send((s for s in whole if s in could_see), "CHANNEL_UPDATE", after.payload)
    send((s for s in whole if s not in could_see), "CHANNEL_CREATE", after.payload)
    for session in could_see.difference(can_see):
        old = before or after
        view = old.payload if session in whole_before else old.seen_by_member(session.user.id)
        send([session], "CHANNEL_DELETE", view)
    shared_changed = before is None or _shared(before) != _shared(after)
    by_user: dict[int, list[Session]] = {}
    for session in can_see:
        if session not in whole:
            by_user.setdefault(session.user.id, []).append(session)
    for user_id, sessions in by_user.items():
        known = [s for s in sessions if s in could_see]
        changed = (
            shared_changed
            or any(s in whole_before for s in known)
            or before is None
            or before.own_overwrite(user_id) != after.own_overwrite(user_id)
        )
        if len(known) == len(sessions) and not changed:
            continue
        view = after.seen_by_member(user_id)
        send((s for s in sessions if s not in could_see), "CHANNEL_CREATE", view)
        if changed:
            send(known, "CHANNEL_UPDATE", view)


def listing_change(before: Json | None, after: Json | None) -> tuple[str, Json] | None:
    """The directory event a change of a channel makes, if any: (name, data)."""
    was, now = is_group_channel(before), is_group_channel(after)
    if now and after is not None:
        if was and before is not None and all(before.get(k) == after.get(k) for k in _LISTED):
            return None
        body = {k: after.get(k) for k in ("guild_id", "id", *_LISTED, "member_count")}
        return ("GROUP_LISTING_UPDATE" if was else "GROUP_LISTING_CREATE"), body
    if was and before is not None:
        return "GROUP_LISTING_DELETE", {"guild_id": before.get("guild_id"), "id": before["id"]}
    return None


def tell_directory(sessions: Iterable[Session], before: Json | None, after: Json | None) -> None:
    """The directory event of this change to each session of the community but guests'."""
    change = listing_change(before, after)
    if change is not None:
        send((s for s in sessions if not is_guest(s.user)), *change)
