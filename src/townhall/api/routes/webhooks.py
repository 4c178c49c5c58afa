"""Webhooks, as Discord's: managed with MANAGE_WEBHOOKS, executed with their token and no auth.

See docs/webhooks.md; Slack- and GitHub-shaped bodies are converted in wire/webhook_formats.py.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from townhall.actions import interactions as interaction_actions
from townhall.actions import messages as message_actions
from townhall.actions import webhooks as webhook_actions
from townhall.actions.attachments import IncomingFile
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ChannelId,
    CurrentActor,
    GuildId,
    MessageId,
    ServicesDep,
    Snowflake,
)
from townhall.api.message_bodies import (
    AttachmentBody,
    documented_body,
    incoming_files,
    message_form,
    read_json_body,
    read_message_body,
)
from townhall.api.responses import JSON, no_content
from townhall.api.routes import interactions as interaction_routes
from townhall.api.routes.messages import AllowedMentionsBody
from townhall.domain import errors
from townhall.domain.models import User
from townhall.domain.webhooks import Webhook
from townhall.wire import payloads, schemas, webhook_formats

router = APIRouter(tags=["webhooks"])

WebhookId = Annotated[int, Path(ge=0, le=MAX_SNOWFLAKE, description="webhook id")]
WebhookToken = Annotated[str, Path(min_length=1, max_length=200, description="webhook token")]
WITH_TOKEN = "/webhooks/{webhook_id}/{webhook_token}"


class CreateWebhookBody(BaseModel):
    name: Any = None
    avatar: str | None = None


class ModifyWebhookBody(BaseModel):
    name: Any = None
    avatar: str | None = None
    channel_id: Snowflake | None = None


class ExecuteWebhookBody(BaseModel):
    content: str | None = None
    username: str | None = None
    avatar_url: str | None = None
    tts: bool | None = None
    embeds: list[dict[str, Any]] | None = None
    allowed_mentions: AllowedMentionsBody | None = None
    flags: int | None = None
    attachments: list[AttachmentBody] | None = None
    """Descriptions and names of the `files[n]` parts (multipart), or finished uploads."""
    thread_name: str | None = None
    """A forum channel's webhook: start a post with this name (its first message is this one)."""
    applied_tags: list[Snowflake] | None = None
    """The new post's tags."""


_EXECUTE_DOC = documented_body(ExecuteWebhookBody, files=True)


def _no_avatar(avatar: str | None) -> None:
    if avatar is not None:
        raise errors.InvalidFormBody.field(
            "avatar", "Webhook avatars are not supported yet.", "BASE_TYPE_INVALID"
        )


def _with_creators(found: list[Webhook], creators: dict[int, User]) -> list[dict[str, Any]]:
    return [
        payloads.webhook(w, creator=creators.get(w.user_id) if w.user_id else None) for w in found
    ]


