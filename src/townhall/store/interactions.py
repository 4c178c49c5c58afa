"""Interactions, their ephemeral messages, and the JSON that messages keep of them.

An interaction row lives for its token's 15 minutes (`prune` removes older ones, and their
ephemeral messages with them). Its first answer is recorded with a conditional update, so that
two answers racing on two nodes cannot both win (`record_callback`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import RowMapping, delete, false, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.components import Modal
from townhall.domain.interactions import (
    CallbackType,
    Interaction,
    InteractionSource,
    InteractionType,
)
from townhall.domain.models import (
    Attachment,
    Message,
    MessageInteraction,
    MessageReference,
    MessageType,
    User,
)
from townhall.store.attachments import from_json as attachments_from_json
from townhall.store.attachments import to_json as attachments_to_json
from townhall.store.rows import from_millis, from_millis_required, join_ids, split_ids, to_millis
from townhall.store.schema import applications, ephemeral_messages, interactions, users
from townhall.store.users import USER_COLUMNS

# -- JSON kept on messages -----------------------------------------------------------------------


def components_to_json(components: Sequence[Mapping[str, object]] | None) -> str | None:
    return orjson.dumps(list(components)).decode() if components else None


def components_from_json(text: str | None) -> tuple[dict[str, object], ...]:
    return tuple(orjson.loads(text)) if text else ()


def _user_json(user: User) -> dict[str, object]:
    return {
        "id": user.id,
        "username": user.username,
        "global_name": user.global_name,
        "avatar": user.avatar,
        "bot": user.bot,
    }


def _user_from(item: Mapping[str, Any]) -> User:
    return User(
        id=item["id"],
        username=item["username"],
        global_name=item.get("global_name"),
        avatar=item.get("avatar"),
        bot=bool(item.get("bot")),
    )


def _metadata_json(m: MessageInteraction) -> dict[str, object]:
    body: dict[str, object] = {
        "id": m.id,
        "type": m.type,
        "user": _user_json(m.user),
        "application_id": m.application_id,
        "guild_id": m.guild_id,
        "name": m.name,
        "command_type": m.command_type,
        "target_message_id": m.target_message_id,
        "interacted_message_id": m.interacted_message_id,
        "original_response_message_id": m.original_response_message_id,
    }
    if m.target_user is not None:
        body["target_user"] = _user_json(m.target_user)
    if m.triggering is not None:
        body["triggering"] = _metadata_json(m.triggering)
    return body


def _metadata_from(item: Mapping[str, Any]) -> MessageInteraction:
    return MessageInteraction(
        id=item["id"],
        type=item["type"],
        user=_user_from(item["user"]),
        application_id=item["application_id"],
        guild_id=item.get("guild_id"),
        name=item.get("name"),
        command_type=item.get("command_type"),
        target_user=_user_from(item["target_user"]) if item.get("target_user") else None,
        target_message_id=item.get("target_message_id"),
        interacted_message_id=item.get("interacted_message_id"),
        original_response_message_id=item.get("original_response_message_id"),
        triggering=_metadata_from(item["triggering"]) if item.get("triggering") else None,
    )


def message_interaction_to_json(m: MessageInteraction | None) -> str | None:
    return orjson.dumps(_metadata_json(m)).decode() if m is not None else None


def message_interaction_from_json(text: str | None) -> MessageInteraction | None:
    return _metadata_from(orjson.loads(text)) if text else None


# -- interactions --------------------------------------------------------------------------------


def _source_json(source: InteractionSource) -> dict[str, object]:
    body: dict[str, object] = {
        "command_id": source.command_id,
        "name": source.name,
        "command_type": source.command_type,
        "target_user_id": source.target_user_id,
        "target_message_id": source.target_message_id,
        "message_id": source.message_id,
        "message_ephemeral": source.message_ephemeral,
        "custom_id": source.custom_id,
        "triggering_id": source.triggering_id,
        "triggering_type": source.triggering_type,
    }
    if source.triggering is not None:
        body["triggering"] = _source_json(source.triggering)
    return body


def _source_from(item: Mapping[str, Any]) -> InteractionSource:
    triggering = item.get("triggering")
    fields = {k: v for k, v in item.items() if k != "triggering"}
    return InteractionSource(**fields, triggering=_source_from(triggering) if triggering else None)


def _modal_json(modal: Modal | None) -> str | None:
    if modal is None:
        return None
    body = {"custom_id": modal.custom_id, "title": modal.title, "components": modal.components}
    return orjson.dumps(body).decode()


def _modal_from(text: str | None) -> Modal | None:
    if not text:
        return None
    item = orjson.loads(text)
    return Modal(item["custom_id"], item["title"], tuple(item["components"]))


def _interaction(row: RowMapping) -> Interaction:
    callback = row["callback_type"]
    return Interaction(
        id=row["id"],
        application_id=row["application_id"],
        type=InteractionType(row["type"]),
        user_id=row["user_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        created_at=from_millis_required(row["created_at"]),
        source=_source_from(orjson.loads(row["source"])),
        nonce=row["nonce"],
        callback_type=CallbackType(callback) if callback is not None else None,
        response_message_id=row["response_message_id"],
        response_ephemeral=row["response_ephemeral"],
        modal=_modal_from(row["modal"]),
        failed=row["failed"],
    )


async def insert_interaction(
    conn: AsyncConnection, interaction: Interaction, token_hash: bytes
) -> None:
    await conn.execute(
        insert(interactions).values(
            id=interaction.id,
            application_id=interaction.application_id,
            type=int(interaction.type),
            token_hash=token_hash,
            user_id=interaction.user_id,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            nonce=interaction.nonce,
            source=orjson.dumps(_source_json(interaction.source)).decode(),
            created_at=to_millis(interaction.created_at),
        )
    )


async def get_interaction(
    conn: AsyncConnection, interaction_id: int
) -> tuple[Interaction, bytes] | None:
    query = select(interactions).where(interactions.c.id == interaction_id)
    row = (await conn.execute(query)).mappings().first()
    return (_interaction(row), row["token_hash"]) if row else None


async def by_token(
    conn: AsyncConnection, application_id: int, token_hash: bytes
) -> Interaction | None:
    query = select(interactions).where(
        interactions.c.token_hash == token_hash, interactions.c.application_id == application_id
    )
    row = (await conn.execute(query)).mappings().first()
    return _interaction(row) if row else None


async def record_callback(
    conn: AsyncConnection,
    interaction_id: int,
    kind: CallbackType,
    *,
    response_message_id: int | None = None,
    ephemeral: bool = False,
    modal: Modal | None = None,
) -> bool:
    """Record the first answer; False when another answer (or the failure) came first."""
    result = await conn.execute(
        update(interactions)
        .where(
            interactions.c.id == interaction_id,
            interactions.c.callback_type.is_(None),
            interactions.c.failed == false(),
        )
        .values(
            callback_type=int(kind),
            response_message_id=response_message_id,
            response_ephemeral=ephemeral,
            modal=_modal_json(modal),
        )
    )
    return bool(result.rowcount)


async def release_callback(conn: AsyncConnection, interaction_id: int) -> None:
    """The answer could not be carried out (its message was refused): it may answer again."""
    await conn.execute(
        update(interactions)
        .where(interactions.c.id == interaction_id)
        .values(callback_type=None, response_message_id=None, modal=None)
    )


async def unanswered_before(conn: AsyncConnection, before_ms: int) -> list[Interaction]:
    """Interactions still waiting for their first answer though their time is up."""
    query = select(interactions).where(
        interactions.c.created_at < before_ms,
        interactions.c.callback_type.is_(None),
        interactions.c.failed == false(),
    )
    return [_interaction(row) for row in (await conn.execute(query)).mappings()]


async def set_response_message(
    conn: AsyncConnection, interaction_id: int, message_id: int | None, ephemeral: bool
) -> None:
    await conn.execute(
        update(interactions)
        .where(interactions.c.id == interaction_id)
        .values(response_message_id=message_id, response_ephemeral=ephemeral)
    )


async def mark_failed(conn: AsyncConnection, interaction_id: int) -> bool:
    """The application did not answer in time (or its endpoint failed): True if still unanswered."""
    result = await conn.execute(
        update(interactions)
        .where(
            interactions.c.id == interaction_id,
            interactions.c.callback_type.is_(None),
            interactions.c.failed == false(),
        )
        .values(failed=True)
    )
    return bool(result.rowcount)


async def prune(conn: AsyncConnection, before_ms: int) -> int:
    """Forget interactions whose tokens ran out (their ephemeral messages go with them)."""
    old = select(interactions.c.id).where(interactions.c.created_at < before_ms)
    await conn.execute(
        delete(ephemeral_messages).where(ephemeral_messages.c.interaction_id.in_(old))
    )
    result = await conn.execute(delete(interactions).where(interactions.c.created_at < before_ms))
    return int(result.rowcount or 0)


# -- ephemeral messages --------------------------------------------------------------------------

_AUTHOR = tuple(column.label(f"by_{column.name}") for column in USER_COLUMNS)


async def insert_ephemeral(
    conn: AsyncConnection, message: Message, interaction_id: int, viewer_id: int
) -> None:
    reference = message.reference
    await conn.execute(
        insert(ephemeral_messages).values(
            id=message.id,
            interaction_id=interaction_id,
            channel_id=message.channel_id,
            guild_id=message.guild_id,
            user_id=viewer_id,
            author_id=message.author.id,
            type=int(message.type),
            content=message.content,
            embeds=orjson.dumps(list(message.embeds)).decode() if message.embeds else None,
            components=components_to_json(message.components),
            flags=message.flags,
            mention_ids=join_ids(message.mention_ids),
            interaction=message_interaction_to_json(message.interaction),
            reference_message_id=reference.message_id if reference else None,
            attachments=attachments_to_json(message.attachments),
        )
    )


async def get_ephemeral(conn: AsyncConnection, message_id: int) -> tuple[Message, int, int] | None:
    """The message, its interaction's id, and the one person who sees it."""
    query = (
        select(ephemeral_messages, *_AUTHOR)
        .select_from(
            ephemeral_messages.outerjoin(users, users.c.id == ephemeral_messages.c.author_id)
        )
        .where(ephemeral_messages.c.id == message_id)
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    author = User(
        id=row["author_id"],
        username=row["by_username"] or "Deleted User",
        global_name=row["by_global_name"],
        avatar=row["by_avatar"],
        bot=True,
    )
    mention_ids = split_ids(row["mention_ids"])
    mentioned: tuple[User, ...] = ()
    if mention_ids:
        found = await conn.execute(select(*USER_COLUMNS).where(users.c.id.in_(list(mention_ids))))
        by_id = {
            r["id"]: User(
                id=r["id"],
                username=r["username"],
                global_name=r["global_name"],
                avatar=r["avatar"],
                bot=r["bot"],
            )
            for r in found.mappings()
        }
        mentioned = tuple(by_id[u] for u in mention_ids if u in by_id)
    reference = None
    if row["reference_message_id"] is not None:
        reference = MessageReference(
            row["reference_message_id"], row["channel_id"], row["guild_id"]
        )
    message = Message(
        id=row["id"],
        channel_id=row["channel_id"],
        guild_id=row["guild_id"],
        author=author,
        content=row["content"],
        type=MessageType(row["type"]),
        edited_at=from_millis(row["edited_at"]),
        flags=row["flags"],
        mention_ids=mention_ids,
        mentions=mentioned,
        embeds=tuple(orjson.loads(row["embeds"])) if row["embeds"] else (),
        components=components_from_json(row["components"]),
        interaction=message_interaction_from_json(row["interaction"]),
        webhook_id=row["author_id"],
        reference=reference,
        attachments=attachments_from_json(row["attachments"]),
    )
    return message, row["interaction_id"], row["user_id"]


async def update_ephemeral(conn: AsyncConnection, message: Message, edited_at_ms: int) -> None:
    await conn.execute(
        update(ephemeral_messages)
        .where(ephemeral_messages.c.id == message.id)
        .values(
            content=message.content,
            embeds=orjson.dumps(list(message.embeds)).decode() if message.embeds else None,
            components=components_to_json(message.components),
            flags=message.flags,
            mention_ids=join_ids(message.mention_ids),
            edited_at=edited_at_ms,
            attachments=attachments_to_json(message.attachments),
        )
    )


async def set_ephemeral_files(
    conn: AsyncConnection, message_id: int, shown: Sequence[Attachment]
) -> None:
    """An ephemeral message's files as shown, after a scan's verdict (actions/file_scans.py)."""
    await conn.execute(
        update(ephemeral_messages)
        .where(ephemeral_messages.c.id == message_id)
        .values(attachments=attachments_to_json(shown))
    )


async def delete_ephemeral(conn: AsyncConnection, message_id: int) -> None:
    await conn.execute(delete(ephemeral_messages).where(ephemeral_messages.c.id == message_id))


# -- an application's endpoint and key -----------------------------------------------------------


async def signing_key(conn: AsyncConnection, application_id: int) -> bytes | None:
    query = select(applications.c.interactions_signing_key).where(
        applications.c.id == application_id
    )
    value: bytes | None = (await conn.execute(query)).scalar_one_or_none()
    return value


async def set_signing_key(
    conn: AsyncConnection, application_id: int, seed: bytes, verify_key: str
) -> None:
    await conn.execute(
        update(applications)
        .where(applications.c.id == application_id)
        .values(interactions_signing_key=seed, verify_key=verify_key)
    )
