"""Interactions: a person uses a command or a component, the application answers with a token.

Pure rules: the types and their answers, the deadlines (3 seconds for the first answer, 15
minutes for follow-ups), checking the options a person gives against the command, the
signature of an interaction POSTed to an application's endpoint (Ed25519 over the timestamp
and the body, as Discord signs), and the metadata a response message shows.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from nacl.signing import SigningKey

from townhall.domain import errors
from townhall.domain.commands import Command, CommandOption, CommandSpec, CommandType, OptionType
from townhall.domain.components import Answer, Click, Modal
from townhall.domain.models import (
    Attachment,
    Channel,
    Guild,
    Member,
    Message,
    MessageInteraction,
    MessageType,
    Role,
    User,
)
from townhall.domain.permissions import Permission


class InteractionType(enum.IntEnum):
    PING = 1
    APPLICATION_COMMAND = 2
    MESSAGE_COMPONENT = 3
    APPLICATION_COMMAND_AUTOCOMPLETE = 4
    MODAL_SUBMIT = 5


class CallbackType(enum.IntEnum):
    PONG = 1
    CHANNEL_MESSAGE_WITH_SOURCE = 4
    DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE = 5
    DEFERRED_UPDATE_MESSAGE = 6
    UPDATE_MESSAGE = 7
    APPLICATION_COMMAND_AUTOCOMPLETE_RESULT = 8
    MODAL = 9

    @property
    def sends_message(self) -> bool:
        """Answers that make (or promise) a new message."""
        return self in (
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
        )

    @property
    def updates_message(self) -> bool:
        """Answers that change (or promise to change) the component's message."""
        return self in (CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE)


RESPONSE_WINDOW = timedelta(seconds=3)
"""The first answer must come this soon, or the person sees that the application did not
respond and the token stops working."""
TOKEN_LIFETIME = timedelta(minutes=15)
"""Follow-ups and edits of the responses use the token for this long."""
EPHEMERAL = 1 << 6
LOADING = 1 << 7
"""Message flags: only the invoker sees it; the application is "thinking"."""
SUPPRESS_EMBEDS, SUPPRESS_NOTIFICATIONS = 1 << 2, 1 << 12
RESPONSE_FLAGS = EPHEMERAL | SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS
"""Flags an application may set on a response or follow-up."""
AUTOCOMPLETE_CHOICES_MAX = 25
DM_APP_PERMISSIONS = int(
    Permission.ATTACH_FILES
    | Permission.EMBED_LINKS
    | Permission.MENTION_EVERYONE
    | Permission.USE_EXTERNAL_EMOJIS
)
"""An application's `app_permissions` in the DM with its bot, as Discord gives them."""

ANSWERS: Mapping[InteractionType, frozenset[CallbackType]] = {
    InteractionType.APPLICATION_COMMAND: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.MODAL,
        }
    ),
    InteractionType.MESSAGE_COMPONENT: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
            CallbackType.UPDATE_MESSAGE,
            CallbackType.MODAL,
        }
    ),
    InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE: frozenset(
        {CallbackType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT}
    ),
    InteractionType.MODAL_SUBMIT: frozenset(
        {
            CallbackType.CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE,
            CallbackType.DEFERRED_UPDATE_MESSAGE,
            CallbackType.UPDATE_MESSAGE,
        }
    ),
    InteractionType.PING: frozenset({CallbackType.PONG}),
}
"""The answers each kind of interaction accepts (updates only with a message to update)."""


class UnknownInteraction(errors.NotFound):
    code, message = 10062, "Unknown interaction"


class AlreadyAcknowledged(errors.TownhallError):
    code, message = 40060, "Interaction has already been acknowledged."


# -- an interaction, as stored ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InteractionSource:
    """What an interaction came from, as far as its responses show it."""

    command_id: int | None = None
    name: str | None = None
    """The command's name with its group and subcommand."""
    command_type: int | None = None
    target_user_id: int | None = None
    target_message_id: int | None = None
    message_id: int | None = None
    """A component's (or a component's modal's) message."""
    message_ephemeral: bool = False
    custom_id: str | None = None
    triggering_id: int | None = None
    """A modal's submit: the interaction that opened the modal."""
    triggering: InteractionSource | None = None
    triggering_type: int | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    id: int
    application_id: int
    type: InteractionType
    user_id: int
    guild_id: int | None
    channel_id: int
    created_at: datetime
    source: InteractionSource
    nonce: str | None = None
    callback_type: CallbackType | None = None
    response_message_id: int | None = None
    response_ephemeral: bool = False
    modal: Modal | None = None
    failed: bool = False

    def answerable(self, now: datetime) -> bool:
        """May still get its first answer."""
        return not self.failed and now - self.created_at <= RESPONSE_WINDOW

    def token_valid(self, now: datetime) -> bool:
        """Its token still works for follow-ups and edits (once answered)."""
        return not self.failed and now - self.created_at <= TOKEN_LIFETIME


