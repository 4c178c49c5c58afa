"""Threads and forum posts (docs/threads.md): starting them, their members, listing them.

Changing and deleting a thread go through `PATCH`/`DELETE /channels/{id}` (routes/channels.py),
and its messages through the message routes: a thread is a channel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from starlette.responses import Response

from townhall.actions import messages as message_actions
from townhall.actions import thread_members as member_actions
from townhall.actions import threads as thread_actions
from townhall.actions.attachments import IncomingFile
from townhall.api.deps import (
    MAX_SNOWFLAKE,
    ChannelId,
    CurrentActor,
    GuildId,
    MessageId,
    ServicesDep,
    Snowflake,
    UserId,
)
from townhall.api.message_bodies import (
    documented_body,
    form_payload,
    incoming_files,
    is_multipart,
    read_form,
    read_json_body,
)
from townhall.api.responses import JSON, no_content
from townhall.api.routes.messages import CreateMessageBody
from townhall.domain import errors
from townhall.domain import threads as rules
from townhall.domain.snowflake import snowflake_time
from townhall.wire import payloads, schemas

router = APIRouter(tags=["threads"])

QuerySnowflake = Annotated[int | None, Query(ge=0, le=MAX_SNOWFLAKE)]
PageLimit = Annotated[int, Query(ge=1, le=rules.ARCHIVED_PAGE_MAX)]


class StartThreadBody(BaseModel):
    """Start Thread from Message."""

    name: str
    auto_archive_duration: int | None = None
    rate_limit_per_user: int | None = None


class StartThreadWithoutMessageBody(StartThreadBody):
    """Start Thread without Message, and (with `message`) Start Thread in Forum Channel."""

    type: int | None = None
    invitable: bool | None = None
    applied_tags: list[Snowflake] | None = None
    message: CreateMessageBody | None = None
    """A forum post's first message (content, embeds, components, files…)."""

    def draft(self) -> thread_actions.ThreadDraft:
        return thread_actions.ThreadDraft(
            name=self.name,
            auto_archive_duration=self.auto_archive_duration,
            rate_limit_per_user=self.rate_limit_per_user,
            type=self.type,
            invitable=self.invitable,
            applied_tags=self.applied_tags,
        )


_START_BODY_DOC = documented_body(StartThreadWithoutMessageBody, files=True)


def _first_message(body: CreateMessageBody, files: list[IncomingFile]) -> message_actions.Draft:
    return message_actions.Draft(
        content=body.content or "",
        tts=bool(body.tts),
        allowed_mentions=body.allowed_mentions.to_domain() if body.allowed_mentions else None,
        embeds=body.embeds or (),
        sticker_ids=body.sticker_ids or (),
        flags=body.flags or 0,
        files=files,
        components=body.components or (),
    )


