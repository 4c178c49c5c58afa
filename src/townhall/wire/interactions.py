"""Discord's JSON of application commands, command permissions and interactions.

Beside `payloads.py` (which renders a message's `interaction_metadata`): what a bot reads when
it syncs its commands, receives INTERACTION_CREATE or answers with `?with_response=true`, and
what a person's client receives about its own interactions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from townhall.domain.commands import Command, GuildCommandPermissions, document
from townhall.domain.components import Answer, ComponentType, Modal
from townhall.domain.interactions import (
    CommandData,
    ComponentData,
    GivenOption,
    InteractionCreated,
    InteractionOutcome,
    ModalData,
    ModalShown,
    Resolved,
    SuggestionsShown,
)
from townhall.domain.models import Application, Channel, Message, User
from townhall.wire import payloads

Payload = dict[str, Any]

_LOCALIZED = ("name_localizations", "description_localizations")


def _without_localizations(body: Payload) -> Payload:
    trimmed = {k: v for k, v in body.items() if k not in _LOCALIZED}
    if isinstance(body.get("options"), list):
        trimmed["options"] = [_without_localizations(o) for o in body["options"]]
    if isinstance(body.get("choices"), list):
        trimmed["choices"] = [_without_localizations(c) for c in body["choices"]]
    return trimmed


def command(c: Command, *, with_localizations: bool = True) -> Payload:
    """An application command; lists leave the localizations out unless asked, as Discord's."""
    body: Payload = {
        "id": str(c.id),
        "application_id": str(c.application_id),
        "version": str(c.version),
        **document(c.spec),
    }
    if c.guild_id is not None:
        body["guild_id"] = str(c.guild_id)
        for key in ("dm_permission", "contexts", "integration_types"):
            body.pop(key, None)  # global commands only
    return body if with_localizations else _without_localizations(body)


def command_permissions(p: GuildCommandPermissions) -> Payload:
    return {
        "id": str(p.id),
        "application_id": str(p.application_id),
        "guild_id": str(p.guild_id),
        "permissions": [
            {"id": str(o.id), "type": o.type, "permission": o.permission} for o in p.permissions
        ],
    }


def command_index(
    applications: Sequence[Application], commands: Sequence[Command], version: int
) -> Payload:
    """townhall's `GET /guilds/{id}/application-command-index` (Discord's client route)."""
    return {
        "applications": [
            {
                "id": str(a.id),
                "name": a.name,
                "icon": a.icon,
                "description": a.description,
                "bot_id": str(a.bot_user_id),
            }
            for a in applications
        ],
        "application_commands": [command(c) for c in commands],
        "version": str(version),
    }


# -- INTERACTION_CREATE --------------------------------------------------------------------------


def _partial_channel(c: Channel, permissions: int, recipients: list[User] | None = None) -> Payload:
    body = payloads.channel(c, recipients)
    body.pop("permission_overwrites", None)
    body["permissions"] = str(permissions)
    return body


def _option(o: GivenOption) -> Payload:
    body: Payload = {"name": o.name, "type": int(o.type)}
    if o.options is not None:
        body["options"] = [_option(child) for child in o.options]
    else:
        body["value"] = o.value
    if o.focused:
        body["focused"] = True
    return body


def resolved(r: Resolved, channel_id: int) -> Payload:
    """`data.resolved`; files of ATTACHMENT options are the interaction's, in `channel_id`
    (`ephemeral`: they go away with it, as Discord's do)."""
    body: Payload = {}
    if r.users:
        body["users"] = {str(uid): payloads.user(u) for uid, u in r.users.items()}
    if r.members:
        body["members"] = {
            str(uid): {**payloads.member(m, with_user=False), "permissions": str(perms)}
            for uid, (m, perms) in r.members.items()
        }
    if r.roles:
        body["roles"] = {str(rid): payloads.role(role) for rid, role in r.roles.items()}
    if r.channels:
        body["channels"] = {
            str(cid): _partial_channel(c, perms) for cid, (c, perms) in r.channels.items()
        }
    if r.messages:
        body["messages"] = {str(mid): payloads.message(m) for mid, m in r.messages.items()}
    if r.attachments:
        body["attachments"] = {
            str(aid): {**payloads.attachment(a, channel_id), "ephemeral": True}
            for aid, a in r.attachments.items()
        }
    return body


def _answer(field: Mapping[str, object], answer: Answer | None) -> Payload:
    body: Payload = {
        "type": field["type"],
        "id": field.get("id"),
        "custom_id": field["custom_id"],
    }
    if field["type"] == ComponentType.TEXT_INPUT:
        body["value"] = answer.value if answer is not None else ""
    else:
        body["values"] = list(answer.values or ()) if answer is not None else []
    return body


