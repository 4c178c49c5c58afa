"""One voice gateway connection (`/voice`): Discord's voice opcodes with the `webrtc` protocol.

HELLO, then IDENTIFY with the token of VOICE_SERVER_UPDATE (it is good for one person, guild,
channel and gateway session), READY, then SELECT_PROTOCOL with an SDP offer, answered by
SESSION_DESCRIPTION; the client may offer again at any time (op 1 again). Bots select Discord's
`udp` protocol instead: READY's `ip` and `port` are where they send, SESSION_DESCRIPTION gives
them the `secret_key` of `aead_xchacha20_poly1305_rtpsize` (see `media/bots.py`). The server
tells who speaks (op 5, from the audio levels it forwards), who connects and leaves (op 11, op
13), and when the video one may watch changed (op 15). The protocol is in docs/voice.md.

A backend that carries video on connections of its own (`SeparateVideo`: Janus) says so in
READY (`video_transport: "separate"`); op 1 and op 4 then also name a `connection`: the client
offers `video_publisher` (its camera and screen), and the server offers `video_subscriber` (what
it watches), which the client answers with an op 1 of that connection.

Outgoing frames go through one queue and one writer task, so the SFU's callbacks (which must not
block) and the handlers keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import secrets
import time
from typing import Any, get_args

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from townhall.config import Settings
from townhall.domain.voice import Rights, VoiceGrant, turn_credentials
from townhall.gateway.limits import MAX_VOICE_PAYLOAD_BYTES
from townhall.media.backend import (
    VIDEO_SOURCES,
    Answer,
    AudioSlot,
    BotOffer,
    MediaError,
    NotConnected,
    Offer,
    SeparateVideo,
    Source,
    VideoOffer,
    VideoSlot,
)
from townhall.media.discord_udp import MODE as UDP_MODE
from townhall.voice.rooms import VoiceRooms

log = logging.getLogger("townhall.voice")

HEARTBEAT_INTERVAL_MS = 13_750
IDENTIFY_TIMEOUT = 15.0
SOURCES: frozenset[str] = frozenset(get_args(Source))


class VoiceOp(enum.IntEnum):
    IDENTIFY = 0
    SELECT_PROTOCOL = 1
    READY = 2
    HEARTBEAT = 3
    SESSION_DESCRIPTION = 4
    SPEAKING = 5
    HEARTBEAT_ACK = 6
    RESUME = 7
    HELLO = 8
    CLIENTS_CONNECT = 11
    CLIENT_DISCONNECT = 13
    STREAMS = 15
    """townhall's own. Server: the video streams one may watch changed; offer again to watch
    them. Client: how large it shows each one (simulcast layers are chosen by it)."""


class VoiceClose(enum.IntEnum):
    UNKNOWN_OPCODE = 4001
    DECODE_ERROR = 4002
    NOT_AUTHENTICATED = 4003
    AUTHENTICATION_FAILED = 4004
    ALREADY_AUTHENTICATED = 4005
    SESSION_INVALID = 4006
    SESSION_TIMEOUT = 4009
    UNKNOWN_PROTOCOL = 4012
    UNKNOWN_ENCRYPTION_MODE = 4016
    DISCONNECTED = 4014
    """Moved to another channel, disconnected by a moderator, or left."""
    SERVER_CRASHED = 4015
    """The process carrying the room's media died; connect again."""


class VoiceCloseError(Exception):
    def __init__(self, code: VoiceClose, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


def _stream(slot: AudioSlot | VideoSlot) -> dict[str, Any]:
    if isinstance(slot, AudioSlot):
        return {"mid": slot.mid, "kind": "audio", "slot": slot.slot}
    return {"mid": slot.mid, "kind": "video", "user_id": str(slot.user_id), "source": slot.source}


def ice_servers(settings: Settings, user_id: int, now: float) -> list[dict[str, Any]]:
    """READY's `ice_servers`, as the browser's `RTCIceServer`s: STUN servers as they are, TURN
    servers with credentials minted for this person now (coturn checks them by itself)."""
    stun = [url for url in settings.turn_urls if url.startswith(("stun:", "stuns:"))]
    turn = [url for url in settings.turn_urls if url not in stun]
    servers: list[dict[str, Any]] = [{"urls": stun}] if stun else []
    if turn and settings.turn_secret:
        username, credential = turn_credentials(
            settings.turn_secret, user_id, now, settings.turn_ttl_seconds
        )
        servers.append({"urls": turn, "username": username, "credential": credential})
    return servers


CONNECTIONS = ("main", "video_publisher", "video_subscriber")
"""Op 1's `connection` (absent: `main`); the video ones only with `video_transport: separate`."""


def _connection(data: object) -> str:
    connection = data.get("connection", "main") if isinstance(data, dict) else "main"
    if connection not in CONNECTIONS:
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "Unknown connection")
    return str(connection)