@router.post(
    "/channels/{channel_id}/messages/{message_id:int}/threads",
    status_code=201,
    response_model=schemas.Channel,
    response_class=JSON,
)
async def start_thread_from_message(
    channel_id: ChannelId,
    message_id: MessageId,
    body: StartThreadBody,
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    draft = thread_actions.ThreadDraft(
        name=body.name,
        auto_archive_duration=body.auto_archive_duration,
        rate_limit_per_user=body.rate_limit_per_user,
    )
    view = await thread_actions.start_thread_from_message(s, actor, channel_id, message_id, draft)
    return JSON(payloads.thread(view.thread, view.member), status_code=201)


@router.post(
    "/channels/{channel_id}/threads",
    status_code=201,
    response_model=schemas.ForumThread | schemas.Channel,
    response_class=JSON,
    openapi_extra=_START_BODY_DOC,
)
async def start_thread(
    channel_id: ChannelId, request: Request, actor: CurrentActor, s: ServicesDep
) -> Any:
    """A thread without a message; in a forum, a post: with its first `message` (JSON, or
    `multipart/form-data` with files)."""
    if not is_multipart(request):
        body = await read_json_body(request, StartThreadWithoutMessageBody)
        files = incoming_files(None, body.message.attachments) if body.message else []
        return await _start(channel_id, body, files, actor, s)
    form = await read_form(request)
    try:
        body = form_payload(form, StartThreadWithoutMessageBody)
        files = incoming_files(form, body.message.attachments if body.message else None)
        return await _start(channel_id, body, files, actor, s)
    finally:
        await form.close()


async def _start(
    channel_id: int,
    body: StartThreadWithoutMessageBody,
    files: list[IncomingFile],
    actor: CurrentActor,
    s: ServicesDep,
) -> Any:
    if body.message is None:
        view = await thread_actions.start_thread(s, actor, channel_id, body.draft())
        return JSON(payloads.thread(view.thread, view.member), status_code=201)
    first = _first_message(body.message, files)
    view, message = await thread_actions.start_forum_post(s, actor, channel_id, body.draft(), first)
    post = payloads.thread(view.thread, view.member)
    return JSON({**post, "message": payloads.message(message)}, status_code=201)


# -- members ---------------------------------------------------------------------------------

MEMBERS = "/channels/{channel_id}/thread-members"


@router.put(MEMBERS + "/@me", status_code=204)
async def join_thread(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Response:
    await member_actions.join_thread(s, actor, channel_id)
    return no_content()


@router.delete(MEMBERS + "/@me", status_code=204)
async def leave_thread(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Response:
    await member_actions.leave_thread(s, actor, channel_id)
    return no_content()


@router.put(MEMBERS + "/{user_id}", status_code=204)
async def add_thread_member(
    channel_id: ChannelId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await member_actions.add_thread_member(s, actor, channel_id, user_id)
    return no_content()


@router.delete(MEMBERS + "/{user_id}", status_code=204)
async def remove_thread_member(
    channel_id: ChannelId, user_id: UserId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await member_actions.remove_thread_member(s, actor, channel_id, user_id)
    return no_content()


@router.get(MEMBERS + "/{user_id}", response_model=schemas.ThreadMember, response_class=JSON)
async def get_thread_member(
    channel_id: ChannelId,
    user_id: UserId,
    actor: CurrentActor,
    s: ServicesDep,
    with_member: bool = False,
) -> Any:
    found = await member_actions.get_thread_member(
        s, actor, channel_id, user_id, with_member=with_member
    )
    return JSON(payloads.thread_member(found))


@router.get(MEMBERS, response_model=list[schemas.ThreadMember], response_class=JSON)
async def list_thread_members(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    with_member: bool = False,
    after: QuerySnowflake = None,
    limit: Annotated[int, Query(ge=1, le=rules.MEMBER_PAGE_MAX)] = rules.MEMBER_PAGE_MAX,
) -> Any:
    found = await member_actions.list_thread_members(
        s, actor, channel_id, with_member=with_member, after=after, limit=limit
    )
    return JSON([payloads.thread_member(m) for m in found])


# -- lists -----------------------------------------------------------------------------------


def _moment(value: str | None) -> datetime | None:
    """`before` as Discord takes it: an ISO 8601 timestamp (a snowflake is read as its time)."""
    if value is None:
        return None
    try:
        if value.isascii() and value.isdigit():
            return snowflake_time(int(value))
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        raise errors.InvalidFormBody.field(
            "before", "Not a valid ISO8601 timestamp.", "DATE_TIME_TYPE_PARSE"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@router.get(
    "/channels/{channel_id}/threads/archived/public",
    response_model=schemas.ArchivedThreads,
    response_class=JSON,
)
async def list_public_archived_threads(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    before: str | None = None,
    limit: PageLimit = 50,
) -> Any:
    page = await thread_actions.list_archived_threads(
        s, actor, channel_id, private=False, before=_moment(before), limit=limit
    )
    return JSON(payloads.thread_page(page))


@router.get(
    "/channels/{channel_id}/threads/archived/private",
    response_model=schemas.ArchivedThreads,
    response_class=JSON,
)
async def list_private_archived_threads(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    before: str | None = None,
    limit: PageLimit = 50,
) -> Any:
    page = await thread_actions.list_archived_threads(
        s, actor, channel_id, private=True, before=_moment(before), limit=limit
    )
    return JSON(payloads.thread_page(page))


@router.get(
    "/channels/{channel_id}/users/@me/threads/archived/private",
    response_model=schemas.ArchivedThreads,
    response_class=JSON,
)
async def list_joined_private_archived_threads(
    channel_id: ChannelId,
    actor: CurrentActor,
    s: ServicesDep,
    before: QuerySnowflake = None,
    limit: PageLimit = 50,
) -> Any:
    page = await thread_actions.list_joined_private_archived_threads(
        s, actor, channel_id, before=before, limit=limit
    )
    return JSON(payloads.thread_page(page))


@router.get(
    "/guilds/{guild_id}/threads/active",
    response_model=schemas.ActiveThreads,
    response_class=JSON,
)
async def list_active_threads(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    page = await thread_actions.list_active_threads(s, actor, guild_id)
    return JSON(payloads.thread_page(page, with_has_more=False))