@router.post("/channels/{channel_id}/webhooks", response_model=schemas.Webhook, response_class=JSON)
async def create_webhook(
    channel_id: ChannelId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    body = await read_json_body(request, CreateWebhookBody)
    _no_avatar(body.avatar)
    webhook, token = await webhook_actions.create_webhook(s, actor, channel_id, body.name)
    created = payloads.webhook(webhook, creator=actor.user, token=token)
    created["url"] = str(
        request.url_for("execute_webhook", webhook_id=webhook.id, webhook_token=token)
    )
    return JSON(created)


@router.get(
    "/channels/{channel_id}/webhooks", response_model=list[schemas.Webhook], response_class=JSON
)
async def channel_webhooks(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    found, creators = await webhook_actions.channel_webhooks(s, actor, channel_id)
    return JSON(_with_creators(found, creators))


@router.get(
    "/guilds/{guild_id}/webhooks", response_model=list[schemas.Webhook], response_class=JSON
)
async def guild_webhooks(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    found, creators = await webhook_actions.guild_webhooks(s, actor, guild_id)
    return JSON(_with_creators(found, creators))


@router.get("/webhooks/{webhook_id}", response_model=schemas.Webhook, response_class=JSON)
async def get_webhook(webhook_id: WebhookId, actor: CurrentActor, s: ServicesDep) -> Any:
    webhook, creator = await webhook_actions.get_webhook(s, actor, webhook_id)
    return JSON(payloads.webhook(webhook, creator=creator))


@router.patch("/webhooks/{webhook_id}", response_model=schemas.Webhook, response_class=JSON)
async def modify_webhook(
    webhook_id: WebhookId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    body = await read_json_body(request, ModifyWebhookBody)
    _no_avatar(body.avatar)
    changed = await webhook_actions.modify_webhook(
        s, actor, webhook_id, name=body.name, channel_id=body.channel_id
    )
    _found, creator = await webhook_actions.get_webhook(s, actor, changed.id)
    return JSON(payloads.webhook(changed, creator=creator))


@router.delete("/webhooks/{webhook_id}", status_code=204)
async def delete_webhook(webhook_id: WebhookId, actor: CurrentActor, s: ServicesDep) -> Response:
    await webhook_actions.delete_webhook(s, actor, webhook_id)
    return no_content()


@router.get(WITH_TOKEN, response_model=schemas.Webhook, response_class=JSON)
async def get_webhook_with_token(
    webhook_id: WebhookId, webhook_token: WebhookToken, s: ServicesDep
) -> Any:
    webhook, _creator = await webhook_actions.get_webhook(s, None, webhook_id, webhook_token)
    return JSON(payloads.webhook(webhook))


@router.patch(WITH_TOKEN, response_model=schemas.Webhook, response_class=JSON)
async def modify_webhook_with_token(
    webhook_id: WebhookId, webhook_token: WebhookToken, request: Request, s: ServicesDep
) -> Any:
    body = await read_json_body(request, ModifyWebhookBody)
    _no_avatar(body.avatar)
    changed = await webhook_actions.modify_webhook(
        s, None, webhook_id, token=webhook_token, name=body.name, channel_id=body.channel_id
    )
    return JSON(payloads.webhook(changed))


@router.delete(WITH_TOKEN, status_code=204)
async def delete_webhook_with_token(
    webhook_id: WebhookId, webhook_token: WebhookToken, s: ServicesDep
) -> Response:
    await webhook_actions.delete_webhook(s, None, webhook_id, webhook_token)
    return no_content()


def _draft(body: ExecuteWebhookBody, files: list[IncomingFile]) -> message_actions.Draft:
    return message_actions.Draft(
        content=body.content or "",
        tts=bool(body.tts),
        embeds=body.embeds or (),
        allowed_mentions=body.allowed_mentions.to_domain() if body.allowed_mentions else None,
        flags=body.flags or 0,
        files=files,
    )


async def _execute(
    s: ServicesDep,
    webhook_id: int,
    token: str,
    body: ExecuteWebhookBody,
    wait: bool,
    thread_id: int | None,
    *,
    files: list[IncomingFile] | None = None,
    service: bool = False,
) -> Response:
    target = webhook_actions.Target(
        thread_id=thread_id,
        thread_name=body.thread_name,
        applied_tags=body.applied_tags,
        service=service,
    )
    message = await webhook_actions.execute_webhook(
        s,
        webhook_id,
        token,
        _draft(body, files or []),
        username=body.username,
        avatar_url=body.avatar_url,
        target=target,
    )
    return JSON(payloads.message(message)) if wait else no_content()


QueryThread = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]


@router.post(
    WITH_TOKEN,
    response_model=schemas.Message,
    response_class=JSON,
    name="execute_webhook",
    openapi_extra=_EXECUTE_DOC,
)
async def execute_webhook(
    webhook_id: WebhookId,
    webhook_token: WebhookToken,
    request: Request,
    s: ServicesDep,
    wait: bool = False,
    thread_id: QueryThread = None,
) -> Response:
    """JSON, or `multipart/form-data` with files as for a message (api/message_bodies.py):
    204, or the message with `wait=true`. With an application's id and an interaction's
    token: a follow-up (docs/interactions.md)."""
    if await interaction_actions.is_application(s, webhook_id):
        return await interaction_routes.follow_up(s, webhook_id, webhook_token, request)
    async with message_form(request) as form:
        body = await read_message_body(request, form, ExecuteWebhookBody)
        files = incoming_files(form, body.attachments)
        return await _execute(s, webhook_id, webhook_token, body, wait, thread_id, files=files)


@router.post(WITH_TOKEN + "/slack", response_model=schemas.Message, response_class=JSON)
async def execute_slack_webhook(
    webhook_id: WebhookId,
    webhook_token: WebhookToken,
    request: Request,
    s: ServicesDep,
    wait: bool = False,
    thread_id: QueryThread = None,
) -> Response:
    converted = webhook_formats.from_slack(await webhook_formats.json_object(request))
    body = ExecuteWebhookBody.model_validate(converted)
    return await _execute(s, webhook_id, webhook_token, body, wait, thread_id, service=True)


@router.post(WITH_TOKEN + "/github", response_model=schemas.Message, response_class=JSON)
async def execute_github_webhook(
    webhook_id: WebhookId,
    webhook_token: WebhookToken,
    request: Request,
    s: ServicesDep,
    wait: bool = False,
    thread_id: QueryThread = None,
) -> Response:
    """GitHub's push and ping events become embeds; other events are accepted and dropped."""
    event = request.headers.get("x-github-event", "")
    converted = webhook_formats.from_github(event, await webhook_formats.json_object(request))
    if converted is None:
        await webhook_actions.get_webhook(s, None, webhook_id, webhook_token)  # still check it
        return no_content()
    body = ExecuteWebhookBody.model_validate(converted)
    return await _execute(s, webhook_id, webhook_token, body, wait, thread_id, service=True)


@router.get(
    WITH_TOKEN + "/messages/{message_id:int}", response_model=schemas.Message, response_class=JSON
)
async def get_webhook_message(
    webhook_id: WebhookId,
    webhook_token: WebhookToken,
    message_id: MessageId,
    s: ServicesDep,
    thread_id: QueryThread = None,
) -> Any:
    """`thread_id`: the message is in that thread of the webhook's channel."""
    if await interaction_actions.is_application(s, webhook_id):
        return await interaction_routes.get_follow_up(s, webhook_id, webhook_token, message_id)
    message = await webhook_actions.get_webhook_message(
        s, webhook_id, webhook_token, message_id, thread_id=thread_id
    )
    return JSON(payloads.message(message))


@router.delete(WITH_TOKEN + "/messages/{message_id:int}", status_code=204)
async def delete_webhook_message(
    webhook_id: WebhookId,
    webhook_token: WebhookToken,
    message_id: MessageId,
    s: ServicesDep,
    thread_id: QueryThread = None,
) -> Response:
    if await interaction_actions.is_application(s, webhook_id):
        return await interaction_routes.delete_follow_up(s, webhook_id, webhook_token, message_id)
    await webhook_actions.delete_webhook_message(
        s, webhook_id, webhook_token, message_id, thread_id=thread_id
    )
    return no_content()
