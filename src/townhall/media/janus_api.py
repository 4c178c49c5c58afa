"""One Janus server's HTTP API, as the Janus media backend drives it.

Janus's REST transport works in sessions: POST `/janus` creates one, POST `/janus/<session>`
attaches a plugin handle (one handle is one peer connection), POST `/janus/<session>/<handle>`
sends the plugin a message. Synchronous plugin requests (AudioBridge's and VideoRoom's `create`,
`listparticipants`, `kick`, `destroy`) are answered in the POST's response; asynchronous ones
(`join`, `configure`, VideoRoom's `publish`, `subscribe`, `start`)
are answered "ack" there, and their result, with the SDP answer, arrives later as an event on
the session's long poll (GET `/janus/<session>`), tagged with the request's transaction. The long
poll also carries what the plugin tells a handle unasked (who is talking, who left) and keeps the
session alive: Janus drops a session after 60 s without a request.

So each `JanusServer` keeps one session and one long poll for the whole backend, and routes each
event to its request's waiting future or to its handle's callback. A session Janus forgot (it
restarted, or we could not reach it for a minute) is replaced on next use; its handles' callbacks
get `{"janus": "detached"}`, as their peer connections are gone with it.

Authentication, each optional and matching Janus's own settings: `api_secret` (janus.jcfg
`api_secret`) is sent as `apisecret`; `token_secret` (janus.jcfg `token_auth = true` and
`token_auth_secret`) signs Janus's HMAC-SHA1 tokens, `expiry,janus,<plugin>,…:<base64
signature>`, scoped to the AudioBridge and VideoRoom plugins only. Janus lets a request in with
either a valid api_secret or a valid token, and then checks a token's plugins when a handle is
attached.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

import httpx

from townhall.media.backend import MediaError

log = logging.getLogger(__name__)

AUDIOBRIDGE = "janus.plugin.audiobridge"
VIDEOROOM = "janus.plugin.videoroom"
PLUGINS = [AUDIOBRIDGE, VIDEOROOM]
SESSION_NOT_FOUND = 458
HANDLE_NOT_FOUND = 459
TOKEN_LIFETIME = 24 * 3600
POLL_SECONDS = 30
"""Janus answers a long poll with a keepalive after 30 s without events."""

Event = dict[str, Any]
EventHandler = Callable[[Event], None]


class JanusError(MediaError):
    """Janus refused a request, or could not be reached; `code` is Janus's error code if any."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.code = code


def signed_token(secret: str, plugins: list[str], expires_at: int) -> str:
    """A token Janus accepts with `token_auth_secret = secret`, for these plugins only."""
    data = ",".join([str(expires_at), "janus", *plugins])
    signature = hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(signature).decode()}"


