"""Interactions (docs/interactions.md): a person's client creates one (`POST /interactions`),
the application answers through `/interactions/{id}/{token}/callback` (the token is the only
credential) and follows up through the webhook routes with its id and the token
(`/webhooks/{application_id}/{token}`, which api/routes/webhooks.py hands over here).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from townhall.actions import interaction_messages as replies
from townhall.actions import interactions as interaction_actions
from townhall.actions.attachments import IncomingFile
from townhall.actions.interaction_messages import Callback, Reply, ReplyEdit
from townhall.api.deps import MAX_SNOWFLAKE, CurrentActor, MessageId, ServicesDep
from townhall.api.message_bodies import (
    AttachmentBody,
    attachment_entries,
    documented_body,
    form_json,
    incoming_files,
    kept_attachment_ids,
    message_form,
)
from townhall.api.responses import JSON, no_content
from townhall.api.routes.commands import InvalidJson
from townhall.domain import errors
from townhall.wire import interactions as wire
from townhall.wire import payloads, schemas

router = APIRouter(tags=["interactions"])

InteractionId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="interaction id")]
Token = Annotated[str, Path(min_length=1, max_length=200, description="interaction token")]
WebhookId = Annotated[
    int, Path(ge=0, le=MAX_SNOWFLAKE, description="webhook id, or an application's id")
]
WITH_TOKEN = "/webhooks/{webhook_id}/{webhook_token}"


class InteractionBody(BaseModel):
    """For the document: what Discord's client sends (checked in actions/interactions.py)."""

    type: int
    application_id: str
    channel_id: str
    guild_id: str | None = None
    data: dict[str, Any]
    message_id: str | None = None
    nonce: str | None = None
    session_id: str | None = None


class CallbackBody(BaseModel):
    type: int
    data: dict[str, Any] | None = None


class MessageBody(BaseModel):
    content: str | None = None
    embeds: list[dict[str, Any]] | None = None
    components: list[dict[str, Any]] | None = None
    allowed_mentions: dict[str, Any] | None = None
    flags: int | None = None
    tts: bool | None = None
    attachments: list[AttachmentBody] | None = None
    """Files: new ones (`files[n]` parts, uploads) and, on an edit, those kept (by id)."""


def _json(text: bytes) -> object:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidJson() from None


@asynccontextmanager
async def message_payload(request: Request) -> AsyncIterator[tuple[object, FormData | None]]:
    """A message body as the application sends it: JSON, or multipart with `payload_json` and
    `files[n]` (api/message_bodies.py), and the form, its files readable within the block."""
    async with message_form(request) as form:
        text = form_json(form) if form is not None else (await request.body() or b"{}")
        yield _json(text), form


def _files_of(
    value: object, form: FormData | None, path: str
) -> tuple[list[IncomingFile], list[int] | None]:
    """The files a message body sends (its `attachments` entries and `files[n]` parts), and the
    ids of the files it keeps (None: it names no `attachments`, so an edit keeps them all)."""
    body = value if isinstance(value, dict) else {}
    if "attachments" not in body:
        return incoming_files(form, None), None
    described = attachment_entries(body["attachments"], path)
    return incoming_files(form, described), kept_attachment_ids(form, described)


def _reply_with_files(reply: Reply, value: object, form: FormData | None, path: str) -> Reply:
    files, _kept = _files_of(value, form, path)
    return replace(reply, files=files) if files else reply


def _edit_with_files(
    change: ReplyEdit, value: object, form: FormData | None, path: str
) -> ReplyEdit:
    files, kept = _files_of(value, form, path)
    if kept is None:
        return replace(change, files=files) if files else change
    return replace(change, files=files, keep_attachments=kept)


def _callback_with_files(callback: Callback, value: object, form: FormData | None) -> Callback:
    data = value.get("data") if isinstance(value, dict) else None
    if callback.reply is not None:
        reply = _reply_with_files(callback.reply, data, form, "data.attachments")
        return replace(callback, reply=reply)
    if callback.edit is not None:
        edit = _edit_with_files(callback.edit, data, form, "data.attachments")
        return replace(callback, edit=edit)
    return callback


async def payload(request: Request) -> object:
    """The JSON body, or a multipart body's `payload_json` (a person's client sends no files
    here: ATTACHMENT options name finished uploads)."""
    async with message_payload(request) as (value, form):
        if form is not None and any(isinstance(v, UploadFile) for _k, v in form.multi_items()):
            raise errors.InvalidFormBody.field(
                "files", "Files are not supported here yet.", "BASE_TYPE_INVALID"
            )
        return value


