"""Per-account sign-in backoff, which cannot lock the owner out for good.

Per-address limits (api/ratelimit.py) do not stop guessing one account's password from many
addresses. So failures are also counted per account (per login name when no account matches, so
that the answers reveal nothing about which accounts exist): after `sign_in_failures` failures
within `sign_in_window_seconds` (Zulip's 5 per 30 minutes), sign-in is refused with 429 for a
backoff that starts at `sign_in_backoff_seconds` and doubles with each further failure, up to the
window. The password is not even checked while the backoff lasts.

Nobody can use this to keep a person out: the backoff ends by itself, and a device that signed in
to the account before (it holds the `device_token` a successful sign-in returns) is never held
back.
"""

from __future__ import annotations

import hashlib
import secrets

from townhall.actions.services import Services
from townhall.domain import errors
from townhall.store import sign_ins as sign_in_store


def account_key(user_id: int | None, login_key: str) -> str:
    return f"user:{user_id}" if user_id is not None else f"login:{login_key}"


def _device_hash(device_token: str) -> bytes:
    return hashlib.sha256(device_token.encode()).digest()


async def is_known_device(s: Services, user_id: int, device_token: str | None) -> bool:
    if not device_token:
        return False
    async with s.engine.connect() as conn:
        return await sign_in_store.is_known_device(conn, user_id, _device_hash(device_token))


async def require_no_backoff(s: Services, key: str) -> None:
    """429 with `retry_after` while the account's backoff lasts."""
    async with s.engine.connect() as conn:
        found = await sign_in_store.failures(conn, key)
    now = s.now_ms()
    if found is not None and found[2] > now:
        raise errors.RateLimited((found[2] - now) / 1000)


async def record_failure(s: Services, key: str) -> None:
    settings = s.settings
    window_ms = settings.sign_in_window_seconds * 1000
    now = s.now_ms()
    async with s.write() as tx:
        found = await sign_in_store.failures(tx.conn, key)
        if found is None or found[1] + window_ms <= now:
            count, started = 1, now
        else:
            count, started = found[0] + 1, found[1]
        blocked_until = 0
        if count >= settings.sign_in_failures:
            doublings = min(count - settings.sign_in_failures, 30)
            backoff_ms = min(settings.sign_in_backoff_seconds * 1000 * 2**doublings, window_ms)
            blocked_until = now + int(backoff_ms)
        await sign_in_store.put_failures(tx.conn, key, count, started, blocked_until)
        await sign_in_store.prune_failures(tx.conn, now - window_ms, now)


async def record_success(s: Services, key: str, user_id: int, device_token: str | None) -> str:
    """Clear the account's failures; returns the device token to keep (the one presented, if
    it was known, else a new one)."""
    async with s.write() as tx:
        await sign_in_store.clear_failures(tx.conn, key)
        token = device_token
        if not token or not await sign_in_store.is_known_device(
            tx.conn, user_id, _device_hash(token)
        ):
            token = secrets.token_urlsafe(32)
        await sign_in_store.remember_device(tx.conn, user_id, _device_hash(token), s.now_ms())
    return token
