"""Application commands (slash, user and message commands): what a valid one is, who may use it.

Pure rules. `parse_command` checks a command as a bot registers it, with Discord's limits and
naming rules and its 50035 error paths (`options.0.name`); `document` is the command's canonical
JSON form, the one stored and shown; `may_use` decides whether a member may use a command in a
channel from the guild's command permissions and the command's `default_member_permissions`,
in Discord's order (docs/interactions.md).
"""

from __future__ import annotations

import enum
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from townhall.domain import notifications
from townhall.domain.errors import InvalidFormBody, TownhallError
from townhall.domain.permissions import ALL_PERMISSIONS, Permission, has


class CommandType(enum.IntEnum):
    CHAT_INPUT = 1
    USER = 2
    MESSAGE = 3


class OptionType(enum.IntEnum):
    SUB_COMMAND = 1
    SUB_COMMAND_GROUP = 2
    STRING = 3
    INTEGER = 4
    BOOLEAN = 5
    USER = 6
    CHANNEL = 7
    ROLE = 8
    MENTIONABLE = 9
    NUMBER = 10
    ATTACHMENT = 11

    @property
    def is_subcommand(self) -> bool:
        return self in (OptionType.SUB_COMMAND, OptionType.SUB_COMMAND_GROUP)


class ContextType(enum.IntEnum):
    """Where a command may be used (Discord's interaction context types)."""

    GUILD = 0
    BOT_DM = 1
    PRIVATE_CHANNEL = 2


GUILD_INSTALL, USER_INSTALL = 0, 1
"""Discord's application integration types."""

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_MAX = 100
LENGTH_LIMIT = 6000
TOTAL_TEXT_MAX = 8000
"""Name, description and values of a command, its options and choices, together."""
SAFE_INTEGER = 2**53 - 1
LIMITS = {CommandType.CHAT_INPUT: 100, CommandType.USER: 15, CommandType.MESSAGE: 15}
"""Commands of each type per application and scope (global, or one guild)."""
PERMISSIONS_MAX = 100
"""Command permission overwrites per command and guild."""

LOCALES = notifications.LOCALES
"""Discord's locales: the keys `name_localizations` and `description_localizations` may use."""

ROLE, USER, CHANNEL = 1, 2, 3
"""Kinds of command permission overwrite."""


class MaximumCommands(TownhallError):
    code, message = 30032, "Maximum number of application commands reached"


class UnknownCommand(TownhallError):
    status, code, message = 404, 10063, "Unknown application command"


Localizations = dict[str, str]


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    value: str | int | float
    name_localizations: Localizations | None = None


@dataclass(frozen=True, slots=True)
class CommandOption:
    type: OptionType
    name: str
    description: str
    required: bool = False
    choices: tuple[Choice, ...] | None = None
    options: tuple[CommandOption, ...] | None = None
    """A subcommand's parameters, or a group's subcommands."""
    channel_types: tuple[int, ...] | None = None
    min_value: int | float | None = None
    max_value: int | float | None = None
    min_length: int | None = None
    max_length: int | None = None
    autocomplete: bool = False
    name_localizations: Localizations | None = None
    description_localizations: Localizations | None = None


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """What a bot registers: everything of a command but its ids and version."""

    name: str
    type: CommandType = CommandType.CHAT_INPUT
    description: str = ""
    options: tuple[CommandOption, ...] = ()
    name_localizations: Localizations | None = None
    description_localizations: Localizations | None = None
    default_member_permissions: int | None = None
    """Permissions a member needs in the channel (None: anyone; 0: administrators only)."""
    dm_permission: bool = True
    contexts: tuple[int, ...] | None = None
    integration_types: tuple[int, ...] = (GUILD_INSTALL,)
    nsfw: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    id: int
    application_id: int
    guild_id: int | None
    """None for a global command."""
    version: int
    """A snowflake, new whenever the command changes."""
    spec: CommandSpec