class JanusServer:
    """A session with one Janus server, its long poll, and its handles' event callbacks."""

    def __init__(
        self,
        url: str,
        http: httpx.AsyncClient,
        *,
        api_secret: str | None = None,
        token_secret: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.url = url.rstrip("/")
        self._http = http
        self._api_secret = api_secret
        self._token_secret = token_secret
        self._token: tuple[str, float] | None = None
        self._timeout = timeout
        self._session_id: int | None = None
        self._opening = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None
        self._handlers: dict[int, EventHandler] = {}
        self._waiting: dict[str, asyncio.Future[Event]] = {}
        self._closed = False

    async def attach(self, plugin: str, on_event: EventHandler) -> int:
        """A new handle (a peer connection to be) on `plugin`; its events go to `on_event`."""
        session = await self._session()
        reply = await self._post(f"/{session}", {"janus": "attach", "plugin": plugin})
        handle: int = reply["data"]["id"]
        self._handlers[handle] = on_event
        return handle

    async def detach(self, handle: int) -> None:
        """Close the handle's peer connection and free it; a handle already gone is fine."""
        self._handlers.pop(handle, None)
        if self._session_id is None:
            return
        try:
            await self._post(f"/{self._session_id}/{handle}", {"janus": "detach"})
        except JanusError as error:
            if error.code not in (SESSION_NOT_FOUND, HANDLE_NOT_FOUND):
                raise

    async def request(self, handle: int, body: Event) -> Event:
        """A synchronous plugin request; returns the plugin's reply data."""
        reply = await self._post(self._handle_path(handle), {"janus": "message", "body": body})
        return _plugin_data(reply)

    async def request_event(
        self, handle: int, body: Event, jsep: Event | None = None
    ) -> tuple[Event, Event | None]:
        """An asynchronous plugin request; returns the data and the JSEP of its event."""
        transaction = secrets.token_hex(12)
        arrived = asyncio.get_running_loop().create_future()
        self._waiting[transaction] = arrived
        message: Event = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        try:
            reply = await self._post(self._handle_path(handle), message, transaction)
            if reply.get("janus") != "ack":
                return _plugin_data(reply), reply.get("jsep")
            # Janus gathers its candidates before it answers an offer: allow for that.
            event = await asyncio.wait_for(arrived, self._timeout + 5)
        except TimeoutError:
            raise JanusError(f"{self.url}: no answer to {body.get('request')}") from None
        finally:
            self._waiting.pop(transaction, None)
        return _plugin_data(event), event.get("jsep")

    async def close(self) -> None:
        """Stop the long poll and end the session (its handles with it)."""
        self._closed = True
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        if self._session_id is not None:
            with contextlib.suppress(JanusError):
                await self._post(f"/{self._session_id}", {"janus": "destroy"})
        self._forget_session()

    def _handle_path(self, handle: int) -> str:
        if self._session_id is None:
            raise JanusError(f"{self.url}: the session is gone", SESSION_NOT_FOUND)
        return f"/{self._session_id}/{handle}"

    async def _session(self) -> int:
        async with self._opening:
            if self._session_id is None:
                if self._closed:
                    raise JanusError(f"{self.url}: closed")
                reply = await self._post("", {"janus": "create"})
                self._session_id = reply["data"]["id"]
                self._poller = asyncio.get_running_loop().create_task(
                    self._poll(reply["data"]["id"])
                )
            return self._session_id

    def _credentials(self) -> Event:
        credentials: Event = {}
        if self._api_secret is not None:
            credentials["apisecret"] = self._api_secret
        if self._token_secret is not None:
            now = time.time()
            if self._token is None or self._token[1] < now + 3600:
                expires = int(now) + TOKEN_LIFETIME
                self._token = (signed_token(self._token_secret, PLUGINS, expires), expires)
            credentials["token"] = self._token[0]
        return credentials

    async def _post(self, path: str, message: Event, transaction: str | None = None) -> Event:
        sent = {**message, "transaction": transaction or secrets.token_hex(12)}
        sent.update(self._credentials())
        try:
            response = await self._http.post(self.url + path, json=sent, timeout=self._timeout)
            reply: Event = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise JanusError(f"{self.url}: {error!r}") from error
        if reply.get("janus") == "error":
            refusal = reply.get("error", {})
            if refusal.get("code") == SESSION_NOT_FOUND:
                self._forget_session()
            raise JanusError(f"{self.url}: {refusal.get('reason')}", refusal.get("code"))
        return reply

    async def _poll(self, session: int) -> None:
        """Deliver the session's events until it is closed or Janus forgets it."""
        failures = 0
        while self._session_id == session:
            try:
                response = await self._http.get(
                    f"{self.url}/{session}",
                    params={"maxev": 20, **self._credentials()},
                    timeout=POLL_SECONDS + self._timeout,
                )
                events = response.json()
            except (httpx.HTTPError, ValueError) as error:
                failures += 1
                log.warning("Janus %s: long poll failed (%r)", self.url, error)
                await asyncio.sleep(min(failures, 5))
                continue
            failures = 0
            for event in events if isinstance(events, list) else [events]:
                self._dispatch(event)

    def _dispatch(self, event: Event) -> None:
        kind = event.get("janus")
        if kind == "error" and event.get("error", {}).get("code") == SESSION_NOT_FOUND:
            log.warning("Janus %s forgot session %s", self.url, self._session_id)
            self._forget_session()
            return
        waiting = self._waiting.get(event.get("transaction") or "")
        if waiting is not None and kind == "event" and not waiting.done():
            waiting.set_result(event)
            return
        handler = self._handlers.get(event.get("sender") or 0)
        if handler is not None:
            try:
                handler(event)
            except Exception:
                log.exception("Janus %s: handling %s failed", self.url, kind)

    def _forget_session(self) -> None:
        """The session is gone; so are its handles (their callbacks are told) and waiters."""
        self._session_id = None
        handlers, self._handlers = self._handlers, {}
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(JanusError(f"{self.url}: session lost", SESSION_NOT_FOUND))
        for handler in handlers.values():
            with contextlib.suppress(Exception):
                handler({"janus": "detached"})


def _plugin_data(reply: Event) -> Event:
    """The plugin's data in a reply or event; a plugin error becomes a JanusError."""
    data: Event = reply.get("plugindata", {}).get("data", {})
    if "error_code" in data:
        raise JanusError(str(data.get("error")), data["error_code"])
    return data
