"""`/channels/{channel_id}/messages` and `/channels/{channel_id}/typing`.

Message ids in paths use Starlette's `int` convertor, so that `/messages/pins` (api/routes/pins.py)
is never taken for a message id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.datastructures import FormData
from starlette.responses import Response

from townhall.actions import message_changes
from townhall.actions import messages as message_actions
from townhall.actions import read_states as read_state_actions
from townhall.actions.attachments import IncomingFile
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ChannelId,
    CurrentActor,
    MessageId,
    ServicesDep,
    Snowflake,
)
from townhall.api.message_bodies import (
    AttachmentBody,
    documented_body,
    form_payload,
    incoming_files,
    is_multipart,
    kept_attachment_ids,
    read_form,
    read_json_body,
)
from townhall.api.responses import JSON, no_content
from townhall.domain import errors
from townhall.domain.locations import Position, new_location
from townhall.domain.mentions import AllowedMentions, allowed_mentions
from townhall.domain.models import UNSET, Location, Unset
from townhall.wire import payloads, schemas

router = APIRouter(tags=["messages"])

MESSAGE = "/channels/{channel_id}/messages/{message_id:int}"

QuerySnowflake = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]


class AllowedMentionsBody(BaseModel):
    parse: list[str] | None = None
    users: list[Snowflake] | None = None
    roles: list[Snowflake] | None = None
    replied_user: bool | None = None

    def to_domain(self) -> AllowedMentions:
        return allowed_mentions(self.parse, self.users, self.roles, self.replied_user)


class MessageReferenceBody(BaseModel):
    type: int | None = None
    """Absent or null is 0 (DEFAULT, a reply), as on Discord: py-cord sends `"type": null`."""
    message_id: Snowflake | None = None
    channel_id: Snowflake | None = None
    guild_id: Snowflake | None = None
    fail_if_not_exists: bool | None = None


class LocationBody(BaseModel):
    """townhall's: a location shared with a message, once or live (`live_for_seconds`)."""

    latitude: float
    longitude: float
    accuracy: float | None = None
    live_for_seconds: int | None = None
    """900, 3600 or 28800: the author keeps it up to date for that long."""


class LocationUpdateBody(BaseModel):
    """A live location's new position, or `live: false` to stop sharing it."""

    latitude: float | None = None
    longitude: float | None = None
    accuracy: float | None = None
    live: bool | None = None

    def position(self) -> Position | None:
        if self.live is False:
            return None
        if self.latitude is None or self.longitude is None:
            raise errors.InvalidFormBody.field(
                "location.latitude", "This field is required", "BASE_TYPE_REQUIRED"
            )
        return Position(self.latitude, self.longitude, self.accuracy)


class CreateMessageBody(BaseModel):
    content: str | None = None
    nonce: int | str | None = None
    enforce_nonce: bool | None = None
    tts: bool | None = None
    embeds: list[dict[str, Any]] | None = None
    allowed_mentions: AllowedMentionsBody | None = None
    message_reference: MessageReferenceBody | None = None
    sticker_ids: list[Snowflake] | None = None
    flags: int | None = None
    attachments: list[AttachmentBody] | None = None
    location: LocationBody | None = None
    components: list[dict[str, Any]] | None = None
    """Action rows of buttons and select menus (bots only; docs/interactions.md)."""


_MESSAGE_BODY_DOC = documented_body(CreateMessageBody, files=True)


class EditMessageBody(BaseModel):
    content: str | None = None
    embeds: list[dict[str, Any]] | None = None
    flags: int | None = None
    allowed_mentions: AllowedMentionsBody | None = None
    location: LocationUpdateBody | None = None
    """Moves (or stops) the message's live location; sent on its own."""
    attachments: list[AttachmentBody] | None = None
    """The files to keep (by id), and new ones (`files[n]` parts, or uploads)."""


class AckBody(BaseModel):
    """What Discord's client sends; `token` is always null nowadays."""

    token: str | None = None
    manual: bool | None = None
    mention_count: int | None = Field(default=None, ge=0)


class BulkDeleteBody(BaseModel):
    messages: list[Snowflake]


def _location(body: LocationBody | None, s: ServicesDep) -> Location | None:
    if body is None:
        return None
    position = Position(body.latitude, body.longitude, body.accuracy)
    return new_location(s.now(), position, body.live_for_seconds)


def _reply_to(body: MessageReferenceBody | None) -> message_actions.ReplyTo | None:
    if body is None:
        return None
    return message_actions.ReplyTo(
        message_id=body.message_id,
        channel_id=body.channel_id,
        guild_id=body.guild_id,
        fail_if_not_exists=body.fail_if_not_exists is not False,
        type=body.type if body.type is not None else message_actions.REFERENCE_DEFAULT,
    )