def submitted_components(modal: Modal, answers: Sequence[Answer]) -> list[Payload]:
    """A modal's answers in the modal's own layout (rows, labels), as Discord sends them."""
    by_id = {a.custom_id: a for a in answers}
    rows: list[Payload] = []
    for row in modal.components:
        kind = row["type"]
        if kind == ComponentType.ACTION_ROW:
            children = row["components"]
            assert isinstance(children, list)
            rows.append(
                {
                    "type": 1,
                    "id": row.get("id"),
                    "components": [_answer(c, by_id.get(str(c["custom_id"]))) for c in children],
                }
            )
        elif kind == ComponentType.LABEL:
            inner = row["component"]
            assert isinstance(inner, Mapping)
            rows.append(
                {
                    "type": 18,
                    "id": row.get("id"),
                    "component": _answer(inner, by_id.get(str(inner["custom_id"]))),
                }
            )
        else:
            rows.append({"type": kind, "id": row.get("id")})
    return rows


def _data(e: InteractionCreated) -> Payload:
    data = e.data
    found = resolved(e.resolved, e.interaction.channel_id)
    body: Payload
    if isinstance(data, CommandData):
        body = {
            "id": str(data.command.id),
            "name": data.command.spec.name,
            "type": int(data.command.spec.type),
        }
        if data.command.guild_id is not None:
            body["guild_id"] = str(data.command.guild_id)
        if data.options:
            body["options"] = [_option(o) for o in data.options]
        if data.target_id is not None:
            body["target_id"] = str(data.target_id)
    elif isinstance(data, ComponentData):
        body = {"custom_id": data.click.custom_id, "component_type": int(data.click.component_type)}
        if data.click.values is not None:
            body["values"] = list(data.click.values)
    elif isinstance(data, ModalData):
        body = {
            "custom_id": data.modal.custom_id,
            "components": submitted_components(data.modal, data.answers),
        }
    else:
        return {}
    if found:
        body["resolved"] = found
    return body


def interaction(e: InteractionCreated) -> Payload:
    """The interaction as its application receives it (gateway or endpoint)."""
    i = e.interaction
    body: Payload = {
        "id": str(i.id),
        "application_id": str(i.application_id),
        "type": int(i.type),
        "token": e.token,
        "version": 1,
        "data": _data(e),
        "channel_id": str(i.channel_id),
        "channel": _partial_channel(
            e.channel, e.permissions, None if e.channel.guild_id else [e.user]
        ),
        "app_permissions": str(e.app_permissions),
        "locale": e.locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": {"0": str(i.guild_id or 0)},
        "context": 0 if i.guild_id is not None else 1,
        "attachment_size_limit": e.attachment_size_limit,
    }
    if e.guild is not None:
        body["guild_id"] = str(e.guild.id)
        body["guild"] = {
            "id": str(e.guild.id),
            "locale": e.guild.preferred_locale,
            "features": list(e.guild.features),
        }
        body["guild_locale"] = e.guild.preferred_locale
    if e.member is not None:
        body["member"] = {**payloads.member(e.member), "permissions": str(e.permissions)}
    else:
        body["user"] = payloads.user(e.user)
    if e.message is not None:
        body["message"] = payloads.message(e.message)
    return body


def ping(interaction_id: int, application_id: int, token: str) -> Payload:
    """What an endpoint gets when its application sets it: it must answer `{"type": 1}`."""
    return {
        "id": str(interaction_id),
        "application_id": str(application_id),
        "type": 1,
        "token": token,
        "version": 1,
    }


def outcome(o: InteractionOutcome) -> Payload:
    """INTERACTION_CREATE/SUCCESS/FAILURE as a person's client gets them."""
    return {"id": str(o.id), "nonce": o.nonce}


def modal_shown(m: ModalShown) -> Payload:
    return {
        "id": str(m.interaction_id),
        "nonce": m.nonce,
        "channel_id": str(m.channel_id),
        "custom_id": m.modal.custom_id,
        "title": m.modal.title,
        "components": list(m.modal.components),
        "application": {"id": str(m.application_id), "name": m.application_name, "icon": None},
    }


def suggestions_shown(s: SuggestionsShown) -> Payload:
    return {
        "id": str(s.interaction_id),
        "nonce": s.nonce,
        "choices": [
            {"name": c.name, "value": c.value}
            | ({"name_localizations": c.name_localizations} if c.name_localizations else {})
            for c in s.choices
        ],
    }


def callback_response(
    interaction_id: int,
    interaction_type: int,
    callback_type: int,
    *,
    message: Message | None = None,
    message_id: int | None = None,
    ephemeral: bool = False,
    loading: bool = False,
) -> Payload:
    """`?with_response=true`: Discord's interaction callback response."""
    answered: Payload = {"id": str(interaction_id), "type": interaction_type}
    if message_id is not None:
        answered.update(
            response_message_id=str(message_id),
            response_message_loading=loading,
            response_message_ephemeral=ephemeral,
        )
    body: Payload = {"interaction": answered}
    resource: Payload = {"type": callback_type}
    if message is not None:
        resource["message"] = payloads.message(message)
    body["resource"] = resource
    return body