def _snowflake(body: dict[str, Any], key: str, *, required: bool = True) -> int | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).isdigit():
        raise errors.InvalidFormBody.field(key, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    number = int(value)
    if number > MAX_SNOWFLAKE:
        raise errors.InvalidFormBody.field(key, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    return number


def _invoke(body: object) -> interaction_actions.Invoke:
    if not isinstance(body, dict):
        raise errors.InvalidFormBody.field("_root", "Must be an object.", "DICT_TYPE_CONVERT")
    kind, data, nonce = body.get("type"), body.get("data"), body.get("nonce")
    if isinstance(kind, bool) or not isinstance(kind, int):
        raise errors.InvalidFormBody.field("type", "This field is required", "BASE_TYPE_REQUIRED")
    if not isinstance(data, dict):
        raise errors.InvalidFormBody.field("data", "This field is required", "BASE_TYPE_REQUIRED")
    if nonce is not None and (not isinstance(nonce, str | int) or len(str(nonce)) > 64):
        raise errors.InvalidFormBody.field("nonce", "Must be a short string.", "BASE_TYPE_INVALID")
    application_id = _snowflake(body, "application_id")
    channel_id = _snowflake(body, "channel_id")
    assert application_id is not None and channel_id is not None
    return interaction_actions.Invoke(
        type=kind,
        application_id=application_id,
        channel_id=channel_id,
        data=data,
        guild_id=_snowflake(body, "guild_id", required=False),
        message_id=_snowflake(body, "message_id", required=False),
        nonce=str(nonce) if nonce is not None else None,
    )


@router.post("/interactions", status_code=204, openapi_extra=documented_body(InteractionBody))
async def create_interaction(request: Request, actor: CurrentActor, s: ServicesDep) -> Response:
    """A person uses a command or a component; the application hears of it (204 at once)."""
    await interaction_actions.create_interaction(s, actor, _invoke(await payload(request)))
    return no_content()


@router.post(
    "/interactions/{interaction_id}/{interaction_token}/callback",
    status_code=204,
    responses={200: {"model": schemas.InteractionCallbackResponse}},
    openapi_extra=documented_body(CallbackBody, files=True),
)
async def create_interaction_response(
    interaction_id: InteractionId,
    interaction_token: Token,
    request: Request,
    s: ServicesDep,
    with_response: bool = False,
) -> Response:
    """The application's one answer, within 3 seconds; `with_response=true` shows it."""
    async with message_payload(request) as (value, form):
        callback = _callback_with_files(replies.callback_from(value), value, form)
        answered = await interaction_actions.respond(s, interaction_id, interaction_token, callback)
    if not with_response:
        return no_content()
    body = wire.callback_response(
        answered.interaction.id,
        int(answered.interaction.type),
        int(answered.type),
        message=answered.message,
        message_id=answered.message_id,
        ephemeral=answered.ephemeral,
        loading=answered.loading,
    )
    return JSON(body)


# -- follow-ups: the webhook routes with an application's id and an interaction's token ------------


async def follow_up(s: ServicesDep, application_id: int, token: str, request: Request) -> Response:
    """`POST /webhooks/{application_id}/{token}`: as executing a webhook with `wait=true`."""
    async with message_payload(request) as (value, form):
        reply = replies.reply_from(value, path="_root")
        reply = _reply_with_files(reply, value, form, "attachments")
        message = await interaction_actions.follow_up(s, application_id, token, reply)
    return JSON(payloads.message(message))


@router.get(WITH_TOKEN + "/messages/@original", response_model=schemas.Message, response_class=JSON)
async def get_original_response(webhook_id: WebhookId, webhook_token: Token, s: ServicesDep) -> Any:
    message = await interaction_actions.get_response(s, webhook_id, webhook_token, None)
    return JSON(payloads.message(message))


@router.patch(
    WITH_TOKEN + "/messages/@original",
    response_model=schemas.Message,
    response_class=JSON,
    openapi_extra=documented_body(MessageBody, files=True),
)
async def edit_original_response(
    webhook_id: WebhookId, webhook_token: Token, request: Request, s: ServicesDep
) -> Any:
    async with message_payload(request) as (value, form):
        change = replies.edit_from(value, path="_root")
        change = _edit_with_files(change, value, form, "attachments")
        message = await interaction_actions.edit_response(
            s, webhook_id, webhook_token, None, change
        )
    return JSON(payloads.message(message))


@router.delete(WITH_TOKEN + "/messages/@original", status_code=204)
async def delete_original_response(
    webhook_id: WebhookId, webhook_token: Token, s: ServicesDep
) -> Response:
    await interaction_actions.delete_response(s, webhook_id, webhook_token, None)
    return no_content()


async def get_follow_up(s: ServicesDep, application_id: int, token: str, message_id: int) -> Any:
    message = await interaction_actions.get_response(s, application_id, token, message_id)
    return JSON(payloads.message(message))


async def delete_follow_up(
    s: ServicesDep, application_id: int, token: str, message_id: int
) -> Response:
    await interaction_actions.delete_response(s, application_id, token, message_id)
    return no_content()


@router.patch(
    WITH_TOKEN + "/messages/{message_id:int}",
    response_model=schemas.Message,
    response_class=JSON,
    openapi_extra=documented_body(MessageBody, files=True),
)
async def edit_webhook_message(
    webhook_id: WebhookId,
    webhook_token: Token,
    message_id: MessageId,
    request: Request,
    s: ServicesDep,
    thread_id: Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)] = None,
) -> Any:
    """A follow-up's edit with an interaction's token, or a webhook's message with its own
    (`thread_id`: in that thread of the webhook's channel)."""
    async with message_payload(request) as (value, form):
        change = replies.edit_from(value, path="_root")
        change = _edit_with_files(change, value, form, "attachments")
        if await interaction_actions.is_application(s, webhook_id):
            message = await interaction_actions.edit_response(
                s, webhook_id, webhook_token, message_id, change
            )
        else:
            message = await replies.edit_webhook_message(
                s, webhook_id, webhook_token, message_id, change, thread_id=thread_id
            )
    return JSON(payloads.message(message))