def _selection(data: object) -> Offer | tuple[str, int]:
    """SELECT_PROTOCOL: a browser's SDP offer (or, for `video_subscriber`, its answer), or the
    address a bot discovered (`udp`)."""
    if not isinstance(data, dict) or data.get("protocol") not in ("webrtc", "udp"):
        raise VoiceCloseError(VoiceClose.UNKNOWN_PROTOCOL, "Unknown protocol")
    if data["protocol"] == "udp":
        return _bot_address(data.get("data"))
    sdp, sources = data.get("data"), data.get("sources", {})
    if not isinstance(sdp, str) or not isinstance(sources, dict):
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "data must be an SDP offer")
    for mid, source in sources.items():
        if not isinstance(mid, str) or source not in SOURCES:
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, f"unknown source for mid {mid!r}")
    return Offer(sdp, dict(sources))


MAX_VIDEO_SIZES = 64


def _video_heights(data: object) -> dict[tuple[int, Source], int]:
    """A client's op 15: `{"sizes": [{"user_id", "source", "width", "height"}]}` in pixels."""
    sizes = data.get("sizes") if isinstance(data, dict) else None
    if not isinstance(sizes, list) or len(sizes) > MAX_VIDEO_SIZES:
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "sizes must be a list")
    heights: dict[tuple[int, Source], int] = {}
    for size in sizes:
        try:
            user_id, source, height = int(size["user_id"]), size["source"], size["height"]
        except (KeyError, TypeError, ValueError):
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, "bad size") from None
        if source not in VIDEO_SOURCES or not isinstance(height, int) or not 0 <= height < 65536:
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, "a size needs a video source, height")
        heights[(user_id, source)] = height
    return heights


def _bot_address(data: object) -> tuple[str, int]:
    if not isinstance(data, dict):
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "data must hold address, port and mode")
    if data.get("mode") != UDP_MODE:
        raise VoiceCloseError(VoiceClose.UNKNOWN_ENCRYPTION_MODE, f"Unknown mode: only {UDP_MODE}")
    address, port = data.get("address"), data.get("port")
    if not isinstance(address, str) or not address or len(address) > 64:
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "address must be an IP address")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise VoiceCloseError(VoiceClose.DECODE_ERROR, "port must be a UDP port")
    return address, port


