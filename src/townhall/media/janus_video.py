"""Cameras and screens through Janus's VideoRoom, beside the AudioBridge's voice.

A VideoRoom peer connection either publishes or subscribes, on a handle of its own, so video
takes two more connections per participant (`backend.SeparateVideo`,
`docs/decisions/0017-separate-video-connections.md`):

- **Publisher** (the client offers): a VideoRoom handle joined as a publisher (Janus picks its
  feed id; `display` is the user id), `publish`ed with the client's offer and a `description` per
  mid (`camera`, `screen`), so that every node reads whose and what from Janus's `publishers`
  events. A new offer makes a new handle, so a new feed (the old one is detached first; Janus
  tells the subscribers, who are renegotiated): a feed id is never reused, and a subscription
  never lands on a publisher that is still going away. Only with
  `rights.video` (STREAM, and on a stage a speaker): without it the offer is refused, and losing
  it detaches the publisher (the client hears `video_unpublished`); getting it back asks the
  client to offer again (`streams_changed`).
- **Watcher**: one handle per room and node joined as a publisher that never publishes (Janus
  gives it a random id): its events (`publishers`, `unpublished`, `leaving`) are the room's feeds
  over all nodes, which make `video_streams` (in order of publishing, a publisher's streams in
  m-line order; while one person's old feed is going, their newest stands for them).
- **Subscriber** (Janus offers): one handle per participant, joined as a subscriber to every
  video stream of the others (`streams` of `{feed, mid}`), `subscribe`d to the ones that appear;
  Janus's offer goes to the client (`VideoListener.video_offer`) and its answer back with
  `start`. Janus removes a feed that goes from its subscribers by itself (an `updated` offer
  with that m-line inactive), and holds back offers while one is unanswered; townhall asks for
  nothing more while it waits for the client's answer either.

The VideoRoom room has the AudioBridge room's id, server, `secret` and `pin`; it is made by the
first watcher that finds it missing and destroyed with the AudioBridge room.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, cast

from townhall.media.backend import (
    VIDEO_SOURCES,
    Answer,
    MediaError,
    NotConnected,
    Offer,
    Rights,
    RoomListener,
    Source,
    StreamInfo,
    VideoListener,
    VideoOffer,
    VideoSlot,
)
from townhall.media.janus_api import VIDEOROOM, Event, JanusError, JanusServer

log = logging.getLogger(__name__)

NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428

ROOM_SETTINGS: Event = {
    "publishers": 100,
    "videocodec": "vp8",
    "audiocodec": "opus",
    "bitrate": 1_500_000,
    "fir_freq": 10,
    "notify_joining": False,
}
"""VP8 as the embedded SFU's answers have it; a keyframe asked of publishers every 10 s."""

Control = Callable[[JanusServer, Event], Awaitable[Event]]
"""A synchronous VideoRoom request (create, kick, destroy) on the backend's control handle."""
Passwords = Callable[[int, str], dict[str, str]]


@dataclass(eq=False)
class Viewer:
    """One participant's VideoRoom side: their publisher and subscriber handles."""

    room_id: int
    user_id: int
    server: JanusServer
    listener: RoomListener
    rights: Rights
    publisher: int = 0
    published: bool = False
    subscriber: int = 0
    subscribed: dict[tuple[int, str], str] = field(default_factory=dict)
    """(feed, the feed's mid) -> the subscriber connection's mid, as Janus's latest offer has it."""
    awaiting_answer: bool = False
    known_streams: list[StreamInfo] = field(default_factory=list)
    """The streams they were last told of (op 15)."""
    wanted: asyncio.Event = field(default_factory=asyncio.Event)
    publishing: asyncio.Lock = field(default_factory=asyncio.Lock)
    syncing: asyncio.Task[None] | None = None
    gone: bool = False


@dataclass(frozen=True)
class Feed:
    """One publisher handle's streams, as Janus's `publishers` events list them."""

    user_id: int
    mids: dict[str, Source]


@dataclass(eq=False)
class VideoRoom:
    """A room's VideoRoom as this node sees it: its watcher and the feeds it has heard of."""

    room_id: int
    server: JanusServer
    watcher: int = 0
    feeds: dict[int, Feed] = field(default_factory=dict)
    """Feed id -> whose it is and what each of its video mids carries, in order of publishing."""
    viewers: dict[int, Viewer] = field(default_factory=dict)
    opening: asyncio.Lock = field(default_factory=asyncio.Lock)

    def current(self) -> dict[StreamInfo, tuple[int, str]]:
        """Each watchable stream and the (feed, mid) carrying it: a person's newest feed."""
        chosen: dict[StreamInfo, tuple[int, str]] = {}
        for feed_id, feed in self.feeds.items():
            for mid, source in feed.mids.items():
                chosen[StreamInfo(feed.user_id, source)] = (feed_id, mid)
        return chosen

    def streams(self) -> list[StreamInfo]:
        return list(self.current())


