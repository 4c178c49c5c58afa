"""The Janus media backend: rooms mixed by Janus's AudioBridge on one of several Janus servers,
their cameras and screens relayed by its VideoRoom (`janus_video.py`).

For deployments that outgrow one machine: townhall keeps the signalling (`docs/voice.md`) and
drives Janus servers (Debian package `janus`, 1.1) over their HTTP API (`janus_api.py`); the
browsers' media goes to Janus, never through townhall.

How the client contract of `backend.py` maps onto Janus, and where it stops:

- **One handle per participant.** Janus ties a peer connection to one plugin handle, and the
  client has one peer connection, so each participant is one AudioBridge handle; AudioBridge
  takes one audio m-line, the microphone, which must be the offer's first audio m-line
  (BadOffer otherwise). Janus is offered that m-line alone; `janus_sdp.py` answers the others
  `inactive` itself.
- **Audio slot 0 is the room's mix.** AudioBridge decodes everyone, mixes, and sends each
  participant the mix minus their own voice, so slot 0 carries every speaker at once (not the
  embedded SFU's loudest three) and the other audio slots stay `inactive`. It costs Janus a
  decode per talker and an encode per listener (32 talkers: 0.79 core, `research/media.md`).
- **speak**: the participant is joined `muted`, or `configure`d muted later (`set_rights`, a
  request away): Janus drops their packets before the mix.
- **hear**: AudioBridge has no deafen. A participant who may not hear is negotiated with the
  microphone `sendonly` towards Janus, whose core then sends them nothing. That takes a new
  offer, so when `set_rights` changes `hear`, the listener's `streams_changed` asks the client
  to renegotiate; until that offer arrives the old direction holds.
- **speaking**: from AudioBridge's `talking` / `stopped-talking` events (the RFC 6464 levels the
  clients send, averaged over 1 s); a muted or leaving participant is reported not speaking.
- **Video on connections of its own** (`backend.SeparateVideo`, `janus_video.py`). A VideoRoom
  publisher only receives and a subscriber only sends, each on its own handle, so neither can
  share the client's peer connection with the AudioBridge; and watching needs Janus to offer
  (VideoRoom refuses subscriber offers: "Only publishers send offers" in 1.1.2). So the client
  offers a second connection to publish its camera and screen (`publish`), and answers a third
  that Janus offers for watching (`VideoListener.video_offer`, `answer_video`). Video m-lines in
  the AudioBridge connection's offer are answered `inactive`; screen audio is not carried.
- **Bots** keep Discord's UDP protocol to this node's `BotEndpoint` (`bots.py`), which relays
  them to the AudioBridge as plain RTP participants (`janus_bots.py`): they hear the room's mix
  on one SSRC, `speak` mutes them on Janus, `hear` is the relay dropping the mix; no video.

Placement: a room lives on the server that ranks highest for its id by rendezvous hashing over
the configured URLs, so every townhall node picks the same one without asking the others, and
removing a server moves only its rooms. There is no failover: while a server is down, joining
its rooms fails (MediaError); those already in them lose their media; other rooms are
untouched. Every node must list the same URLs, spelt the same way.

Rooms are created on first join (AudioBridge `create`, with the plugin's `admin_key`) and
destroyed when the last participant leaves (`listparticipants` empty). With `room_key`, each
room gets a `secret` (to destroy it, kick from it) and a `pin` (to join it), both
HMAC-SHA256(room_key, room id), so every node derives them alike. A join that finds the room
destroyed by another node makes it anew; one that lands between another node's emptiness check
and its destroy is ended with the room (the client must connect again).

Janus's HTTP API must be reachable only from townhall (it can do anything to any room); browsers
need only Janus's ICE/RTP ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

import httpx

from townhall.media.backend import (
    Answer,
    AudioSlot,
    BotOffer,
    MediaBackend,
    MediaError,
    NotConnected,
    Offer,
    Rights,
    RoomListener,
    SeparateVideo,
    Source,
    StreamInfo,
    VideoSlot,
)
from townhall.media.bots import OPUS_PAYLOAD_TYPE, BotEndpoint
from townhall.media.janus_api import AUDIOBRIDGE, VIDEOROOM, Event, JanusError, JanusServer
from townhall.media.janus_bots import BotRelay
from townhall.media.janus_participant import JanusParticipant
from townhall.media.janus_sdp import complete_answer, microphone_mid, offer_for_janus, split
from townhall.media.janus_video import JanusVideo

log = logging.getLogger(__name__)
_T = TypeVar("_T")

NO_SUCH_ROOM = 485
ROOM_EXISTS = 486
ID_EXISTS = 490
NO_SUCH_USER = 492

ROOM_SETTINGS: Event = {
    "sampling_rate": 48000,
    "audiolevel_ext": True,
    "audiolevel_event": True,
    "audio_active_packets": 50,
    "audio_level_average": 40,
    "allow_rtp_participants": True,
}
"""Full-band mixing; `talking` after 1 s (50 packets) averaging louder than -40 dBov; bots
join as plain RTP participants (`janus_bots.py`)."""


class JanusBackend:
    """Voice rooms on Janus AudioBridge, spread over `servers` (URLs of Janus's `/janus` path).

    `admin_key`: the AudioBridge plugin's `admin_key` (janus.plugin.audiobridge.jcfg), needed to
    create rooms if Janus has one. `api_secret` and `token_secret`: Janus's `api_secret` and
    `token_auth_secret` (with `token_auth = true`), if set. `room_key`: a secret of townhall's
    from which per-room secrets and pins are derived (None: rooms have neither). `http`: a
    client to use (the backend makes and closes its own otherwise). `bot_addresses`: where the
    bots' UDP socket binds (the first that works; None: the first non-loopback address);
    `bot_ports`: its port range, and that of the bots' relays to Janus (`TOWNHALL_VOICE_*`).
    """

    def __init__(
        self,
        servers: Sequence[str],
        *,
        admin_key: str | None = None,
        api_secret: str | None = None,
        token_secret: str | None = None,
        room_key: str | None = None,
        timeout: float = 10.0,
        http: httpx.AsyncClient | None = None,
        bot_addresses: Sequence[str] | None = None,
        bot_ports: tuple[int, int] | None = None,
    ) -> None:
        if not servers:
            raise ValueError("the Janus backend needs at least one server URL")
        self._own_http = http is None
        self._http = http or httpx.AsyncClient()
        self.servers = [
            JanusServer(
                url, self._http, api_secret=api_secret, token_secret=token_secret, timeout=timeout
            )
            for url in servers
        ]
        self._admin_key = admin_key
        self._room_key = room_key
        self._rooms: dict[int, dict[int, JanusParticipant]] = {}
        self._joining: Counter[int] = Counter()
        self._controls: dict[tuple[str, str], int] = {}
        self._chores: set[asyncio.Task[None]] = set()
        self._bot_addresses = list(bot_addresses) if bot_addresses is not None else None
        self._bot_ports = range(bot_ports[0], bot_ports[1] + 1) if bot_ports else None
        self._bots: BotEndpoint | None = None
        self._bots_opening = asyncio.Lock()
        self._video = JanusVideo(
            lambda server, body: self._control(server, body, VIDEOROOM), self._password, admin_key
        )

    def place(self, room_id: int) -> JanusServer:
        """The server that carries `room_id` (rendezvous hashing over the server URLs)."""

        def rank(server: JanusServer) -> bytes:
            return hashlib.sha256(f"{server.url}\n{room_id}".encode()).digest()

        return max(self.servers, key=rank)

    async def connect(
        self, room_id: int, user_id: int, offer: Offer, rights: Rights, listener: RoomListener
    ) -> Answer:
        microphone = microphone_mid(offer.sdp, offer.sources)
        participant = JanusParticipant(room_id, user_id, self.place(room_id), listener, rights)
        return await self._admit(
            participant, {}, lambda _joined: self._negotiate(participant, offer, microphone)
        )

    async def _admit(
        self,
        participant: JanusParticipant,
        join_extra: Event,
        then: Callable[[Event], Awaitable[_T]],
    ) -> _T:
        """Attach, join (with `join_extra`), `then` set the media up from the `joined` event's
        data; undo all if any step fails."""
        server, room_id, user_id = participant.server, participant.room_id, participant.user_id
        self._joining[room_id] += 1  # keeps the room from being destroyed under the join
        try:
            replaced = self._rooms.get(room_id, {}).get(user_id)
            if replaced is not None:  # its id must be free on Janus before the new one joins
                self._remove(replaced)
                await self._leave(replaced)
            participant.handle = await server.attach(
                AUDIOBRIDGE, lambda event: self._on_event(participant, event)
            )
            result = await then(await self._join(participant, join_extra))
            if participant.relay is None:  # bots do not watch video
                await self._video.enter(
                    server, room_id, user_id, participant.rights, participant.listener
                )
            if participant.gone:
                raise JanusError("Janus ended the connection while it was being made")
        except BaseException:
            participant.gone = True
            await asyncio.shield(self._video.leave(room_id, user_id))
            if participant.relay is not None:
                await asyncio.shield(participant.relay.close())
            if participant.handle:
                with contextlib.suppress(JanusError):
                    await asyncio.shield(server.detach(participant.handle))
            raise
        finally:
            self._joining[room_id] -= 1
            if not self._joining[room_id]:
                del self._joining[room_id]
        self._rooms.setdefault(room_id, {})[user_id] = participant
        self._apply_mute(participant)
        return result

    async def renegotiate(self, room_id: int, user_id: int, offer: Offer) -> Answer:
        participant = self._find(room_id, user_id)
        microphone = microphone_mid(offer.sdp, offer.sources)
        async with participant.negotiating:
            return await self._negotiate(participant, offer, microphone)

    async def bot_endpoint(self, room_id: int) -> tuple[str, int]:
        """The node's UDP socket for bots (one for all rooms, opened on first use)."""
        async with self._bots_opening:
            if self._bots is None:
                self._bots = await BotEndpoint.open(self._bot_addresses, self._bot_ports)
        return self._bots.address

    async def connect_bot(
        self, room_id: int, user_id: int, offer: BotOffer, rights: Rights, listener: RoomListener
    ) -> None:
        """Join a bot as a plain RTP participant, relayed by this node (`janus_bots.py`)."""
        endpoint = await self.bot_endpoint(room_id)
        assert self._bots is not None
        if offer.endpoint != endpoint:
            raise NotConnected(f"bot {user_id} was sent to {offer.endpoint}, not {endpoint}")
        server = self.place(room_id)
        relay = await BotRelay.open(server.url, self._bot_ports)
        participant = JanusParticipant(room_id, user_id, server, listener, rights, relay=relay)
        relay.hear = rights.hear
        try:
            relay.link = self._bots.link(offer, relay.to_janus)
        except MediaError:
            await relay.close()
            raise
        rtp = {"ip": relay.address[0], "port": relay.address[1], "payload_type": OPUS_PAYLOAD_TYPE}

        async def start(joined: Event) -> None:
            answered = joined.get("rtp") or {}
            try:
                relay.start((str(answered["ip"]), int(answered["port"])))
            except (KeyError, TypeError, ValueError):
                raise JanusError("Janus answered a plain RTP join without its address") from None

        await self._admit(participant, {"rtp": rtp}, start)

    def set_rights(self, room_id: int, user_id: int, rights: Rights) -> None:
        participant = self._find(room_id, user_id)
        participant.rights = rights
        self._apply_mute(participant)
        if participant.relay is not None:  # a bot: its relay stops passing the mix on
            participant.relay.hear = rights.hear
            return
        self._video.set_rights(room_id, user_id, rights)
        if rights.hear != participant.hearing:
            participant.listener.streams_changed()

    def set_video_sizes(
        self, room_id: int, user_id: int, heights: Mapping[tuple[int, Source], int]
    ) -> None:
        """Nothing to choose: publishers send Janus one layer, which every viewer gets."""

    def video_streams(self, room_id: int) -> list[StreamInfo]:
        """Everyone's published video, over all nodes (Janus's VideoRoom feeds)."""
        return self._video.video_streams(room_id)

    async def publish(self, room_id: int, user_id: int, offer: Offer) -> Answer | None:
        self._find(room_id, user_id)
        return await self._video.publish(room_id, user_id, offer)

    async def unpublish(self, room_id: int, user_id: int) -> None:
        self._find(room_id, user_id)
        await self._video.unpublish(room_id, user_id)

    async def answer_video(self, room_id: int, user_id: int, sdp: str) -> None:
        self._find(room_id, user_id)
        await self._video.answer(room_id, user_id, sdp)

    def members(self, room_id: int) -> list[int]:
        """Who has a media connection in the room through this node, in order of joining."""
        return list(self._rooms.get(room_id, {}))

    async def disconnect(self, room_id: int, user_id: int) -> None:
        """Leave; does nothing if they are not connected (sessions end in many ways)."""
        participant = self._rooms.get(room_id, {}).get(user_id)
        if participant is None:
            return
        self._remove(participant)
        await self._leave(participant)

    async def close(self) -> None:
        everyone = [p for room in self._rooms.values() for p in room.values()]
        await asyncio.gather(*(self.disconnect(p.room_id, p.user_id) for p in everyone))
        if self._chores:
            await asyncio.gather(*self._chores, return_exceptions=True)
        if self._bots is not None:
            self._bots.close()
            self._bots = None
        await asyncio.gather(*(server.close() for server in self.servers))
        if self._own_http:
            await self._http.aclose()

    async def janus_participants(self, room_id: int) -> list[int] | None:
        """Who Janus has in the room (over all nodes); None if the room does not exist."""
        server = self.place(room_id)
        try:
            data = await self._control(server, {"request": "listparticipants", "room": room_id})
        except JanusError as error:
            if error.code == NO_SUCH_ROOM:
                return None
            raise
        return [entry["id"] for entry in data.get("participants", [])]

    # -- joining and leaving -----------------------------------------------------------------

    async def _join(self, participant: JanusParticipant, extra: Event) -> Event:
        """Join the room (before negotiating: a refused join must come before Janus sets up
        ICE); returns the `joined` event's data."""
        server, room_id = participant.server, participant.room_id
        body: Event = {
            "request": "join",
            "room": room_id,
            "id": participant.user_id,
            "display": str(participant.user_id),
            "muted": not participant.rights.speak,
            **self._password(room_id, "pin"),
            **extra,
        }
        for attempt in range(3):
            try:
                data, _ = await server.request_event(participant.handle, body)
                break
            except JanusError as error:
                if attempt == 2 or error.code not in (NO_SUCH_ROOM, ID_EXISTS):
                    raise
                if error.code == NO_SUCH_ROOM:
                    await self._create_room(server, room_id)
                else:  # a connection of theirs this node does not know: another node's, or stale
                    await self._kick(server, room_id, participant.user_id)
        participant.muted = bool(body["muted"])
        participant.tell_participants(data.get("participants", []))
        return data

    async def _negotiate(
        self, participant: JanusParticipant, offer: Offer, microphone: str
    ) -> Answer:
        hear = participant.rights.hear
        jsep: Event = {
            "type": "offer",
            "sdp": offer_for_janus(offer.sdp, microphone, hear),
            "trickle": False,  # the offer holds all its candidates
        }
        _, answer = await participant.server.request_event(
            participant.handle, {"request": "configure"}, jsep
        )
        if answer is None or answer.get("type") != "answer":
            raise JanusError("Janus sent no SDP answer")
        participant.hearing = hear
        sdp = complete_answer(offer.sdp, answer["sdp"])
        _, sections = split(sdp)
        sends = {s.mid: s.direction in ("sendrecv", "sendonly") for s in sections}
        streams: list[AudioSlot | VideoSlot] = (
            [AudioSlot(microphone, 0)] if sends[microphone] else []
        )
        return Answer(sdp=sdp, streams=streams)

    async def _create_room(self, server: JanusServer, room_id: int) -> None:
        body: Event = {"request": "create", "room": room_id, "permanent": False}
        body.update(ROOM_SETTINGS)
        body.update(self._password(room_id, "secret"))
        body.update(self._password(room_id, "pin"))
        if self._admin_key is not None:
            body["admin_key"] = self._admin_key
        try:
            await self._control(server, body)
        except JanusError as error:
            if error.code != ROOM_EXISTS:  # made meanwhile, by another join
                raise

    async def _kick(self, server: JanusServer, room_id: int, user_id: int) -> None:
        body = {"request": "kick", "room": room_id, "id": user_id}
        try:
            await self._control(server, {**body, **self._password(room_id, "secret")})
        except JanusError as error:
            if error.code != NO_SUCH_USER:
                raise

    async def _leave(self, participant: JanusParticipant) -> None:
        """Free the handle (Janus takes them out of the room), and the room if it is empty."""
        participant.gone = True
        if participant.muting is not None:
            participant.muting.cancel()
        if participant.relay is not None:
            await participant.relay.close()
        server, room_id = participant.server, participant.room_id
        try:
            if participant.user_id not in self._rooms.get(room_id, {}):  # not replaced
                await self._video.leave(room_id, participant.user_id)
            await server.detach(participant.handle)
            empty = self._unused_here(room_id) and await self.janus_participants(room_id) == []
            if empty and self._unused_here(room_id):  # and nobody started joining meanwhile
                body = {"request": "destroy", "room": room_id, "permanent": False}
                await self._control(server, {**body, **self._password(room_id, "secret")})
                await self._video.destroy(server, room_id)
        except JanusError as error:
            if error.code != NO_SUCH_ROOM:
                log.warning("Janus: leaving room %s: %s", room_id, error)

    def _unused_here(self, room_id: int) -> bool:
        return not self._rooms.get(room_id) and not self._joining[room_id]

    def _remove(self, participant: JanusParticipant) -> None:
        room = self._rooms.get(participant.room_id, {})
        if room.get(participant.user_id) is participant:
            del room[participant.user_id]
            if not room:
                del self._rooms[participant.room_id]

    async def _control(self, server: JanusServer, body: Event, plugin: str = AUDIOBRIDGE) -> Event:
        """A synchronous request to `plugin` on the server's own control handle for it."""
        key = (server.url, plugin)
        handle = self._controls.get(key)
        if handle is None:

            def forget(_: Event) -> None:  # the session went, and the handle with it
                self._controls.pop(key, None)

            handle = await server.attach(plugin, forget)
            self._controls[key] = handle
        return await server.request(handle, body)

    def _password(self, room_id: int, purpose: str) -> dict[str, str]:
        if self._room_key is None:
            return {}
        message = f"townhall janus room {purpose} {room_id}".encode()
        return {purpose: hmac.new(self._room_key.encode(), message, hashlib.sha256).hexdigest()}

    # -- rights and events -------------------------------------------------------------------

    def _apply_mute(self, participant: JanusParticipant) -> None:
        if participant.muted != (not participant.rights.speak) and (
            participant.muting is None or participant.muting.done()
        ):
            participant.muting = asyncio.get_running_loop().create_task(self._mute(participant))

    async def _mute(self, participant: JanusParticipant) -> None:
        """Configure Janus until it mutes as `rights.speak` says (it may change meanwhile)."""
        while not participant.gone and participant.muted != (not participant.rights.speak):
            muted = not participant.rights.speak
            try:
                await participant.server.request_event(
                    participant.handle, {"request": "configure", "muted": muted}
                )
            except JanusError as error:
                log.warning("Janus: muting user %s: %s", participant.user_id, error)
                return
            participant.muted = muted
            if muted:
                participant.tell_speaking(participant.user_id, False)

    def _on_event(self, participant: JanusParticipant, event: Event) -> None:
        if participant.receive(event):
            self._drop(participant)

    def _drop(self, participant: JanusParticipant) -> None:
        """Janus ended their connection (it failed, or the room went): forget it, free it."""
        if participant.gone:
            return
        participant.gone = True
        self._remove(participant)
        chore = asyncio.get_running_loop().create_task(self._leave(participant))
        self._chores.add(chore)
        chore.add_done_callback(self._chores.discard)

    def _find(self, room_id: int, user_id: int) -> JanusParticipant:
        participant = self._rooms.get(room_id, {}).get(user_id)
        if participant is None:
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        return participant


if TYPE_CHECKING:
    _implements: type[MediaBackend] = JanusBackend
    _separate: type[SeparateVideo] = JanusBackend