class VoiceConnection:
    def __init__(self, websocket: WebSocket, rooms: VoiceRooms) -> None:
        self.websocket = websocket
        self.rooms = rooms
        self.backend = rooms.backend
        self.outgoing: asyncio.Queue[bytes | tuple[int, str]] = asyncio.Queue()
        self.guild_id = self.user_id = self.channel_id = 0
        self.session_id = ""
        self.ssrc = secrets.randbelow(2**31) + 1
        self.media_session_id = secrets.token_hex(16)
        self.rights: Rights | None = None
        self.bot_endpoint: tuple[str, int] | None = None
        self.identified = self.media_connected = False
        self._refresh_wanted = asyncio.Event()
        self._refresher: asyncio.Task[None] | None = None
        self.last_heartbeat = time.monotonic()

    # -- the connection's life -------------------------------------------------------------

    async def run(self) -> None:
        await self.websocket.accept()
        writer = asyncio.get_running_loop().create_task(self._write())
        try:
            self.send(VoiceOp.HELLO, {"heartbeat_interval": HEARTBEAT_INTERVAL_MS})
            await self._receive()
        except VoiceCloseError as close:
            self.close_soon(close.code, close.reason)
        except WebSocketDisconnect:
            pass
        except Exception:
            log.exception("voice connection failed")
            self.close_soon(4000, "Unknown error")
        finally:
            await self._leave()
            self.outgoing.put_nowait((0, ""))
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(writer, 5)

    async def _write(self) -> None:
        while True:
            item = await self.outgoing.get()
            if isinstance(item, tuple):
                code, reason = item
                if code:
                    with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                        await self.websocket.close(code, reason)
                return
            try:
                await self.websocket.send_text(item.decode())
            except (RuntimeError, WebSocketDisconnect):
                return

    async def _receive(self) -> None:
        while True:
            if self.identified:
                timeout = HEARTBEAT_INTERVAL_MS / 1000 * 2 - (
                    time.monotonic() - self.last_heartbeat
                )
                expired = VoiceCloseError(VoiceClose.SESSION_TIMEOUT, "Session timed out")
            else:
                timeout = IDENTIFY_TIMEOUT
                expired = VoiceCloseError(VoiceClose.NOT_AUTHENTICATED, "Not authenticated")
            try:
                message = await asyncio.wait_for(self.websocket.receive(), max(timeout, 0.0))
            except TimeoutError:
                raise expired from None
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1006))
            raw = message.get("text") or message.get("bytes") or b""
            if len(raw) > MAX_VOICE_PAYLOAD_BYTES:
                raise VoiceCloseError(VoiceClose.DECODE_ERROR, "Payload too large")
            try:
                payload = orjson.loads(raw)
                op = VoiceOp(payload["op"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise VoiceCloseError(VoiceClose.DECODE_ERROR, "Failed to decode payload") from None
            except ValueError:
                raise VoiceCloseError(VoiceClose.UNKNOWN_OPCODE, "Unknown opcode") from None
            await self._handle(op, payload.get("d"))

    async def _handle(self, op: VoiceOp, data: Any) -> None:
        if op is VoiceOp.HEARTBEAT:
            self.last_heartbeat = time.monotonic()
            self.send(VoiceOp.HEARTBEAT_ACK, data)
        elif op is VoiceOp.IDENTIFY:
            if self.identified:
                raise VoiceCloseError(VoiceClose.ALREADY_AUTHENTICATED, "Already authenticated")
            await self._identify(data)
        elif not self.identified:
            raise VoiceCloseError(VoiceClose.NOT_AUTHENTICATED, "Not authenticated")
        elif op is VoiceOp.SELECT_PROTOCOL:
            connection = _connection(data)
            if connection == "video_publisher" and data.get("data") is None:
                await self._video(connection, None)  # stop publishing
                return
            selection = _selection(data)
            if connection != "main":
                if not isinstance(selection, Offer):
                    raise VoiceCloseError(VoiceClose.DECODE_ERROR, "video connections are webrtc")
                await self._video(connection, selection)
            elif isinstance(selection, Offer):
                await self._negotiate(selection)
            else:
                await self._connect_bot(selection)
        elif op is VoiceOp.SPEAKING:
            pass  # Speaking indicators come from the audio the SFU forwards, not from claims.
        elif op is VoiceOp.STREAMS:
            heights = _video_heights(data)
            if self.media_connected:
                with contextlib.suppress(NotConnected):
                    self.backend.set_video_sizes(self.channel_id, self.user_id, heights)
        elif op is VoiceOp.RESUME:
            raise VoiceCloseError(VoiceClose.SESSION_INVALID, "Session no longer valid")
        else:
            raise VoiceCloseError(VoiceClose.UNKNOWN_OPCODE, "Unknown opcode")

    async def _identify(self, data: Any) -> None:
        failed = VoiceCloseError(VoiceClose.AUTHENTICATION_FAILED, "Authentication failed")
        if not isinstance(data, dict):
            raise failed
        try:
            guild_id, user_id = int(data["server_id"]), int(data["user_id"])
            session_id, token = str(data["session_id"]), str(data["token"])
        except (KeyError, TypeError, ValueError):
            raise failed from None
        standing = await self.rooms.standing(guild_id, user_id)
        if standing is None or standing.state.session_id != session_id:
            raise failed
        grant = VoiceGrant(user_id, guild_id, standing.state.channel_id, session_id)
        if not self.rooms.services.voice_tokens.valid(token, grant, time.time()):
            raise failed
        self.guild_id, self.user_id, self.session_id = guild_id, user_id, session_id
        self.channel_id = standing.state.channel_id
        self.rights = standing.rights
        self.identified = True
        self.last_heartbeat = time.monotonic()
        replaced = self.rooms.attach(self)
        if replaced is not None:
            replaced.close_soon(VoiceClose.SESSION_INVALID, "Connected elsewhere")
        self._refresher = asyncio.get_running_loop().create_task(self._keep_standing())
        with contextlib.suppress(MediaError):  # the room's worker died: no bots now
            self.bot_endpoint = await self.backend.bot_endpoint(self.channel_id)
        host, port = self.bot_endpoint or ("", 0)
        ready: dict[str, Any] = {
            "ssrc": self.ssrc,
            "ip": host,
            "port": port,
            "modes": [UDP_MODE, "webrtc"] if self.bot_endpoint else ["webrtc"],
            "streams": [],
        }
        if isinstance(self.backend, SeparateVideo):
            ready["video_transport"] = "separate"
        servers = ice_servers(self.rooms.services.settings, user_id, time.time())
        if servers:
            ready["ice_servers"] = servers
        self.send(VoiceOp.READY, ready)

    async def _negotiate(self, offer: Offer) -> None:
        assert self.rights is not None
        try:
            if self.media_connected:
                answer = await self.backend.renegotiate(self.channel_id, self.user_id, offer)
            else:
                answer = await self.backend.connect(
                    self.channel_id, self.user_id, offer, self.rights, self
                )
        except MediaError as refused:
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, f"Offer refused: {refused}") from None
        first = not self.media_connected
        self.media_connected = True
        self._answer(answer)
        if first:
            self._announce()
            # The first offer watches what the client knew of; READY named no streams, so
            # a camera already on in the room is news to it (and only an op 15 tells it).
            watched = {(s.user_id, s.source) for s in answer.streams if isinstance(s, VideoSlot)}
            if any(
                (s.user_id, s.source) not in watched
                for s in self.backend.video_streams(self.channel_id)
                if s.user_id != self.user_id
            ):
                self.streams_changed()

    async def _video(self, connection: str, selection: Offer | None) -> None:
        """Op 1 of a video connection: a publisher's offer (None: stop publishing), or a
        subscriber's answer."""
        backend = self.backend
        if not isinstance(backend, SeparateVideo):
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, "Video goes on the main connection")
        if not self.media_connected:
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, "Offer the main connection first")
        try:
            if selection is None:
                await backend.unpublish(self.channel_id, self.user_id)
                answer = None
            elif connection == "video_subscriber":
                await backend.answer_video(self.channel_id, self.user_id, selection.sdp)
                return
            else:
                answer = await backend.publish(self.channel_id, self.user_id, selection)
        except MediaError as refused:
            raise VoiceCloseError(VoiceClose.DECODE_ERROR, f"Offer refused: {refused}") from None
        self.send(
            VoiceOp.SESSION_DESCRIPTION,
            {
                "connection": "video_publisher",
                "sdp": answer.sdp if answer is not None else None,
                "video_codec": "VP8",
                "media_session_id": self.media_session_id,
                "streams": [],
            },
        )

    async def _connect_bot(self, address: tuple[str, int]) -> None:
        assert self.rights is not None
        if self.bot_endpoint is None:
            raise VoiceCloseError(VoiceClose.UNKNOWN_PROTOCOL, "Bots cannot join voice here")
        key = secrets.token_bytes(32)
        offer = BotOffer(self.ssrc, address, key, self.bot_endpoint)
        try:
            await self.backend.connect_bot(self.channel_id, self.user_id, offer, self.rights, self)
        except MediaError as refused:
            raise VoiceCloseError(VoiceClose.SERVER_CRASHED, f"Cannot connect: {refused}") from None
        first = not self.media_connected
        self.media_connected = True
        self.send(
            VoiceOp.SESSION_DESCRIPTION,
            {
                "mode": UDP_MODE,
                "secret_key": list(key),
                "audio_codec": "opus",
                "video_codec": None,
                "media_session_id": self.media_session_id,
                "dave_protocol_version": 0,
            },
        )
        if first:
            self._announce()

    def _announce(self) -> None:
        """Tell who is there (op 11 both ways) and who speaks already, once media is up."""
        others = [c for c in self.rooms.in_room(self.guild_id, self.channel_id) if c is not self]
        self.send(VoiceOp.CLIENTS_CONNECT, {"user_ids": [str(c.user_id) for c in others]})
        for other in others:
            other.send(VoiceOp.CLIENTS_CONNECT, {"user_ids": [str(self.user_id)]})
        for user_id in sorted(self.rooms.speaking.get(self.channel_id, ())):
            if user_id != self.user_id:
                self._send_speaking(user_id, True)

    def _answer(self, answer: Answer) -> None:
        self.send(
            VoiceOp.SESSION_DESCRIPTION,
            {
                "sdp": answer.sdp,
                "audio_codec": "opus",
                "video_codec": "VP8",
                "media_session_id": self.media_session_id,
                "streams": [_stream(s) for s in answer.streams],
            },
        )

    async def _leave(self) -> None:
        if self._refresher is not None:
            self._refresher.cancel()
        if not self.identified:
            return
        self.rooms.detach(self)
        if self.media_connected:
            self.media_connected = False
            for other in self.rooms.in_room(self.guild_id, self.channel_id):
                other.send(VoiceOp.CLIENT_DISCONNECT, {"user_id": str(self.user_id)})
            if self.rooms.by_guild.get(self.guild_id, {}).get(self.user_id) is None:
                await self.backend.disconnect(self.channel_id, self.user_id)

    # -- standing: rights, or the end of the connection -------------------------------------

    def standing_may_have_changed(self) -> None:
        self._refresh_wanted.set()

    async def _keep_standing(self) -> None:
        """Re-read the person's standing after each change that may touch it (coalesced)."""
        while True:
            await self._refresh_wanted.wait()
            self._refresh_wanted.clear()
            standing = await self.rooms.standing(self.guild_id, self.user_id)
            if (
                standing is None
                or standing.state.session_id != self.session_id
                or standing.state.channel_id != self.channel_id
            ):
                self.close_soon(VoiceClose.DISCONNECTED, "Disconnected")
                return
            rights = standing.rights
            if rights != self.rights:
                self.rights = rights
                if self.media_connected:
                    # The media may be gone already (its worker died; this closes soon).
                    with contextlib.suppress(NotConnected):
                        self.backend.set_rights(self.channel_id, self.user_id, rights)

    # -- sending, and the SFU's callbacks (RoomListener) -------------------------------------

    def send(self, op: VoiceOp, data: Any) -> None:
        self.outgoing.put_nowait(orjson.dumps({"op": int(op), "d": data}))

    def close_soon(self, code: int, reason: str) -> None:
        self.outgoing.put_nowait((code, reason))

    def speaking(self, user_id: int, speaking: bool) -> None:
        self.rooms.heard(self.channel_id, user_id, speaking)
        self._send_speaking(user_id, speaking)

    def _send_speaking(self, user_id: int, speaking: bool) -> None:
        self.send(VoiceOp.SPEAKING, {"user_id": str(user_id), "ssrc": 0, "speaking": int(speaking)})

    def slot_speaker(self, ssrc: int, user_id: int) -> None:
        """A bot's audio slot changed speaker: op 5 with that SSRC, which Discord's voice-receive
        code reads to tell whose packets these are (Discord gives each speaker one SSRC; here a slot
        carries one speaker at a time, so the mapping is re-sent whenever it changes)."""
        self.send(VoiceOp.SPEAKING, {"user_id": str(user_id), "ssrc": ssrc, "speaking": 1})

    def video_offer(self, offer: VideoOffer) -> None:
        """The subscriber connection's offer (op 4 `type: offer`); the client answers in op 1."""
        self.send(
            VoiceOp.SESSION_DESCRIPTION,
            {
                "connection": "video_subscriber",
                "type": "offer",
                "sdp": offer.sdp,
                "video_codec": "VP8",
                "media_session_id": self.media_session_id,
                "streams": [_stream(slot) for slot in offer.streams],
            },
        )

    def video_unpublished(self) -> None:
        """The publisher connection was closed (STREAM taken away): op 4 without an SDP."""
        self.send(VoiceOp.SESSION_DESCRIPTION, {"connection": "video_publisher", "sdp": None})

    def streams_changed(self) -> None:
        streams = [
            {"user_id": str(s.user_id), "source": s.source}
            for s in self.backend.video_streams(self.channel_id)
            if s.user_id != self.user_id
        ]
        self.send(VoiceOp.STREAMS, {"streams": streams})


async def voice_endpoint(websocket: WebSocket) -> None:
    await VoiceConnection(websocket, websocket.app.state.voice).run()
