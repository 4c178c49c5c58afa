"""REQUEST_GUILD_MEMBERS (op 8) → GUILD_MEMBERS_CHUNK events of at most 1000 members each."""

from __future__ import annotations

from typing import Any

import orjson

from townhall.actions import sessions as session_actions
from townhall.domain.event_data import Presence
from townhall.domain.guests import is_guest
from townhall.gateway import limits
from townhall.gateway.hub import Hub
from townhall.gateway.protocol import Close, GatewayClose
from townhall.gateway.session import Session, dispatch_head
from townhall.wire import payloads
from townhall.wire.intents import Intent

CHUNK_SIZE = 1000


async def send_member_chunks(hub: Hub, session: Session, data: dict[str, Any]) -> None:
    guild_ids = limits.snowflakes(data.get("guild_id"))
    query = data.get("query")
    limit = data.get("limit", 0)
    user_ids = limits.snowflakes(data["user_ids"]) if data.get("user_ids") is not None else None
    if (
        isinstance(limit, bool)
        or not isinstance(limit, int)
        or limit < 0
        or (query is not None and not isinstance(query, str))
        or (query is None and user_ids is None)
    ):
        raise GatewayClose(Close.DECODE_ERROR, "query or user_ids is required")
    wants_everyone = user_ids is None and not query and limit == 0
    if wants_everyone and session.user.bot and not session.intents & Intent.GUILD_MEMBERS:
        raise GatewayClose(Close.DISALLOWED_INTENTS, "GUILD_MEMBERS intent required")
    with_presences = bool(data.get("presences")) and bool(
        session.intents & Intent.GUILD_PRESENCES or not session.user.bot
    )
    nonce = data.get("nonce")
    if not isinstance(nonce, str) or len(nonce.encode()) > limits.NONCE_MAX_BYTES:
        nonce = None  # Discord ignores a nonce longer than 32 bytes
    for guild_id in guild_ids:
        if guild_id not in session.guild_ids:
            continue
        found = await session_actions.member_chunk(
            hub.services,
            guild_id,
            query=query if isinstance(query, str) else None,
            limit=min(limit, 100) if not wants_everyone else 0,
            user_ids=user_ids,
        )
        state = hub.guilds.get(guild_id)
        if state is not None and is_guest(session.user):
            seen = set(state.members_seen_by_guest(session.user.id))
            found = [m for m in found if m.user.id in seen]
        chunks = [found[i : i + CHUNK_SIZE] for i in range(0, len(found), CHUNK_SIZE)] or [[]]
        missing = sorted(set(user_ids or ()) - {m.user.id for m in found})
        for index, chunk in enumerate(chunks):
            body: dict[str, Any] = {
                "guild_id": str(guild_id),
                "members": [payloads.member(m) for m in chunk],
                "chunk_index": index,
                "chunk_count": len(chunks),
            }
            if missing and index == 0:
                body["not_found"] = [str(uid) for uid in missing]
            if with_presences:
                body["presences"] = [
                    payloads.presence(Presence(m.user.id, hub.statuses[m.user.id]), None)
                    for m in chunk
                    if m.user.id in hub.statuses
                ]
            if nonce is not None:
                body["nonce"] = nonce
            session.dispatch(dispatch_head("GUILD_MEMBERS_CHUNK", orjson.dumps(body)))
