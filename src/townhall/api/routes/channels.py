"""`/guilds/{id}/channels`, `/channels/{id}` and `/channels/{id}/permissions/{overwrite_id}`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, StrictInt, StrictStr
from starlette.responses import Response

from townhall.actions import channels as channel_actions
from townhall.actions import overwrites as overwrite_actions
from townhall.actions import threads as thread_actions
from townhall.api.deps import ChannelId, CurrentActor, GuildId, OverwriteId, ServicesDep, Snowflake
from townhall.api.responses import JSON, no_content
from townhall.domain.event_data import PrivateChannelView
from townhall.domain.models import UNSET, Channel
from townhall.domain.threads import TagDraft, ThreadView
from townhall.wire import payloads, schemas

router = APIRouter(tags=["channels"])

Position = Annotated[int, Field(ge=0, le=2**31 - 1)]
Bitfield = StrictStr | StrictInt
"""A permission bitfield: a decimal string as Discord sends it, or a number."""


class OverwriteBody(BaseModel):
    id: Snowflake
    type: int
    allow: Bitfield | None = None
    deny: Bitfield | None = None

    def draft(self) -> overwrite_actions.OverwriteDraft:
        return overwrite_actions.OverwriteDraft(self.id, self.type, self.allow, self.deny)


class ForumTagBody(BaseModel):
    """An entry of a forum's `available_tags`: with an `id` it keeps that tag."""

    id: Snowflake | None = None
    name: str
    moderated: bool | None = None
    emoji_id: Snowflake | None = None
    emoji_name: str | None = None

    def draft(self) -> TagDraft:
        return TagDraft(self.name, self.id, bool(self.moderated), self.emoji_id, self.emoji_name)


class DefaultReactionBody(BaseModel):
    emoji_id: Snowflake | None = None
    emoji_name: str | None = None


class ForumFields(BaseModel):
    """What forum channels take beside a text channel's fields (docs/threads.md)."""

    available_tags: list[ForumTagBody] | None = None
    default_reaction_emoji: DefaultReactionBody | None = None
    default_sort_order: int | None = None
    default_forum_layout: int | None = None
    default_auto_archive_duration: int | None = None
    default_thread_rate_limit_per_user: int | None = None

    def forum_draft(self) -> thread_actions.ForumDraft | None:
        given = self.model_fields_set & set(ForumFields.model_fields)
        if not given:
            return None
        values: dict[str, Any] = {name: getattr(self, name) for name in given}
        if "available_tags" in values:
            values["available_tags"] = [t.draft() for t in self.available_tags or ()]
        if "default_reaction_emoji" in values:
            emoji = self.default_reaction_emoji
            values["default_reaction_emoji"] = (
                (emoji.emoji_id, emoji.emoji_name) if emoji is not None else None
            )
        return thread_actions.ForumDraft(**values)


class CreateChannelBody(ForumFields):
    name: str
    type: int | None = None
    topic: str | None = None
    position: Position | None = None
    parent_id: Snowflake | None = None
    nsfw: bool | None = None
    rate_limit_per_user: int | None = None
    user_limit: int | None = None
    bitrate: int | None = None
    permission_overwrites: list[OverwriteBody] | None = None


class ModifyChannelBody(ForumFields):
    name: str | None = None
    type: int | None = None
    position: Position | None = None
    topic: str | None = None
    nsfw: bool | None = None
    rate_limit_per_user: int | None = None
    bitrate: int | None = None
    user_limit: int | None = None
    permission_overwrites: list[OverwriteBody] | None = None
    parent_id: Snowflake | None = None
    flags: int | None = None
    """Channel flags; only WEB_PUBLIC (1 << 30, readable by anyone with the link) is settable,
    and on forums REQUIRE_TAG (1 << 4), on forum posts PINNED (1 << 1)."""
    archived: bool | None = None
    """This and the rest: threads (docs/threads.md)."""
    auto_archive_duration: int | None = None
    locked: bool | None = None
    invitable: bool | None = None
    applied_tags: list[Snowflake] | None = None


class ChannelPositionBody(BaseModel):
    id: Snowflake
    position: Position | None = None
    lock_permissions: bool | None = None
    parent_id: Snowflake | None = None


class EditOverwriteBody(BaseModel):
    type: int
    allow: Bitfield | None = None
    deny: Bitfield | None = None