TOKEN_PREFIX = "aW50ZXJhY3Rpb24"
"""How an interaction's token begins (as Discord's: base64 of "interaction"), so that a
webhook route's rate limit tells it from a webhook's token without a query."""


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(48)


def check_answer(interaction: Interaction, kind: CallbackType) -> None:
    """Refuse an answer this kind of interaction does not take (50035 on `type`)."""
    allowed = ANSWERS[interaction.type]
    if kind.updates_message and interaction.source.message_id is None:
        allowed = allowed - {CallbackType.UPDATE_MESSAGE, CallbackType.DEFERRED_UPDATE_MESSAGE}
    if kind not in allowed:
        raise errors.InvalidFormBody.field(
            "type",
            "Interaction callback type is invalid for this interaction.",
            "BASE_TYPE_CHOICES",
        )


def response_message_type(interaction: Interaction) -> MessageType:
    """What a response message is: a slash command's answer (20), a context menu's (23), or a
    reply to the message whose component was used (19)."""
    source = interaction.source
    if source.message_id is not None:
        return MessageType.REPLY
    if interaction.type is InteractionType.MODAL_SUBMIT and source.triggering is not None:
        source = source.triggering
    if source.command_type in (CommandType.USER, CommandType.MESSAGE):
        return MessageType.CONTEXT_MENU_COMMAND
    return MessageType.CHAT_INPUT_COMMAND


def _metadata_of(
    interaction_id: int,
    kind: int,
    source: InteractionSource,
    user: User,
    application_id: int,
    guild_id: int | None,
    target_user: User | None,
) -> MessageInteraction:
    metadata = MessageInteraction(
        id=interaction_id,
        type=kind,
        user=user,
        application_id=application_id,
        guild_id=guild_id,
        name=source.name if kind == InteractionType.APPLICATION_COMMAND else None,
        command_type=source.command_type if kind == InteractionType.APPLICATION_COMMAND else None,
        target_user=target_user,
        target_message_id=source.target_message_id,
        interacted_message_id=source.message_id
        if kind == InteractionType.MESSAGE_COMPONENT
        else None,
    )
    if source.triggering is not None and source.triggering_id is not None:
        triggering = _metadata_of(
            source.triggering_id,
            source.triggering_type or InteractionType.APPLICATION_COMMAND,
            source.triggering,
            user,
            application_id,
            guild_id,
            None,
        )
        metadata = replace(metadata, triggering=triggering)
    return metadata


def message_metadata(
    interaction: Interaction,
    user: User,
    *,
    target_user: User | None = None,
    follow_up_of: int | None = None,
) -> MessageInteraction:
    """The `interaction_metadata` of a response (or, with `follow_up_of`, a follow-up)."""
    metadata = _metadata_of(
        interaction.id,
        int(interaction.type),
        interaction.source,
        user,
        interaction.application_id,
        interaction.guild_id,
        target_user,
    )
    return replace(metadata, original_response_message_id=follow_up_of)


# -- the options a person gives ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GivenOption:
    """An option of an invocation, checked against the command (Discord's shape)."""

    name: str
    type: OptionType
    value: str | int | float | bool | None = None
    options: tuple[GivenOption, ...] | None = None
    focused: bool = False


@dataclass(frozen=True, slots=True)
class Invocation:
    """The checked options, the subcommand they name, and the ids to resolve."""

    options: tuple[GivenOption, ...]
    path: tuple[str, ...]
    leaf: tuple[GivenOption, ...]
    """The parameters (inside the subcommand, if any)."""

    def ids_of(self, *kinds: OptionType) -> set[int]:
        return {int(str(o.value)) for o in self.leaf if o.type in kinds and o.value is not None}

    def files_named(self) -> list[str]:
        """The ATTACHMENT options' values: ids of `data.attachments` entries."""
        return [
            str(o.value)
            for o in self.leaf
            if o.type is OptionType.ATTACHMENT and o.value is not None
        ]

    def with_files(self, stored: Mapping[str, int]) -> Invocation:
        """The same, each ATTACHMENT option's value now the id of the file it names."""

        def swapped(options: tuple[GivenOption, ...]) -> tuple[GivenOption, ...]:
            return tuple(one(o) for o in options)

        def one(o: GivenOption) -> GivenOption:
            if o.options is not None:  # a subcommand (or group): its options
                return replace(o, options=swapped(o.options))
            if o.type is OptionType.ATTACHMENT and str(o.value) in stored:
                return replace(o, value=str(stored[str(o.value)]))
            return o

        return Invocation(swapped(self.options), self.path, swapped(self.leaf))