@router.post(
    "/channels/{channel_id}/messages",
    response_model=schemas.Message,
    response_class=JSON,
    openapi_extra=_MESSAGE_BODY_DOC,
)
async def create_message(
    channel_id: ChannelId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    """JSON, or `multipart/form-data` with files (see api/message_bodies.py)."""
    if not is_multipart(request):
        body = await read_json_body(request, CreateMessageBody)
        files = incoming_files(None, body.attachments) if body.attachments else []
        return await _send(channel_id, body, files, actor, s)
    form = await read_form(request)
    try:
        body = form_payload(form, CreateMessageBody)
        files = incoming_files(form, body.attachments)
        return await _send(channel_id, body, files, actor, s)
    finally:
        await form.close()


async def _send(
    channel_id: int,
    body: CreateMessageBody,
    files: list[IncomingFile],
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    draft = message_actions.Draft(
        content=body.content or "",
        tts=bool(body.tts),
        nonce=body.nonce,
        enforce_nonce=bool(body.enforce_nonce),
        allowed_mentions=body.allowed_mentions.to_domain() if body.allowed_mentions else None,
        reply_to=_reply_to(body.message_reference),
        embeds=body.embeds or (),
        sticker_ids=body.sticker_ids or (),
        flags=body.flags or 0,
        files=files,
        location=_location(body.location, s),
        components=body.components or (),
    )
    message = await message_actions.send_message(s, actor, channel_id, draft)
    return JSON(payloads.message(message))


@router.get(
    "/channels/{channel_id}/messages", response_model=list[schemas.Message], response_class=JSON
)
async def list_messages(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    around: QuerySnowflake = None,
    before: QuerySnowflake = None,
    after: QuerySnowflake = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Any:
    page = await message_actions.list_messages(
        s, actor, channel_id, limit=limit, before=before, after=after, around=around
    )
    return JSON(payloads.message_list(page))


@router.post("/channels/{channel_id}/messages/bulk-delete", status_code=204)
async def bulk_delete_messages(
    channel_id: ChannelId, body: BulkDeleteBody, actor: CurrentActor, s: ServicesDep
) -> Response:
    await message_changes.bulk_delete_messages(s, actor, channel_id, body.messages)
    return no_content()


@router.get(MESSAGE, response_model=schemas.Message, response_class=JSON)
async def get_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Any:
    return JSON(
        payloads.message(await message_actions.get_message(s, actor, channel_id, message_id))
    )


@router.patch(
    MESSAGE,
    response_model=schemas.Message,
    response_class=JSON,
    openapi_extra=documented_body(EditMessageBody, files=True),
)
async def edit_message(
    channel_id: ChannelId,
    message_id: MessageId,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    """JSON, or `multipart/form-data` with new files (see api/message_bodies.py)."""
    if not is_multipart(request):
        body = await read_json_body(request, EditMessageBody)
        return await _edit(channel_id, message_id, body, None, actor, s)
    form = await read_form(request)
    try:
        return await _edit(
            channel_id, message_id, form_payload(form, EditMessageBody), form, actor, s
        )
    finally:
        await form.close()


async def _edit(
    channel_id: int,
    message_id: int,
    body: EditMessageBody,
    form: FormData | None,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    given = body.model_fields_set
    if body.location is not None:
        moved = await message_changes.update_live_location(
            s, actor, channel_id, message_id, body.location.position()
        )
        return JSON(payloads.message(moved))
    files: list[IncomingFile] = []
    keep: list[int] | Unset = UNSET
    if "attachments" in given:
        files = incoming_files(form, body.attachments)
        keep = kept_attachment_ids(form, body.attachments)
    edit = message_changes.MessageEdit(
        content=body.content if "content" in given else UNSET,
        embeds=body.embeds if "embeds" in given else UNSET,
        flags=body.flags if "flags" in given else UNSET,
        allowed_mentions=body.allowed_mentions.to_domain() if body.allowed_mentions else None,
        keep_attachments=keep,
        files=files,
    )
    message = await message_changes.edit_message(s, actor, channel_id, message_id, edit)
    return JSON(payloads.message(message))


@router.delete(MESSAGE, status_code=204)
async def delete_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await message_changes.delete_message(s, actor, channel_id, message_id)
    return no_content()


@router.post(MESSAGE + "/crosspost", response_model=schemas.Message, response_class=JSON)
async def crosspost_message(
    channel_id: ChannelId, message_id: MessageId, actor: CurrentActor, s: ServicesDep
) -> Any:
    published = await message_changes.crosspost_message(s, actor, channel_id, message_id)
    return JSON(payloads.message(published))


@router.post(MESSAGE + "/ack", response_model=schemas.AckToken, response_class=JSON)
async def ack_message(
    channel_id: ChannelId,
    message_id: MessageId,
    actor: CurrentActor,
    s: ServicesDep,
    body: AckBody | None = None,
) -> Any:
    """Mark the channel read up to this message, for all of the person's devices."""
    manual = bool(body and body.manual)
    await read_state_actions.ack_message(s, actor, channel_id, message_id, manual=manual)
    return JSON({"token": None})


@router.post("/channels/{channel_id}/typing", status_code=204)
async def trigger_typing(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Response:
    await message_actions.trigger_typing(s, actor, channel_id)
    return no_content()