@dataclass(frozen=True, slots=True)
class CommandPermission:
    """One overwrite of who may use a command: a role, a member, or a channel."""

    id: int
    type: int
    permission: bool


@dataclass(frozen=True, slots=True)
class GuildCommandPermissions:
    """A guild's overwrites for one command, or for all of an application's (`id` the app)."""

    id: int
    application_id: int
    guild_id: int
    permissions: tuple[CommandPermission, ...] = field(default=())


# -- checking a registration -------------------------------------------------------------------


def _fail(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> InvalidFormBody:
    return InvalidFormBody.field(path, message, code)


def _join(prefix: str, key: str | int) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


def _allowed_char(char: str) -> bool:
    if char in "-_'":
        return True
    if unicodedata.category(char)[0] in "LN":
        return True
    point = ord(char)
    return (
        0x0900 <= point <= 0x097F  # Devanagari
        or 0xA8E0 <= point <= 0xA8FF  # Devanagari Extended
        or 0x0E00 <= point <= 0x0E7F  # Thai
    )


def _chat_input_name(value: object, path: str) -> str:
    """Discord's `^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$`, in lower case where a
    letter has a lower-case form."""
    if not isinstance(value, str):
        raise _fail(path, "Must be a string.", "BASE_TYPE_STRING")
    if not 1 <= len(value) <= NAME_MAX or not all(_allowed_char(c) for c in value):
        raise _fail(path, "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
    if value != value.lower():
        raise _fail(path, "Command name must be lower case", "APPLICATION_COMMAND_INVALID_NAME")
    return value


def _menu_name(value: object, path: str) -> str:
    """User and message commands may use capitals and spaces."""
    if not isinstance(value, str):
        raise _fail(path, "Must be a string.", "BASE_TYPE_STRING")
    if not 1 <= len(value) <= NAME_MAX or not value.strip() or value != value.strip():
        raise _fail(path, "Command name is invalid", "APPLICATION_COMMAND_INVALID_NAME")
    return value


def _text(value: object, path: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise _fail(path, "Must be a string.", "BASE_TYPE_STRING")
    if not low <= len(value) <= high:
        raise _fail(path, f"Must be between {low} and {high} in length.", "BASE_TYPE_BAD_LENGTH")
    return value


def _bool(value: object, path: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _fail(path, "Must be either true or false.", "BASE_TYPE_BOOLEAN")
    return value


def _localizations(
    value: object, path: str, check: type[_NameCheck] | tuple[int, int]
) -> Localizations | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
    checked: Localizations = {}
    for locale, text in value.items():
        where = _join(path, str(locale))
        if locale not in LOCALES:
            raise _fail(where, "Invalid locale.", "LOCALE_INVALID")
        if isinstance(check, tuple):
            checked[locale] = _text(text, where, *check)
        else:
            checked[locale] = check.name(text, where)
    return checked or None


class _NameCheck:
    """How a kind of name is checked (for names and their localizations)."""

    @staticmethod
    def name(value: object, path: str) -> str:
        return _chat_input_name(value, path)


class _MenuNameCheck(_NameCheck):
    @staticmethod
    def name(value: object, path: str) -> str:
        return _menu_name(value, path)


def _permissions(value: object, path: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise _fail(path, "Must be a permission bit set.", "BASE_TYPE_INVALID")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isdigit() and len(value) <= 20:
        number = int(value)
    else:
        raise _fail(path, "Must be a permission bit set.", "BASE_TYPE_INVALID")
    if number < 0 or number & ~ALL_PERMISSIONS:
        raise _fail(path, "Unknown permission bits.", "BASE_TYPE_INVALID")
    return number


def _int_list(value: object, path: str, allowed: Sequence[int]) -> tuple[int, ...]:
    if not isinstance(value, list):
        raise _fail(path, "Must be an array.", "BASE_TYPE_ARRAY")
    for index, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int) or item not in allowed:
            raise _fail(_join(path, index), "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
    return tuple(dict.fromkeys(value))


def _number(value: object, path: str, integer: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, "Must be a number.", "NUMBER_TYPE_COERCE")
    if integer and (isinstance(value, float) and not value.is_integer()):
        raise _fail(path, "Must be an integer.", "NUMBER_TYPE_COERCE")
    if isinstance(value, float) and not math.isfinite(value):
        raise _fail(path, "Must be a number.", "NUMBER_TYPE_COERCE")
    if abs(value) > SAFE_INTEGER:
        raise _fail(path, f"Must be between -{SAFE_INTEGER} and {SAFE_INTEGER}.", "NUMBER_TYPE_MAX")
    return int(value) if integer else value


def _choice(value: object, path: str, kind: OptionType) -> Choice:
    if not isinstance(value, Mapping):
        raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
    name = _text(value.get("name"), _join(path, "name"), 1, CHOICE_NAME_MAX)
    raw = value.get("value")
    where = _join(path, "value")
    if kind is OptionType.STRING:
        checked: str | int | float = _text(raw, where, 1, CHOICE_STRING_MAX)
    else:
        checked = _number(raw, where, integer=kind is OptionType.INTEGER)
    localized = _localizations(
        value.get("name_localizations"), _join(path, "name_localizations"), (1, CHOICE_NAME_MAX)
    )
    return Choice(name, checked, localized)


_VALUED = (OptionType.STRING, OptionType.INTEGER, OptionType.NUMBER)


def _option(value: object, path: str, depth: int) -> CommandOption:
    """One option; `depth` 0 under the command, 1 under a group, 2 under a subcommand."""
    if not isinstance(value, Mapping):
        raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
    raw_type = value.get("type")
    if (
        isinstance(raw_type, bool)
        or not isinstance(raw_type, int)
        or raw_type not in [t.value for t in OptionType]
    ):
        raise _fail(_join(path, "type"), "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
    kind = OptionType(raw_type)
    if kind is OptionType.SUB_COMMAND_GROUP and depth != 0:
        raise _fail(_join(path, "type"), "Subcommand groups cannot be nested.", "BASE_TYPE_INVALID")
    if kind is OptionType.SUB_COMMAND and depth == 2:
        raise _fail(_join(path, "type"), "Subcommands cannot be nested.", "BASE_TYPE_INVALID")
    name = _chat_input_name(value.get("name"), _join(path, "name"))
    description = _text(value.get("description"), _join(path, "description"), 1, DESCRIPTION_MAX)
    option = CommandOption(
        type=kind,
        name=name,
        description=description,
        name_localizations=_localizations(
            value.get("name_localizations"), _join(path, "name_localizations"), _NameCheck
        ),
        description_localizations=_localizations(
            value.get("description_localizations"),
            _join(path, "description_localizations"),
            (1, DESCRIPTION_MAX),
        ),
    )
    if kind.is_subcommand:
        if value.get("required"):
            raise _fail(_join(path, "required"), "Subcommands cannot be required.")
        nested = value.get("options") or []
        children = _options(
            nested, _join(path, "options"), 1 if kind is OptionType.SUB_COMMAND_GROUP else 2
        )
        if kind is OptionType.SUB_COMMAND_GROUP and any(
            c.type is not OptionType.SUB_COMMAND for c in children
        ):
            raise _fail(
                _join(path, "options"),
                "A subcommand group holds subcommands only.",
                "BASE_TYPE_INVALID",
            )
        return replace(option, options=children)
    required = _bool(value.get("required"), _join(path, "required"), False)
    option = replace(option, required=required)
    choices = value.get("choices")
    autocomplete = _bool(value.get("autocomplete"), _join(path, "autocomplete"), False)
    if choices is not None and choices != []:
        if kind not in _VALUED:
            raise _fail(
                _join(path, "choices"), "Only string, integer and number options have choices."
            )
        if not isinstance(choices, list):
            raise _fail(_join(path, "choices"), "Must be an array.", "BASE_TYPE_ARRAY")
        if len(choices) > CHOICES_MAX:
            raise _fail(
                _join(path, "choices"),
                f"Must be {CHOICES_MAX} or fewer in length.",
                "BASE_TYPE_MAX_LENGTH",
            )
        if autocomplete:
            raise _fail(
                _join(path, "autocomplete"),
                "Autocomplete and choices cannot be used together.",
                "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES",
            )
        option = replace(
            option,
            choices=tuple(
                _choice(c, _join(_join(path, "choices"), i), kind) for i, c in enumerate(choices)
            ),
        )
    if autocomplete:
        if kind not in _VALUED:
            raise _fail(
                _join(path, "autocomplete"), "Only string, integer and number options autocomplete."
            )
        option = replace(option, autocomplete=True)
    numeric = kind in (OptionType.INTEGER, OptionType.NUMBER)
    bounds: dict[str, int | float] = {}
    for key in ("min_value", "max_value"):
        raw = value.get(key)
        if raw is None:
            continue
        if not numeric:
            raise _fail(_join(path, key), "Only integer and number options have a range.")
        bounds[key] = _number(raw, _join(path, key), kind is OptionType.INTEGER)
    option = replace(option, min_value=bounds.get("min_value"), max_value=bounds.get("max_value"))
    if (
        option.min_value is not None
        and option.max_value is not None
        and option.min_value > option.max_value
    ):
        raise _fail(_join(path, "min_value"), "Must be less than or equal to max_value.")
    lengths: dict[str, int] = {}
    for key, low in (("min_length", 0), ("max_length", 1)):
        raw = value.get(key)
        if raw is None:
            continue
        if kind is not OptionType.STRING:
            raise _fail(_join(path, key), "Only string options have a length.")
        if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= LENGTH_LIMIT:
            raise _fail(
                _join(path, key), f"Must be between {low} and {LENGTH_LIMIT}.", "NUMBER_TYPE_MAX"
            )
        lengths[key] = raw
    option = replace(
        option, min_length=lengths.get("min_length"), max_length=lengths.get("max_length")
    )
    if (
        option.min_length is not None
        and option.max_length is not None
        and option.min_length > option.max_length
    ):
        raise _fail(_join(path, "min_length"), "Must be less than or equal to max_length.")
    channel_types = value.get("channel_types")
    if channel_types is not None:
        if kind is not OptionType.CHANNEL:
            raise _fail(_join(path, "channel_types"), "Only channel options have channel types.")
        option = replace(
            option,
            channel_types=_int_list(
                channel_types,
                _join(path, "channel_types"),
                (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16),
            ),
        )
    return option


def _options(value: object, path: str, depth: int) -> tuple[CommandOption, ...]:
    if not isinstance(value, list):
        raise _fail(path, "Must be an array.", "BASE_TYPE_ARRAY")
    if len(value) > OPTIONS_MAX:
        raise _fail(path, f"Must be {OPTIONS_MAX} or fewer in length.", "BASE_TYPE_MAX_LENGTH")
    options = tuple(_option(item, _join(path, i), depth) for i, item in enumerate(value))
    seen: set[str] = set()
    for index, option in enumerate(options):
        if option.name in seen:
            raise _fail(
                _join(_join(path, index), "name"),
                "Option names must be unique",
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
            )
        seen.add(option.name)
    subcommands = [o.type.is_subcommand for o in options]
    if any(subcommands) and not all(subcommands):
        raise _fail(path, "Subcommands and other options cannot be mixed.", "BASE_TYPE_INVALID")
    optional_seen = False
    for index, option in enumerate(options):
        if option.type.is_subcommand:
            continue
        if option.required and optional_seen:
            raise _fail(
                _join(path, index),
                "Required options must be placed before non-required options",
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
            )
        optional_seen = optional_seen or not option.required
    return options


def _text_size(spec: CommandSpec) -> int:
    def longest(text: str, localized: Localizations | None) -> int:
        return max([len(text), *(len(v) for v in (localized or {}).values())])

    def of_option(o: CommandOption) -> int:
        total = longest(o.name, o.name_localizations) + longest(
            o.description, o.description_localizations
        )
        for c in o.choices or ():
            total += longest(c.name, c.name_localizations) + len(str(c.value))
        return total + sum(of_option(child) for child in o.options or ())

    return (
        longest(spec.name, spec.name_localizations)
        + longest(spec.description, spec.description_localizations)
        + sum(of_option(o) for o in spec.options)
    )


def parse_command(body: object, *, guild_scoped: bool, path: str = "") -> CommandSpec:
    """A command as a bot sends it (POST, PUT's items, or a PATCH merged onto the stored one),
    checked; raises 50035 at Discord's field paths."""
    if not isinstance(body, Mapping):
        raise _fail(path or "_root", "Must be an object.", "DICT_TYPE_CONVERT")
    raw_type = body.get("type", 1)
    if raw_type is None:
        raw_type = 1
    if isinstance(raw_type, bool) or raw_type not in [t.value for t in CommandType]:
        raise _fail(_join(path, "type"), "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
    kind = CommandType(raw_type)
    chat = kind is CommandType.CHAT_INPUT
    names: type[_NameCheck] = _NameCheck if chat else _MenuNameCheck
    name = names.name(body.get("name"), _join(path, "name"))
    description = body.get("description")
    if chat:
        description = _text(description, _join(path, "description"), 1, DESCRIPTION_MAX)
    elif description not in (None, ""):
        raise _fail(_join(path, "description"), "User and message commands have no description.")
    options: tuple[CommandOption, ...] = ()
    raw_options = body.get("options")
    if raw_options not in (None, []):
        if not chat:
            raise _fail(_join(path, "options"), "Only slash commands have options.")
        options = _options(raw_options, _join(path, "options"), 0)
    contexts = body.get("contexts")
    integration_types = body.get("integration_types")
    spec = CommandSpec(
        name=name,
        type=kind,
        description=description or "",
        options=options,
        name_localizations=_localizations(
            body.get("name_localizations"), _join(path, "name_localizations"), names
        ),
        description_localizations=_localizations(
            body.get("description_localizations"),
            _join(path, "description_localizations"),
            (1, DESCRIPTION_MAX),
        )
        if chat
        else None,
        default_member_permissions=_permissions(
            body.get("default_member_permissions"), _join(path, "default_member_permissions")
        ),
        nsfw=_bool(body.get("nsfw"), _join(path, "nsfw"), False),
    )
    if not guild_scoped:  # these apply to global commands only, as on Discord
        spec = replace(
            spec,
            dm_permission=_bool(body.get("dm_permission"), _join(path, "dm_permission"), True),
            contexts=_int_list(contexts, _join(path, "contexts"), (0, 1, 2))
            if contexts is not None
            else None,
            integration_types=_int_list(
                integration_types, _join(path, "integration_types"), (GUILD_INSTALL, USER_INSTALL)
            )
            or (GUILD_INSTALL,)
            if integration_types is not None
            else (GUILD_INSTALL,),
        )
    if _text_size(spec) > TOTAL_TEXT_MAX:
        raise _fail(
            path or "_root",
            f"Command exceeds maximum size ({TOTAL_TEXT_MAX})",
            "APPLICATION_COMMAND_TOO_LARGE",
        )
    return spec


def parse_commands(body: object, *, guild_scoped: bool) -> list[CommandSpec]:
    """A bulk overwrite's list; names unique per type, within the limits per type."""
    if not isinstance(body, list):
        raise _fail("_root", "Must be an array.", "BASE_TYPE_ARRAY")
    specs = [
        parse_command(item, guild_scoped=guild_scoped, path=str(i)) for i, item in enumerate(body)
    ]
    seen: set[tuple[CommandType, str]] = set()
    for index, spec in enumerate(specs):
        if (spec.type, spec.name) in seen:
            raise _fail(
                f"{index}.name",
                "Application command names must be unique",
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
            )
        seen.add((spec.type, spec.name))
    for kind, limit in LIMITS.items():
        if sum(1 for s in specs if s.type is kind) > limit:
            raise MaximumCommands()
    return specs


def given_ids(body: object) -> list[int | None]:
    """The `id` each item of a bulk overwrite names, if any (it keeps that command's id)."""
    if not isinstance(body, list):
        return []
    found: list[int | None] = []
    for item in body:
        raw = item.get("id") if isinstance(item, Mapping) else None
        found.append(int(raw) if isinstance(raw, str | int) and str(raw).isdigit() else None)
    return found


# -- the canonical form ------------------------------------------------------------------------


def _option_document(o: CommandOption) -> dict[str, object]:
    body: dict[str, object] = {"type": int(o.type), "name": o.name, "description": o.description}
    if o.name_localizations:
        body["name_localizations"] = dict(o.name_localizations)
    if o.description_localizations:
        body["description_localizations"] = dict(o.description_localizations)
    if not o.type.is_subcommand:
        body["required"] = o.required
    if o.choices is not None:
        body["choices"] = [
            {"name": c.name, "value": c.value}
            | ({"name_localizations": dict(c.name_localizations)} if c.name_localizations else {})
            for c in o.choices
        ]
    if o.options is not None:
        body["options"] = [_option_document(child) for child in o.options]
    if o.channel_types is not None:
        body["channel_types"] = list(o.channel_types)
    for key in ("min_value", "max_value", "min_length", "max_length"):
        value = getattr(o, key)
        if value is not None:
            body[key] = value
    if o.autocomplete:
        body["autocomplete"] = True
    return body


def document(spec: CommandSpec) -> dict[str, object]:
    """The command as stored and shown (Discord's field names), without ids and version."""
    body: dict[str, object] = {
        "type": int(spec.type),
        "name": spec.name,
        "description": spec.description,
        "name_localizations": dict(spec.name_localizations) if spec.name_localizations else None,
        "description_localizations": dict(spec.description_localizations)
        if spec.description_localizations
        else None,
        "default_member_permissions": str(spec.default_member_permissions)
        if spec.default_member_permissions is not None
        else None,
        "dm_permission": spec.dm_permission,
        "contexts": list(spec.contexts) if spec.contexts is not None else None,
        "integration_types": list(spec.integration_types),
        "nsfw": spec.nsfw,
    }
    if spec.options:
        body["options"] = [_option_document(o) for o in spec.options]
    return body


def from_document(body: Mapping[str, object], *, guild_scoped: bool) -> CommandSpec:
    """A stored command back (it was checked when stored)."""
    return parse_command(body, guild_scoped=guild_scoped)


def merged(spec: CommandSpec, patch: Mapping[str, object], *, guild_scoped: bool) -> CommandSpec:
    """A PATCH: the fields it names replace the stored ones (the type never changes)."""
    body = {**document(spec), **{k: v for k, v in patch.items() if k != "type"}}
    return parse_command(body, guild_scoped=guild_scoped)


# -- command permissions -----------------------------------------------------------------------


def parse_permissions(body: object, guild_id: int) -> tuple[CommandPermission, ...]:
    """The body of PUT `…/commands/{id}/permissions`: `{"permissions": [{id, type, …}]}`."""
    if not isinstance(body, Mapping) or not isinstance(body.get("permissions"), list):
        raise _fail("permissions", "This field is required", "BASE_TYPE_REQUIRED")
    items = body["permissions"]
    assert isinstance(items, list)
    if len(items) > PERMISSIONS_MAX:
        raise _fail(
            "permissions", f"Must be {PERMISSIONS_MAX} or fewer in length.", "BASE_TYPE_MAX_LENGTH"
        )
    checked: dict[tuple[int, int], CommandPermission] = {}
    for index, item in enumerate(items):
        path = f"permissions.{index}"
        if not isinstance(item, Mapping):
            raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
        raw_id = item.get("id")
        if not (
            (isinstance(raw_id, str) and raw_id.isdigit())
            or (isinstance(raw_id, int) and not isinstance(raw_id, bool))
        ):
            raise _fail(f"{path}.id", "Value is not snowflake.", "NUMBER_TYPE_COERCE")
        target = int(raw_id)
        kind = item.get("type")
        if kind not in (ROLE, USER, CHANNEL) or isinstance(kind, bool):
            raise _fail(f"{path}.type", "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
        assert isinstance(kind, int)
        allowed = _bool(item.get("permission"), f"{path}.permission", True)
        if kind == CHANNEL and target == guild_id:
            raise _fail(f"{path}.id", "All channels are the guild id minus one.")
        checked[(kind, target)] = CommandPermission(target, kind, allowed)
    return tuple(checked.values())


def all_channels(guild_id: int) -> int:
    """The constant that names every channel of a guild in command permissions."""
    return guild_id - 1


def may_use(
    spec: CommandSpec,
    *,
    guild_id: int,
    user_id: int,
    role_ids: Sequence[int],
    channel_id: int,
    channel_permissions: int,
    command_overwrites: Sequence[CommandPermission] = (),
    application_overwrites: Sequence[CommandPermission] = (),
) -> bool:
    """Whether a member may use a command in a channel.

    Administrators may use every command. Otherwise a channel disabled for the command (or for
    all the application's commands, when the command names no channel) refuses; then the first
    level that names the member, one of their roles (any allowing wins), or @everyone decides,
    the command's own overwrites before the application's; and when no overwrite names them,
    `default_member_permissions` ("0": administrators only).
    """
    if has(channel_permissions, Permission.ADMINISTRATOR):
        return True
    for level in (command_overwrites, application_overwrites):
        channel = _find(level, CHANNEL, channel_id) or _find(level, CHANNEL, all_channels(guild_id))
        if channel is not None:
            if not channel.permission:
                return False
            break
    roles = set(role_ids) - {guild_id}
    for level in (command_overwrites, application_overwrites):
        member = _find(level, USER, user_id)
        if member is not None:
            return member.permission
        named = [o for o in level if o.type == ROLE and o.id in roles]
        if named:
            return any(o.permission for o in named)
        everyone = _find(level, ROLE, guild_id)
        if everyone is not None:
            return everyone.permission
    needed = spec.default_member_permissions
    if needed is None:
        return True
    return needed != 0 and has(channel_permissions, needed)


def _find(level: Sequence[CommandPermission], kind: int, target: int) -> CommandPermission | None:
    return next((o for o in level if o.type == kind and o.id == target), None)


def usable_in_guild(spec: CommandSpec) -> bool:
    """A global command may be limited to DMs by its `contexts`."""
    return spec.contexts is None or ContextType.GUILD in spec.contexts


def usable_in_bot_dm(spec: CommandSpec) -> bool:
    """A global command works in the DM with the application's bot when its `contexts` name
    BOT_DM, or, without contexts, unless the legacy `dm_permission` is false. Only for an
    application installed to guilds (townhall has no user-installed applications)."""
    if GUILD_INSTALL not in spec.integration_types:
        return False
    if spec.contexts is not None:
        return ContextType.BOT_DM in spec.contexts
    return spec.dm_permission


def subcommand_path(spec: CommandSpec, names: Sequence[str]) -> str:
    """The name shown for an invocation: the command and its group and subcommand."""
    return " ".join([spec.name, *names])