def _fail(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> errors.InvalidFormBody:
    return errors.InvalidFormBody.field(path, message, code)


def _value(
    option: CommandOption, raw: object, path: str, *, partial: bool
) -> str | int | float | bool:
    kind = option.type
    if kind is OptionType.BOOLEAN:
        if not isinstance(raw, bool):
            raise _fail(path, "Must be either true or false.", "BASE_TYPE_BOOLEAN")
        return raw
    if kind is OptionType.STRING:
        if not isinstance(raw, str):
            raise _fail(path, "Must be a string.", "BASE_TYPE_STRING")
        if not partial:
            low, high = option.min_length or 0, option.max_length or 6000
            if not low <= len(raw) <= high:
                raise _fail(
                    path, f"Must be between {low} and {high} in length.", "BASE_TYPE_BAD_LENGTH"
                )
        value: str | int | float = raw
    elif kind in (OptionType.INTEGER, OptionType.NUMBER):
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise _fail(path, "Must be a number.", "NUMBER_TYPE_COERCE")
        if kind is OptionType.INTEGER and isinstance(raw, float):
            if not raw.is_integer():
                raise _fail(path, "Must be an integer.", "NUMBER_TYPE_COERCE")
            raw = int(raw)
        if not partial:
            if option.min_value is not None and raw < option.min_value:
                raise _fail(path, f"Must be at least {option.min_value}.", "NUMBER_TYPE_MIN")
            if option.max_value is not None and raw > option.max_value:
                raise _fail(path, f"Must be at most {option.max_value}.", "NUMBER_TYPE_MAX")
        value = raw
    elif kind is OptionType.ATTACHMENT:  # an entry of `data.attachments`, by its id
        if isinstance(raw, bool) or not isinstance(raw, str | int) or not str(raw).isdigit():
            raise _fail(path, "Must name one of data.attachments.", "BASE_TYPE_INVALID")
        return str(raw)
    else:  # users, channels, roles, mentionables: ids
        if not isinstance(raw, str | int) or isinstance(raw, bool) or not str(raw).isdigit():
            raise _fail(path, "Value is not snowflake.", "NUMBER_TYPE_COERCE")
        return str(raw)
    if (
        not partial
        and option.choices is not None
        and value not in [c.value for c in option.choices]
    ):
        raise _fail(path, "Must be one of the command's choices.", "BASE_TYPE_CHOICES")
    return value


def _leaf_options(
    declared: Sequence[CommandOption], raw: object, path: str, *, autocomplete: bool
) -> tuple[GivenOption, ...]:
    items = [] if raw is None else raw
    if not isinstance(items, list):
        raise _fail(path, "Must be an array.", "BASE_TYPE_ARRAY")
    by_name = {o.name: o for o in declared}
    given: list[GivenOption] = []
    for index, item in enumerate(items):
        where = f"{path}.{index}"
        if not isinstance(item, Mapping):
            raise _fail(where, "Must be an object.", "DICT_TYPE_CONVERT")
        option = by_name.get(str(item.get("name")))
        if option is None or option.type.is_subcommand:
            raise _fail(f"{where}.name", "Unknown option.", "APPLICATION_COMMAND_OPTION_UNKNOWN")
        if any(g.name == option.name for g in given):
            raise _fail(f"{where}.name", "Given twice.", "APPLICATION_COMMAND_OPTION_DUPLICATE")
        if item.get("type") is not None and item.get("type") != option.type:
            raise _fail(f"{where}.type", "Does not match the option.", "BASE_TYPE_CHOICES")
        focused = bool(item.get("focused")) and autocomplete
        if focused and not option.autocomplete:
            raise _fail(f"{where}.focused", "This option does not autocomplete.")
        value = _value(option, item.get("value"), f"{where}.value", partial=focused or autocomplete)
        given.append(GivenOption(option.name, option.type, value, focused=focused))
    if autocomplete:
        if sum(1 for g in given if g.focused) != 1:
            raise _fail(
                path, "Exactly one option is focused.", "APPLICATION_COMMAND_OPTION_FOCUSED"
            )
    else:
        names = {g.name for g in given}
        for option in declared:
            if option.required and option.name not in names:
                raise _fail(path, f"The option {option.name} is required.", "BASE_TYPE_REQUIRED")
    return tuple(given)


def _one(raw: object, path: str) -> Mapping[str, object]:
    if not isinstance(raw, list) or len(raw) != 1 or not isinstance(raw[0], Mapping):
        raise _fail(path, "Name one subcommand.", "APPLICATION_COMMAND_SUBCOMMAND_REQUIRED")
    return raw[0]


def invocation(spec: CommandSpec, raw: object, *, autocomplete: bool = False) -> Invocation:
    """Check `data.options` against the command: the subcommand it names, each option's type,
    required ones present, choices and ranges (loosely for autocomplete, whose text is partial)."""
    path = "data.options"
    if not spec.options or not spec.options[0].type.is_subcommand:
        leaf = _leaf_options(spec.options, raw, path, autocomplete=autocomplete)
        return Invocation(leaf, (), leaf)
    chosen = _one(raw, path)
    by_name = {o.name: o for o in spec.options}
    first = by_name.get(str(chosen.get("name")))
    if first is None:
        raise _fail(f"{path}.0.name", "Unknown subcommand.", "APPLICATION_COMMAND_OPTION_UNKNOWN")
    if first.type is OptionType.SUB_COMMAND_GROUP:
        inner = _one(chosen.get("options"), f"{path}.0.options")
        sub = {o.name: o for o in first.options or ()}.get(str(inner.get("name")))
        if sub is None:
            raise _fail(
                f"{path}.0.options.0.name",
                "Unknown subcommand.",
                "APPLICATION_COMMAND_OPTION_UNKNOWN",
            )
        leaf = _leaf_options(
            sub.options or (),
            inner.get("options"),
            f"{path}.0.options.0.options",
            autocomplete=autocomplete,
        )
        nested = GivenOption(sub.name, OptionType.SUB_COMMAND, options=leaf)
        top = GivenOption(first.name, OptionType.SUB_COMMAND_GROUP, options=(nested,))
        return Invocation((top,), (first.name, sub.name), leaf)
    leaf = _leaf_options(
        first.options or (), chosen.get("options"), f"{path}.0.options", autocomplete=autocomplete
    )
    return Invocation(
        (GivenOption(first.name, OptionType.SUB_COMMAND, options=leaf),), (first.name,), leaf
    )


@dataclass(frozen=True, slots=True)
class GivenFile:
    """An entry of an invocation's `data.attachments`: a finished upload of the invoker's
    (`uploaded_filename`, as messages name them), shown as `filename` when given."""

    id: str
    upload_id: str
    filename: str | None = None


def given_files(raw: object) -> dict[str, GivenFile]:
    """`data.attachments`, by id (what ATTACHMENT options name)."""
    items = [] if raw is None else raw
    if not isinstance(items, list):
        raise _fail("data.attachments", "Must be an array.", "BASE_TYPE_ARRAY")
    found: dict[str, GivenFile] = {}
    for index, item in enumerate(items):
        path = f"data.attachments.{index}"
        if not isinstance(item, Mapping):
            raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
        key, upload, name = item.get("id"), item.get("uploaded_filename"), item.get("filename")
        if isinstance(key, bool) or not isinstance(key, str | int) or not str(key).isdigit():
            raise _fail(f"{path}.id", "Must be a number.", "NUMBER_TYPE_COERCE")
        if str(key) in found:
            raise _fail(f"{path}.id", "Given twice.", "BASE_TYPE_INVALID")
        if not isinstance(upload, str) or not 1 <= len(upload) <= 100:
            raise _fail(f"{path}.uploaded_filename", "This field is required", "BASE_TYPE_REQUIRED")
        if name is not None and (not isinstance(name, str) or not 1 <= len(name) <= 255):
            raise _fail(f"{path}.filename", "Must be between 1 and 255 in length.")
        found[str(key)] = GivenFile(str(key), upload, name)
    return found


def channel_type_allowed(
    spec: CommandSpec, invocation_: Invocation, channel_types: Mapping[int, int]
) -> None:
    """A channel option restricted to some channel types names one of those."""
    declared = _declared_leaf(spec, invocation_.path)
    for index, given in enumerate(invocation_.leaf):
        option = declared.get(given.name)
        if option is None or option.type is not OptionType.CHANNEL or not option.channel_types:
            continue
        kind = channel_types.get(int(str(given.value)))
        if kind is not None and kind not in option.channel_types:
            raise _fail(
                f"data.options.{index}.value",
                "Channel type is not allowed.",
                "CHANNEL_TYPE_INVALID",
            )


def _declared_leaf(spec: CommandSpec, path: Sequence[str]) -> dict[str, CommandOption]:
    options: Sequence[CommandOption] = spec.options
    for name in path:
        found = next((o for o in options if o.name == name), None)
        options = found.options or () if found is not None else ()
    return {o.name: o for o in options}


# -- autocomplete results ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    value: str | int | float
    name_localizations: dict[str, str] | None = None


def suggestions(data: object) -> tuple[Suggestion, ...]:
    """An AUTOCOMPLETE_RESULT's `choices` (up to 25)."""
    if not isinstance(data, Mapping):
        raise _fail("data", "Must be an object.", "DICT_TYPE_CONVERT")
    raw = data.get("choices")
    if not isinstance(raw, list):
        raise _fail("data.choices", "This field is required", "BASE_TYPE_REQUIRED")
    if len(raw) > AUTOCOMPLETE_CHOICES_MAX:
        raise _fail("data.choices", "Must be 25 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    found: list[Suggestion] = []
    for index, item in enumerate(raw):
        path = f"data.choices.{index}"
        if not isinstance(item, Mapping):
            raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise _fail(
                f"{path}.name", "Must be between 1 and 100 in length.", "BASE_TYPE_BAD_LENGTH"
            )
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _fail(f"{path}.value", "Must be a string or a number.", "BASE_TYPE_INVALID")
        if isinstance(value, str) and len(value) > 100:
            raise _fail(f"{path}.value", "Must be 100 or fewer in length.", "BASE_TYPE_MAX_LENGTH")
        localized = item.get("name_localizations")
        found.append(
            Suggestion(
                name,
                value,
                {str(k): str(v) for k, v in localized.items()}
                if isinstance(localized, Mapping)
                else None,
            )
        )
    return tuple(found)


# -- signing what goes to an application's endpoint ----------------------------------------------


def new_signing_key() -> tuple[bytes, str]:
    """A new Ed25519 key: its 32-byte seed (kept secret) and the public key in hex (the
    application's `verify_key`, which its endpoint checks signatures with)."""
    key = SigningKey.generate()
    return bytes(key), key.verify_key.encode().hex()


def signature(seed: bytes, timestamp: str, body: bytes) -> str:
    """Discord's `X-Signature-Ed25519`: the signature of the timestamp followed by the body."""
    return SigningKey(seed).sign(timestamp.encode() + body).signature.hex()


# -- what the events carry -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Resolved:
    """The users, members, roles, channels and messages an interaction's options name."""

    users: Mapping[int, User] = field(default_factory=dict)
    members: Mapping[int, tuple[Member, int]] = field(default_factory=dict)
    """Each with its permissions in the interaction's channel."""
    roles: Mapping[int, Role] = field(default_factory=dict)
    channels: Mapping[int, tuple[Channel, int]] = field(default_factory=dict)
    """Each with the invoker's permissions there."""
    messages: Mapping[int, Message] = field(default_factory=dict)
    attachments: Mapping[int, Attachment] = field(default_factory=dict)
    """Files of ATTACHMENT options, held by the interaction (in its channel)."""

    @property
    def empty(self) -> bool:
        return not (self.users or self.roles or self.channels or self.messages or self.attachments)


@dataclass(frozen=True, slots=True)
class CommandData:
    command: Command
    options: tuple[GivenOption, ...] = ()
    target_id: int | None = None


@dataclass(frozen=True, slots=True)
class ComponentData:
    click: Click


@dataclass(frozen=True, slots=True)
class ModalData:
    modal: Modal
    answers: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class InteractionCreated:
    """INTERACTION_CREATE: everything the application's bot learns (with the token), and, for
    the invoker's own sessions, only the id and the nonce."""

    interaction: Interaction
    token: str
    user: User
    member: Member | None
    permissions: int
    """The invoker's permissions in the channel."""
    app_permissions: int
    channel: Channel
    guild: Guild | None
    locale: str
    data: CommandData | ComponentData | ModalData | None
    resolved: Resolved
    message: Message | None = None
    """The message whose component was used."""
    attachment_size_limit: int = 0


@dataclass(frozen=True, slots=True)
class InteractionOutcome:
    """INTERACTION_SUCCESS / INTERACTION_FAILURE, for the invoker's sessions."""

    id: int
    nonce: str | None


@dataclass(frozen=True, slots=True)
class ModalShown:
    """INTERACTION_MODAL_CREATE: the application answered with a modal for the invoker."""

    interaction_id: int
    nonce: str | None
    channel_id: int
    application_id: int
    application_name: str
    modal: Modal


@dataclass(frozen=True, slots=True)
class SuggestionsShown:
    """APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE: the choices to show the invoker."""

    interaction_id: int
    nonce: str | None
    choices: tuple[Suggestion, ...]
