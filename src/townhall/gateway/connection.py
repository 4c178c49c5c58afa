"""One WebSocket connection speaking Discord gateway v10: HELLO, IDENTIFY or RESUME, heartbeats.

Incoming traffic is small (heartbeats, identify, presence, member requests), so it goes through the
ordinary ASGI receive path; outgoing events bypass it (see `transport`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from townhall.actions import applications as application_actions
from townhall.actions import sessions as session_actions
from townhall.actions import voice as voice_actions
from townhall.actions.voice import VoiceRequest
from townhall.domain import errors
from townhall.domain.actor import Actor
from townhall.domain.applications import granted_privileged_intents
from townhall.gateway import limits, subscriptions
from townhall.gateway.anonymous import VisitorSession
from townhall.gateway.hub import Hub
from townhall.gateway.members import send_member_chunks
from townhall.gateway.protocol import ALL_INTENTS, PRIVILEGED_INTENTS, Close, GatewayClose, Op
from townhall.gateway.session import Connection, Session
from townhall.gateway.transport import COMPRESSORS, QueuedFrames, frames_for
from townhall.wire import payloads
from townhall.wire.intents import Intent

log = logging.getLogger("townhall.gateway")

EVENT_LIMIT, EVENT_WINDOW = 120, 60.0
HEARTBEAT_GRACE = 1.5
"""A client is closed when no heartbeat came for this many intervals."""
CLEAN_CLOSE_CODES = (1000, 1001)


def gateway_url(websocket_or_base: str) -> str:
    return websocket_or_base.replace("https://", "wss://").replace("http://", "ws://").rstrip("/")


class GatewayConnection:
    def __init__(self, websocket: WebSocket, hub: Hub) -> None:
        self.websocket = websocket
        self.hub = hub
        self.settings = hub.services.settings
        self.session: Session | None = None
        self.connection: Connection | None = None
        self.received: deque[float] = deque()
        self.heartbeat_interval = self.settings.heartbeat_interval_ms / 1000
        self.last_heartbeat = self.opened = time.monotonic()

    async def run(self) -> None:
        client = self.websocket.client
        address = client.host if client else "unknown"
        if not self.hub.address_slots.take(address):
            # Refused before the handshake (HTTP 403): it costs no session.
            await self.websocket.close(Close.RATE_LIMITED)
            return
        try:
            await self.serve()
        finally:
            self.hub.address_slots.give_back(address)

    async def serve(self) -> None:
        params = self.websocket.query_params
        await self.websocket.accept()
        frames = frames_for(self.websocket)
        try:
            compressor = COMPRESSORS.get(params.get("compress"))
            if compressor is None:
                raise GatewayClose(Close.DECODE_ERROR, "unknown compression")
            self.connection = Connection(frames, compressor())
            if params.get("v", "10") not in ("9", "10"):
                raise GatewayClose(Close.INVALID_API_VERSION, "Invalid API version")
            if params.get("encoding", "json") != "json":
                raise GatewayClose(Close.DECODE_ERROR, "only encoding=json is supported")
            self.send(Op.HELLO, {"heartbeat_interval": self.settings.heartbeat_interval_ms})
            await self.receive_loop()
        except GatewayClose as close:
            await self.close(close.code, close.reason)
        except WebSocketDisconnect as gone:
            await self.lose(gone.code)
        except Exception:
            # A payload this code did not foresee: a bug to fix, but the session is detached
            # (it may still RESUME) and the client hears a documented close code.
            log.exception("gateway connection failed")
            await self.close(Close.UNKNOWN_ERROR, "Unknown error")
        finally:
            if isinstance(frames, QueuedFrames):
                frames.stop()
            if isinstance(self.session, VisitorSession):
                self.hub.visitors.end(self.session)

    async def close(self, code: int, reason: str) -> None:
        if isinstance(self.session, VisitorSession):
            self.hub.visitors.end(self.session)  # visitors never resume
        elif self.session is not None:
            self.hub.detach(self.session)
            if code in (
                Close.AUTHENTICATION_FAILED,
                Close.INVALID_INTENTS,
                Close.DISALLOWED_INTENTS,
            ):
                await self.hub.end(self.session)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):  # the client may be gone
            await self.websocket.close(code, reason)

    async def lose(self, code: int) -> None:
        """The client went away: a clean close ends the session, anything else allows a RESUME."""
        session = self.session
        if isinstance(session, VisitorSession):
            self.hub.visitors.end(session)  # visitors never resume
            return
        if session is None or session.connection is not self.connection:
            return
        if code in CLEAN_CLOSE_CODES:
            await self.hub.end(session)
        else:
            self.hub.detach(session)

    def send(self, op: Op, data: Any) -> None:
        assert self.connection is not None
        self.connection.send(orjson.dumps({"op": int(op), "d": data, "s": None, "t": None}))

    async def receive_loop(self) -> None:
        while True:
            timeout, expired = self.next_deadline()
            if timeout <= 0:
                raise expired
            try:
                message = await asyncio.wait_for(self.websocket.receive(), timeout)
            except TimeoutError:
                raise expired from None
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1006))
            raw = message.get("text") or message.get("bytes") or b""
            if len(raw) > limits.MAX_CLIENT_PAYLOAD_BYTES and (
                isinstance(raw, bytes) or len(raw.encode()) > limits.MAX_CLIENT_PAYLOAD_BYTES
            ):
                # `townhall serve` refuses these before reading them (limits.py); this is for
                # other ASGI servers.
                raise GatewayClose(Close.DECODE_ERROR, "Payload too large")
            self.count_event()
            try:
                payload = orjson.loads(raw)
                op = Op(payload["op"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise GatewayClose(Close.DECODE_ERROR, "Error while decoding payload") from None
            except ValueError:
                raise GatewayClose(Close.UNKNOWN_OPCODE, "Unknown opcode") from None
            await self.handle(op, payload.get("d"))

    def next_deadline(self) -> tuple[float, GatewayClose]:
        """Seconds until the client must have sent a heartbeat (or, before IDENTIFY or RESUME,
        until it must have identified), and the close that follows."""
        now = time.monotonic()
        heartbeat = self.last_heartbeat + self.heartbeat_interval * HEARTBEAT_GRACE - now
        expired = GatewayClose(Close.SESSION_TIMED_OUT, "Session timed out")
        if self.session is None:
            identify = self.opened + self.settings.gateway_identify_timeout_seconds - now
            if identify < heartbeat:
                return identify, GatewayClose(Close.NOT_AUTHENTICATED, "Not authenticated")
        return heartbeat, expired

    def count_event(self) -> None:
        now = time.monotonic()
        received = self.received
        received.append(now)
        while received[0] < now - EVENT_WINDOW:
            received.popleft()
        if len(received) > EVENT_LIMIT:
            raise GatewayClose(Close.RATE_LIMITED, "You are being rate limited.")

    async def handle(self, op: Op, data: Any) -> None:
        if op is Op.HEARTBEAT:
            self.last_heartbeat = time.monotonic()
            self.send(Op.HEARTBEAT_ACK, None)
        elif op is Op.IDENTIFY:
            if self.session is not None:
                raise GatewayClose(Close.ALREADY_AUTHENTICATED, "Already authenticated")
            await self.identify(data if isinstance(data, dict) else {})
        elif op is Op.RESUME:
            if self.session is not None:
                raise GatewayClose(Close.ALREADY_AUTHENTICATED, "Already authenticated")
            await self.resume(data if isinstance(data, dict) else {})
        elif self.session is None:
            raise GatewayClose(Close.NOT_AUTHENTICATED, "Not authenticated")
        elif isinstance(self.session, VisitorSession):
            await self.handle_visitor(self.session, op, data)
        elif op is Op.PRESENCE_UPDATE:
            presence = limits.presence_update(data)
            self.hub.presence_gate.submit(self.session.user.id, presence)
        elif op is Op.REQUEST_GUILD_MEMBERS:
            if not isinstance(data, dict):
                raise GatewayClose(Close.DECODE_ERROR, "Error while decoding payload")
            await send_member_chunks(self.hub, self.session, data)
        elif op is Op.VOICE_STATE_UPDATE:
            await self.update_voice_state(limits.voice_state_update(data))
        elif op is Op.GUILD_SUBSCRIPTIONS:
            self.session.subscribe(subscriptions.guild_subscriptions(data))
        elif op is Op.GUILD_SUBSCRIPTIONS_BULK:
            self.session.subscribe(subscriptions.guild_subscriptions_bulk(data))
        else:
            raise GatewayClose(Close.UNKNOWN_OPCODE, "Unknown opcode")

    async def handle_visitor(self, session: VisitorSession, op: Op, data: Any) -> None:
        """An anonymous session follows public channels (op 14/37, gateway/anonymous.py); what
        only an account may do (presence, voice, members) is checked and ignored."""
        if op is Op.GUILD_SUBSCRIPTIONS:
            await self.hub.visitors.follow(session, subscriptions.guild_subscriptions(data))
        elif op is Op.GUILD_SUBSCRIPTIONS_BULK:
            await self.hub.visitors.follow(session, subscriptions.guild_subscriptions_bulk(data))
        elif op is Op.PRESENCE_UPDATE:
            limits.presence_update(data)
        elif op is Op.VOICE_STATE_UPDATE:
            limits.voice_state_update(data)
        elif op is Op.REQUEST_GUILD_MEMBERS:
            if not isinstance(data, dict):
                raise GatewayClose(Close.DECODE_ERROR, "Error while decoding payload")
        else:
            raise GatewayClose(Close.UNKNOWN_OPCODE, "Unknown opcode")

    async def update_voice_state(self, request: VoiceRequest) -> None:
        """Op 4. A refused join changes nothing and, as on Discord, answers nothing. Asking again
        for the state one has brings a fresh VOICE_SERVER_UPDATE (its token may have expired)."""
        session = self.session
        assert session is not None
        actor = Actor.of(session.user)
        try:
            update = await voice_actions.update_voice_state(
                self.hub.services, actor, session.id, request
            )
        except errors.TownhallError as refused:
            log.info("voice state refused for %s: %s", actor.id, refused.message)
            return
        state = update.state
        if (
            state is not None
            and not update.changed
            and state.session_id == session.id
            and session.voice.get(state.scope_id) == state.channel_id
        ):
            hub = self.hub
            hub.voice_server_update(session, state.guild_id, state.scope_id, state.channel_id)

    async def identify(self, data: dict[str, Any]) -> None:
        token = data.get("token")
        intents = data.get("intents")
        if data.get("anonymous") is True and not token:
            self.identify_visitor(intents)
            return
        if not isinstance(token, str) or not token:
            raise GatewayClose(Close.AUTHENTICATION_FAILED, "Authentication failed")
        user = await session_actions.identify(self.hub.services, token)
        if user is None:
            raise GatewayClose(Close.AUTHENTICATION_FAILED, "Authentication failed")
        if (
            not isinstance(intents, int)
            or isinstance(intents, bool)
            or intents < 0
            or intents & ~ALL_INTENTS
        ):
            raise GatewayClose(Close.INVALID_INTENTS, "Invalid intent(s)")
        shard = limits.shard(data.get("shard"))
        # The status to start with (discord.py's `status=`, `activity=`): as op 3 would set it.
        presence = limits.presence_update(data["presence"]) if data.get("presence") else None
        application = None
        if user.bot:
            application = await application_actions.application_for_bot(self.hub.services, user.id)
            granted = granted_privileged_intents(application.flags if application else 0)
            if intents & PRIVILEGED_INTENTS & ~granted:
                raise GatewayClose(Close.DISALLOWED_INTENTS, "Disallowed intent(s)")
        large_threshold = data.get("large_threshold", 50)
        large_threshold = min(
            max(large_threshold if isinstance(large_threshold, int) else 50, 50), 250
        )
        session = Session(
            id=secrets.token_hex(16),
            user=user,
            intents=intents,
            shard=shard,
            large_threshold=large_threshold,
            max_events=self.settings.replay_buffer_events,
            max_age=float(self.settings.replay_buffer_seconds),
            max_bytes=self.settings.replay_buffer_bytes,
            content_intent=not user.bot or bool(intents & Intent.MESSAGE_CONTENT),
            token_hash=session_actions.session_token_hash(token),
            connection=self.connection,
        )
        session.client_host = self.client_host()
        self.session = session
        ready = payloads.ready(
            user,
            session.id,
            self.resume_url(),
            shard=list(shard) if shard else None,
            application=application,
        )
        await self.hub.open(session, ready, presence)

    def identify_visitor(self, intents: object) -> None:
        """IDENTIFY without a token and with `"anonymous": true`: a visitor who follows public
        channels only (gateway/anonymous.py)."""
        if (
            not isinstance(intents, int)
            or isinstance(intents, bool)
            or intents < 0
            or intents & ~ALL_INTENTS
        ):
            raise GatewayClose(Close.INVALID_INTENTS, "Invalid intent(s)")
        client = self.websocket.client
        address = client.host if client else "unknown"
        visitors = self.hub.visitors
        if not visitors.admits(address):
            raise GatewayClose(Close.RATE_LIMITED, "Too many visitors")
        self.session = visitors.open(
            address=address,
            intents=intents,
            connection=self.connection,
            resume_gateway_url=self.resume_url(),
        )

    async def resume(self, data: dict[str, Any]) -> None:
        session = self.hub.sessions.get(str(data.get("session_id")))
        seq = data.get("seq")
        token = data.get("token")
        user = (
            await session_actions.identify(self.hub.services, token)
            if isinstance(token, str)
            else None
        )
        own = session is not None and user is not None and user.id == session.user.id
        if own and (not isinstance(seq, int) or seq < 0 or seq > session.seq):  # type: ignore[union-attr]
            raise GatewayClose(Close.INVALID_SEQ, "Invalid seq")
        if (
            session is None
            or user is None
            or user.id != session.user.id
            or not isinstance(seq, int)
            or not session.can_resume_from(seq)
        ):
            self.send(Op.INVALID_SESSION, False)
            return
        assert self.connection is not None
        for frame in session.replay_after(seq):
            self.connection.send(frame)
        session.connection = self.connection
        session.detached_at = None
        self.session = session
        session.dispatch(b'{"op":0,"t":"RESUMED","d":null,"s":')

    def client_host(self) -> str:
        """The address the client reached us at (`host:port`), as a voice endpoint's base."""
        settings = self.settings
        if settings.public_url:
            return settings.public_url.split("://", 1)[-1].rstrip("/")
        return self.websocket.headers.get("host", f"{settings.host}:{settings.port}")

    def resume_url(self) -> str:
        """Where to RESUME: this process (with several workers, its own port)."""
        settings = self.settings
        if settings.public_url:
            return gateway_url(settings.public_url)
        host = self.websocket.headers.get("host", f"{settings.host}:{settings.port}")
        scheme = "wss" if self.websocket.url.scheme == "wss" else "ws"
        if settings.resume_port is not None:
            host = f"{host.rsplit(':', 1)[0]}:{settings.resume_port}"
        return f"{scheme}://{host}"


async def gateway_endpoint(websocket: WebSocket) -> None:
    await GatewayConnection(websocket, websocket.app.state.hub).run()