def render(view: Channel | PrivateChannelView | ThreadView) -> dict[str, Any]:
    """A guild channel, a DM with the recipients other than the viewer, or a thread with the
    viewer's membership."""
    if isinstance(view, PrivateChannelView):
        return payloads.channel(view.channel, list(view.recipients))
    if isinstance(view, ThreadView):
        return payloads.thread(view.thread, view.member)
    return payloads.channel(view)


@router.get(
    "/guilds/{guild_id}/channels", response_model=list[schemas.Channel], response_class=JSON
)
async def list_guild_channels(guild_id: GuildId, actor: CurrentActor, s: ServicesDep) -> Any:
    channels = await channel_actions.list_guild_channels(s, actor, guild_id)
    return JSON([payloads.channel(c) for c in channels])


@router.post(
    "/guilds/{guild_id}/channels",
    status_code=201,
    response_model=schemas.Channel,
    response_class=JSON,
)
async def create_guild_channel(
    guild_id: GuildId, body: CreateChannelBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    draft = channel_actions.ChannelDraft(
        name=body.name,
        type=body.type if body.type is not None else 0,
        topic=body.topic,
        position=body.position,
        parent_id=body.parent_id,
        nsfw=body.nsfw,
        rate_limit_per_user=body.rate_limit_per_user,
        user_limit=body.user_limit,
        bitrate=body.bitrate,
        permission_overwrites=(
            [o.draft() for o in body.permission_overwrites]
            if body.permission_overwrites is not None
            else None
        ),
        forum=body.forum_draft(),
    )
    channel = await channel_actions.create_guild_channel(s, actor, guild_id, draft)
    return JSON(payloads.channel(channel), status_code=201)


@router.patch("/guilds/{guild_id}/channels", status_code=204)
async def modify_guild_channel_positions(
    guild_id: GuildId,
    actor: CurrentActor,
    s: ServicesDep,
    body: Annotated[list[ChannelPositionBody], Body(max_length=500)],
) -> Response:
    changes = [
        channel_actions.PositionChange(
            id=item.id,
            position=item.position,
            lock_permissions=bool(item.lock_permissions),
            parent_id=item.parent_id if "parent_id" in item.model_fields_set else UNSET,
        )
        for item in body
    ]
    await channel_actions.reorder_guild_channels(s, actor, guild_id, changes)
    return no_content()


@router.get("/channels/{channel_id}", response_model=schemas.Channel, response_class=JSON)
async def get_channel(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(render(await channel_actions.get_channel(s, actor, channel_id)))


@router.patch("/channels/{channel_id}", response_model=schemas.Channel, response_class=JSON)
async def modify_channel(
    channel_id: ChannelId, body: ModifyChannelBody, actor: CurrentActor, s: ServicesDep
) -> Any:
    given = body.model_fields_set - set(ForumFields.model_fields)
    fields: dict[str, Any] = {name: getattr(body, name) for name in given}
    if body.permission_overwrites is not None:
        fields["permission_overwrites"] = [o.draft() for o in body.permission_overwrites]
    patch = channel_actions.ChannelPatch(**fields, forum=body.forum_draft())
    return JSON(render(await channel_actions.modify_channel(s, actor, channel_id, patch)))


@router.delete("/channels/{channel_id}", response_model=schemas.Channel, response_class=JSON)
async def delete_channel(channel_id: ChannelId, actor: CurrentActor, s: ServicesDep) -> Any:
    return JSON(render(await channel_actions.delete_channel(s, actor, channel_id)))


@router.put("/channels/{channel_id}/permissions/{overwrite_id}", status_code=204)
async def edit_channel_permissions(
    channel_id: ChannelId,
    overwrite_id: OverwriteId,
    body: EditOverwriteBody,
    actor: CurrentActor,
    s: ServicesDep,
) -> Response:
    draft = overwrite_actions.OverwriteDraft(overwrite_id, body.type, body.allow, body.deny)
    await overwrite_actions.put_overwrite(s, actor, channel_id, overwrite_id, draft)
    return no_content()


@router.delete("/channels/{channel_id}/permissions/{overwrite_id}", status_code=204)
async def delete_channel_permission(
    channel_id: ChannelId, overwrite_id: OverwriteId, actor: CurrentActor, s: ServicesDep
) -> Response:
    await overwrite_actions.delete_overwrite(s, actor, channel_id, overwrite_id)
    return no_content()
