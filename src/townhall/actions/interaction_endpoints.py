"""Applications without a gateway connection: interactions POSTed to their endpoint, signed.

As Discord does: the body is signed with the application's Ed25519 key over the timestamp and
the body (`X-Signature-Ed25519`, `X-Signature-Timestamp`); the endpoint checks it with the
application's `verify_key`. An endpoint answers 200 with the callback inline, or 202/204 and
calls the callback route itself. Setting an endpoint first sends it a PING that it must answer
with `{"type": 1}`, and a PING with a wrong signature that it must refuse (401).
"""

from __future__ import annotations

import time

import httpx
import orjson

from townhall.actions.interaction_messages import Callback, callback_from
from townhall.actions.services import Services
from townhall.domain import errors
from townhall.domain.interactions import (
    RESPONSE_WINDOW,
    InteractionCreated,
    new_signing_key,
    new_token,
    signature,
)
from townhall.store import interactions as interaction_store
from townhall.wire import interactions as wire_interactions

URL_MAX = 2048
USER_AGENT = "townhall-interactions/1.0"


class EndpointFailed(Exception):
    """The endpoint did not answer, or not with 200/202/204."""


def _unverified() -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(
        "interactions_endpoint_url",
        "The specified interactions endpoint url could not be verified.",
        "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID",
    )


def checked_url(url: str) -> str:
    if len(url) > URL_MAX or not url.startswith(("https://", "http://")):
        raise errors.InvalidFormBody.field(
            "interactions_endpoint_url", "Not a well formed URL.", "URL_TYPE_INVALID_URL"
        )
    return url


async def _key(s: Services, application_id: int) -> bytes:
    """The application's signing key, made now for an application older than keys."""
    async with s.engine.connect() as conn:
        seed = await interaction_store.signing_key(conn, application_id)
    if seed is not None:
        return seed
    seed, verify_key = new_signing_key()
    async with s.write() as tx:
        await interaction_store.set_signing_key(tx.conn, application_id, seed, verify_key)
    return seed


async def _post(url: str, body: bytes, seed: bytes) -> httpx.Response:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Signature-Ed25519": signature(seed, stamp, body),
        "X-Signature-Timestamp": stamp,
    }
    async with httpx.AsyncClient(timeout=RESPONSE_WINDOW.total_seconds()) as client:
        return await client.post(url, content=body, headers=headers)


async def verify(s: Services, application_id: int, url: str) -> None:
    """Before an application's endpoint is set: it answers a PING, and refuses a forgery."""
    checked_url(url)
    seed = await _key(s, application_id)
    ping = orjson.dumps(wire_interactions.ping(s.ids.next_id(), application_id, new_token()))
    try:
        answer = await _post(url, ping, seed)
        forged_key, _public = new_signing_key()
        forged = await _post(url, ping, forged_key)
    except httpx.HTTPError:
        raise _unverified() from None
    try:
        ponged = answer.status_code == 200 and orjson.loads(answer.content).get("type") == 1
    except (orjson.JSONDecodeError, AttributeError):
        ponged = False
    if not ponged or not 400 <= forged.status_code < 500:
        raise _unverified()


async def deliver(s: Services, created: InteractionCreated, url: str) -> Callback | None:
    """POST the interaction; the inline answer (a callback body), or None."""
    seed = await _key(s, created.interaction.application_id)
    body = orjson.dumps(wire_interactions.interaction(created))
    try:
        answer = await _post(url, body, seed)
    except httpx.HTTPError as error:
        raise EndpointFailed(type(error).__name__) from None
    if answer.status_code in (202, 204):
        return None
    if answer.status_code != 200:
        raise EndpointFailed(f"status {answer.status_code}")
    try:
        return callback_from(orjson.loads(answer.content))
    except orjson.JSONDecodeError:
        raise EndpointFailed("not JSON") from None