class JanusVideo:
    """The VideoRoom half of `JanusBackend` (it owns placement, passwords and control)."""

    def __init__(self, control: Control, passwords: Passwords, admin_key: str | None) -> None:
        self._control = control
        self._password = passwords
        self._admin_key = admin_key
        self._rooms: dict[int, VideoRoom] = {}
        self._chores: set[asyncio.Task[None]] = set()

    # -- entering and leaving ----------------------------------------------------------------

    async def enter(
        self,
        server: JanusServer,
        room_id: int,
        user_id: int,
        rights: Rights,
        listener: RoomListener,
    ) -> None:
        """Make the room's watcher if this node has none, and the participant's viewer."""
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = VideoRoom(room_id, server)
        viewer = Viewer(room_id, user_id, server, listener, rights)
        replaced = room.viewers.get(user_id)
        room.viewers[user_id] = viewer
        if replaced is not None:
            await self._close(replaced)
        try:
            async with room.opening:
                if not room.watcher:
                    await self._watch(room)
        except BaseException:
            if room.viewers.get(user_id) is viewer:
                del room.viewers[user_id]
            await self._forget_if_unused(room)
            raise
        viewer.known_streams = self._watchable(room, user_id)
        if isinstance(listener, VideoListener):
            viewer.syncing = asyncio.get_running_loop().create_task(self._sync(room, viewer))
            viewer.wanted.set()

    async def leave(self, room_id: int, user_id: int) -> None:
        room = self._rooms.get(room_id)
        viewer = room.viewers.pop(user_id, None) if room is not None else None
        if room is None or viewer is None:
            return
        await self._close(viewer)
        await self._forget_if_unused(room)

    async def destroy(self, server: JanusServer, room_id: int) -> None:
        """Destroy the VideoRoom room (the AudioBridge room is gone: nobody is in either)."""
        body: Event = {"request": "destroy", "room": room_id, "permanent": False}
        try:
            await self._control(server, {**body, **self._password(room_id, "secret")})
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                raise

    def video_streams(self, room_id: int) -> list[StreamInfo]:
        room = self._rooms.get(room_id)
        return room.streams() if room is not None else []

    # -- publishing --------------------------------------------------------------------------

    async def publish(self, room_id: int, user_id: int, offer: Offer) -> Answer | None:
        _room, viewer = self._find(room_id, user_id)
        described = [
            {"mid": mid, "description": source}
            for mid, source in offer.sources.items()
            if source in VIDEO_SOURCES
        ]
        async with viewer.publishing:
            await self._unpublish(viewer)
            if not viewer.rights.video or not described or viewer.gone:
                return None
            viewer.publisher = await viewer.server.attach(
                VIDEOROOM, lambda event: self._on_publisher_event(viewer, event)
            )
            join: Event = {
                "request": "join",
                "ptype": "publisher",
                "room": room_id,
                "display": str(user_id),
                **self._password(room_id, "pin"),
            }
            try:
                await viewer.server.request_event(viewer.publisher, join)
                jsep: Event = {"type": "offer", "sdp": offer.sdp, "trickle": False}
                body: Event = {"request": "publish", "descriptions": described}
                _, answer = await viewer.server.request_event(viewer.publisher, body, jsep)
                if answer is None or answer.get("type") != "answer":
                    raise JanusError("Janus sent no SDP answer to the publisher")
            except BaseException:
                await asyncio.shield(self._unpublish(viewer))
                raise
            viewer.published = True
            return Answer(sdp=answer["sdp"], streams=[])

    async def unpublish(self, room_id: int, user_id: int) -> None:
        _room, viewer = self._find(room_id, user_id)
        async with viewer.publishing:
            await self._unpublish(viewer)

    async def _unpublish(self, viewer: Viewer) -> None:
        handle, viewer.publisher, viewer.published = viewer.publisher, 0, False
        if handle:
            await self._detach(viewer.server, handle)

    def set_rights(self, room_id: int, user_id: int, rights: Rights) -> None:
        room = self._rooms.get(room_id)
        viewer = room.viewers.get(user_id) if room is not None else None
        if viewer is None:
            return
        before, viewer.rights = viewer.rights, rights
        if before.video == rights.video:
            return
        if rights.video:
            viewer.listener.streams_changed()  # offer the publisher connection again
        elif viewer.publisher:
            self._spawn(self._take_back(viewer))

    async def _take_back(self, viewer: Viewer) -> None:
        async with viewer.publishing:
            if viewer.rights.video or not viewer.publisher:
                return
            await self._unpublish(viewer)
        if isinstance(viewer.listener, VideoListener) and not viewer.gone:
            viewer.listener.video_unpublished()

    def _on_publisher_event(self, viewer: Viewer, event: Event) -> None:
        """Janus ended the publisher's connection (ICE failed, its session lost): it is freed,
        and the client told (it offers again on its next op 15)."""
        if event.get("janus") not in ("hangup", "detached") or viewer.gone:
            return
        handle, viewer.publisher, viewer.published = viewer.publisher, 0, False
        if handle:
            self._spawn(self._detach(viewer.server, handle))
        if isinstance(viewer.listener, VideoListener):
            viewer.listener.video_unpublished()

    # -- the room's feeds (the watcher) ------------------------------------------------------

    async def _watch(self, room: VideoRoom) -> None:
        server, room_id = room.server, room.room_id
        handle = await server.attach(VIDEOROOM, lambda event: self._on_room_event(room, event))
        body: Event = {
            "request": "join",
            "ptype": "publisher",
            "room": room_id,
            "display": "townhall",
            **self._password(room_id, "pin"),
        }
        try:
            for attempt in range(3):
                try:
                    data, _ = await server.request_event(handle, body)
                    break
                except JanusError as error:
                    if attempt == 2 or error.code != NO_SUCH_ROOM:
                        raise
                    await self._create(server, room_id)
        except BaseException:
            await asyncio.shield(self._detach(server, handle))
            raise
        room.watcher = handle
        self._take_publishers(room, data.get("publishers", []))

    async def _create(self, server: JanusServer, room_id: int) -> None:
        body: Event = {"request": "create", "room": room_id, "permanent": False, **ROOM_SETTINGS}
        body.update(self._password(room_id, "secret"))
        body.update(self._password(room_id, "pin"))
        if self._admin_key is not None:
            body["admin_key"] = self._admin_key
        try:
            await self._control(server, body)
        except JanusError as error:
            if error.code != ROOM_EXISTS:
                raise

    def _on_room_event(self, room: VideoRoom, event: Event) -> None:
        if event.get("janus") == "detached":  # the session was lost: so are the feeds
            room.watcher = 0
            room.feeds.clear()
            self._feeds_changed(room)
            return
        data: Event = event.get("plugindata", {}).get("data", {})
        what = data.get("videoroom")
        if what == "destroyed":  # by another node, when the last person left
            room.feeds.clear()
            room.watcher = 0  # the next one in makes the room and a watcher anew
            self._feeds_changed(room)
        elif what == "event":
            if "publishers" in data:
                self._take_publishers(room, data["publishers"])
            for gone in (data.get("unpublished"), data.get("leaving"), data.get("kicked")):
                if isinstance(gone, int) and room.feeds.pop(gone, None) is not None:
                    self._feeds_changed(room)

    def _take_publishers(self, room: VideoRoom, publishers: list[Event]) -> None:
        for publisher in publishers:
            mids: dict[str, Source] = {
                str(stream["mid"]): cast(Source, stream["description"])
                for stream in publisher.get("streams", [])
                if stream.get("type") == "video"
                and not stream.get("disabled")
                and stream.get("description") in VIDEO_SOURCES
            }
            feed, display = publisher["id"], str(publisher.get("display", ""))
            if mids and display.isdigit():  # the watchers publish nothing
                room.feeds[feed] = Feed(int(display), mids)
            else:
                room.feeds.pop(feed, None)
        self._feeds_changed(room)

    def _feeds_changed(self, room: VideoRoom) -> None:
        for user_id, viewer in room.viewers.items():
            viewer.wanted.set()
            watchable = self._watchable(room, user_id)
            if watchable != viewer.known_streams:
                viewer.known_streams = watchable
                viewer.listener.streams_changed()

    @staticmethod
    def _watchable(room: VideoRoom, user_id: int) -> list[StreamInfo]:
        return [info for info in room.streams() if info.user_id != user_id]

    # -- watching (the subscriber) -----------------------------------------------------------

    async def answer(self, room_id: int, user_id: int, sdp: str) -> None:
        _room, viewer = self._find(room_id, user_id)
        if not viewer.subscriber or not viewer.awaiting_answer:
            raise MediaError("no video offer is waiting for an answer")
        jsep: Event = {"type": "answer", "sdp": sdp, "trickle": False}
        await viewer.server.request_event(viewer.subscriber, {"request": "start"}, jsep)
        viewer.awaiting_answer = False
        viewer.wanted.set()  # feeds that came meanwhile

    async def _sync(self, room: VideoRoom, viewer: Viewer) -> None:
        """Subscribe to the streams of others as they appear, one offer at a time."""
        while not viewer.gone:
            await viewer.wanted.wait()
            viewer.wanted.clear()
            if viewer.awaiting_answer:
                continue
            missing = [
                {"feed": feed, "mid": mid}
                for info, (feed, mid) in room.current().items()
                if info.user_id != viewer.user_id and (feed, mid) not in viewer.subscribed
            ]
            if not missing:
                continue
            try:
                await self._subscribe(viewer, missing)
            except JanusError as error:
                # A feed gone meanwhile (its `unpublished` follows and resets `wanted`).
                log.warning("Janus: subscribing user %s: %s", viewer.user_id, error)

    async def _subscribe(self, viewer: Viewer, streams: list[Event]) -> None:
        server = viewer.server
        requested = [(stream["feed"], stream["mid"]) for stream in streams]
        # Janus may hold the offer back ("updating"): these are asked for, not to be again.
        viewer.subscribed.update((key, "") for key in requested)
        if viewer.subscriber:
            body: Event = {"request": "subscribe", "streams": streams}
        else:
            viewer.subscriber = await server.attach(
                VIDEOROOM, lambda event: self._on_subscriber_event(viewer, event)
            )
            body = {
                "request": "join",
                "ptype": "subscriber",
                "room": viewer.room_id,
                "streams": streams,
                "use_msid": False,
                **self._password(viewer.room_id, "pin"),
            }
        try:
            data, jsep = await server.request_event(viewer.subscriber, body)
        except JanusError:
            for key in requested:
                if viewer.subscribed.get(key) == "":
                    del viewer.subscribed[key]
            if body["request"] == "join":  # not joined: the next try attaches anew
                handle, viewer.subscriber = viewer.subscriber, 0
                await self._detach(server, handle)
            raise
        self._offered(viewer, data, jsep)

    def _on_subscriber_event(self, viewer: Viewer, event: Event) -> None:
        if event.get("janus") == "detached":
            viewer.subscriber, viewer.subscribed, viewer.awaiting_answer = 0, {}, False
            viewer.wanted.set()
            return
        data: Event = event.get("plugindata", {}).get("data", {})
        self._offered(viewer, data, event.get("jsep"))

    def _offered(self, viewer: Viewer, data: Event, jsep: Event | None) -> None:
        """An `attached` or `updated` event: relay its offer, if it has one."""
        if viewer.gone or jsep is None or jsep.get("type") != "offer":
            return
        room = self._rooms.get(viewer.room_id)
        chosen = set(room.current().values()) if room is not None else set()
        slots: list[VideoSlot] = []
        subscribed: dict[tuple[int, str], str] = {}
        for stream in data.get("streams", []):
            source, display = stream.get("feed_description"), str(stream.get("feed_display", ""))
            if not stream.get("active", True) or stream.get("type") != "video":
                continue
            feed, feed_mid, mid = stream.get("feed_id"), stream.get("feed_mid"), stream.get("mid")
            if not isinstance(feed, int) or feed_mid is None or mid is None:
                continue
            subscribed[(feed, str(feed_mid))] = str(mid)
            # A feed that is going (its `updated` offer is on its way) is watched no longer.
            if source in VIDEO_SOURCES and display.isdigit() and (feed, feed_mid) in chosen:
                slots.append(VideoSlot(str(mid), int(display), cast(Source, source)))
        viewer.subscribed = subscribed
        viewer.awaiting_answer = True
        assert isinstance(viewer.listener, VideoListener)
        viewer.listener.video_offer(VideoOffer(sdp=jsep["sdp"], streams=slots))

    # -- inside ------------------------------------------------------------------------------

    def _spawn(self, chore: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(chore)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    @staticmethod
    async def _detach(server: JanusServer, handle: int) -> None:
        with contextlib.suppress(JanusError):
            await server.detach(handle)

    async def _close(self, viewer: Viewer) -> None:
        viewer.gone = True
        if viewer.syncing is not None:
            viewer.syncing.cancel()
        await self._unpublish(viewer)
        handle, viewer.subscriber = viewer.subscriber, 0
        if handle:
            await self._detach(viewer.server, handle)

    async def _forget_if_unused(self, room: VideoRoom) -> None:
        if room.viewers or self._rooms.get(room.room_id) is not room:
            return
        del self._rooms[room.room_id]
        handle, room.watcher = room.watcher, 0
        if handle:
            await self._detach(room.server, handle)

    def _find(self, room_id: int, user_id: int) -> tuple[VideoRoom, Viewer]:
        room = self._rooms.get(room_id)
        viewer = room.viewers.get(user_id) if room is not None else None
        if room is None or viewer is None:
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        return room, viewer
