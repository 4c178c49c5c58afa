"""Guild subscriptions (gateway op 14, and op 37 for several guilds): the channels a client shows.

Discord's own client tells the gateway which channels of a guild it has on screen,
`{"op": 14, "d": {"guild_id": …, "typing": true, "threads": …, "activities": …,
"channels": {channel_id: [[0, 99]]}}}`, or in newer clients the same per guild in
`{"op": 37, "d": {"subscriptions": {guild_id: {…}}}}`; from then on TYPING_START in a guild reaches
that session only for the channels it listed. townhall does the same, session-wide, for typing and
for reactions (MESSAGE_REACTION_ADD, _REMOVE, _REMOVE_ALL, _REMOVE_EMOJI: the event types declared
with `follows_subscriptions`): a session that sent either op gets them from a guild channel or
thread only while it is among its subscribed ones (a DM's as always). A session that never sent
one, every bot among them, gets them wherever its intents allow, as before.

The price is on the client: a window of messages it keeps for a channel it no longer subscribes
to misses those reactions. The web client (`web/src/state/store.ts`) subscribes to the channel
on screen and the thread open beside it, and fetches a channel's latest page again, after the
subscription went out, when it shows it again; until then the kept window shows them as they were.
Other messages' events (create, update, delete) reach every session that may see the channel.

Each update is partial, as Discord's: a guild's `channels`, when present, replaces that guild's
channels (`{}` unsubscribes it); absent, they stay. The other fields are checked for their type and
otherwise unused (townhall sends no member-list or thread-list updates; members come from op 8).
Discord's bounds: at most 5 channels per guild, 1 to 3 member-list ranges of at most 300 items per
channel. A malformed update closes the connection with 4002, like any other malformed payload.
"""

from __future__ import annotations

from townhall.gateway.limits import decode_error, snowflake

MAX_CHANNELS = 5
MAX_RANGES = 3
MAX_RANGE_SPAN = 300
FLAGS = ("typing", "threads", "activities", "member_updates")
ID_LISTS = ("members", "thread_member_lists")
MAX_LISTED_IDS = 100

Updates = dict[int, frozenset[int] | None]
"""Per guild: the channels it now subscribes to, or None to leave them as they were."""


def guild_subscriptions(data: object) -> Updates:
    """The `d` of op 14: one guild's update, with its `guild_id`."""
    if not isinstance(data, dict):
        raise decode_error("guild subscriptions must be an object")
    return {snowflake(data.get("guild_id")): _channels(data)}


def guild_subscriptions_bulk(data: object) -> Updates:
    """The `d` of op 37: `{"subscriptions": {guild_id: update}}`."""
    if not isinstance(data, dict) or not isinstance(data.get("subscriptions"), dict):
        raise decode_error("subscriptions must be an object")
    return {snowflake(g): _channels(update) for g, update in data["subscriptions"].items()}


def _channels(update: object) -> frozenset[int] | None:
    if not isinstance(update, dict):
        raise decode_error("a guild subscription must be an object")
    for name in FLAGS:
        if not isinstance(update.get(name, False), bool):
            raise decode_error(f"invalid {name}")
    for name in ID_LISTS:
        ids = update.get(name, [])
        if not isinstance(ids, list) or len(ids) > MAX_LISTED_IDS:
            raise decode_error(f"invalid {name}")
        for value in ids:
            snowflake(value)
    channels = update.get("channels")
    if channels is None:
        return None
    if not isinstance(channels, dict) or len(channels) > MAX_CHANNELS:
        raise decode_error("invalid channels")
    for ranges in channels.values():
        _check_ranges(ranges)
    return frozenset(snowflake(channel_id) for channel_id in channels)


def _check_ranges(ranges: object) -> None:
    """A member list's ranges, `[[start, end], …]`, as Discord accepts them."""
    if not isinstance(ranges, list) or not 1 <= len(ranges) <= MAX_RANGES:
        raise decode_error("invalid member list ranges")
    for pair in ranges:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in pair)
            or abs(pair[1] - pair[0]) > MAX_RANGE_SPAN
        ):
            raise decode_error("invalid member list range")
