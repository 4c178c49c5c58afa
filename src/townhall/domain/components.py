"""Message components and modals: what a bot may attach, and what a person's click may say.

Pure rules, in Discord's shapes: a message holds up to 5 action rows, each with up to 5 buttons
or one select menu; a modal holds 1 to 5 rows (a text input or a select each, in an action row
or a label) and text displays. `message_components` and `modal` check what a bot sends and give
back the canonical JSON (numbered `id`s, defaults filled in) that is stored and shown;
`clicked` and `submitted` check a person's MESSAGE_COMPONENT and MODAL_SUBMIT against them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from townhall.domain.errors import InvalidFormBody

Component = dict[str, object]


class ComponentType(enum.IntEnum):
    ACTION_ROW = 1
    BUTTON = 2
    STRING_SELECT = 3
    TEXT_INPUT = 4
    USER_SELECT = 5
    ROLE_SELECT = 6
    MENTIONABLE_SELECT = 7
    CHANNEL_SELECT = 8
    TEXT_DISPLAY = 10
    LABEL = 18


SELECTS = frozenset(
    {
        ComponentType.STRING_SELECT,
        ComponentType.USER_SELECT,
        ComponentType.ROLE_SELECT,
        ComponentType.MENTIONABLE_SELECT,
        ComponentType.CHANNEL_SELECT,
    }
)
LINK, PREMIUM = 5, 6
"""Button styles without a custom_id: a link opens its `url`, a premium button its SKU."""
ROWS_MAX = 5
BUTTONS_PER_ROW = 5
CUSTOM_ID_MAX = 100
LABEL_MAX = 80
URL_MAX = 512
SELECT_OPTIONS_MAX = 25
PLACEHOLDER_MAX = 150
TEXT_INPUT_MAX = 4000
MODAL_TITLE_MAX = 45
MODAL_LABEL_MAX = 45
TEXT_DISPLAY_MAX = 4000


def _fail(path: str, message: str, code: str = "BASE_TYPE_INVALID") -> InvalidFormBody:
    return InvalidFormBody.field(path, message, code)


def _object(value: object, path: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(path, "Must be an object.", "DICT_TYPE_CONVERT")
    return value


def _list(value: object, path: str, low: int, high: int) -> list[object]:
    if not isinstance(value, list):
        raise _fail(path, "Must be an array.", "BASE_TYPE_ARRAY")
    if not low <= len(value) <= high:
        raise _fail(path, f"Must be between {low} and {high} in length.", "BASE_TYPE_BAD_LENGTH")
    return value


def _string(value: object, path: str, low: int, high: int) -> str:
    if not isinstance(value, str):
        raise _fail(path, "Must be a string.", "BASE_TYPE_STRING")
    if not low <= len(value) <= high:
        raise _fail(path, f"Must be between {low} and {high} in length.", "BASE_TYPE_BAD_LENGTH")
    return value


def _optional_string(value: object, path: str, high: int) -> str | None:
    return None if value is None else _string(value, path, 0, high)


def _integer(value: object, path: str, low: int, high: int, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(path, f"Must be between {low} and {high}.", "NUMBER_TYPE_MAX")
    return value


def _flag(value: object, path: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _fail(path, "Must be either true or false.", "BASE_TYPE_BOOLEAN")
    return value


def _type(value: Mapping[str, object], path: str) -> ComponentType:
    raw = value.get("type")
    if isinstance(raw, bool) or raw not in [t.value for t in ComponentType]:
        raise _fail(f"{path}.type", "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
    assert isinstance(raw, int)
    return ComponentType(raw)


def _emoji(value: object, path: str) -> Component | None:
    if value is None:
        return None
    emoji = _object(value, path)
    shown: Component = {"name": _optional_string(emoji.get("name"), f"{path}.name", 32)}
    if emoji.get("id") is not None:
        shown["id"] = str(emoji["id"])
    if emoji.get("animated"):
        shown["animated"] = True
    if shown["name"] is None and "id" not in shown:
        raise _fail(path, "An emoji needs a name or an id.")
    return shown


class _Numbering:
    """Discord gives each component an `id` (1, 2, …) when the bot did not."""

    def __init__(self) -> None:
        self.next = 1
        self.custom_ids: set[str] = set()

    def id_for(self, value: Mapping[str, object], path: str) -> int:
        given = value.get("id")
        if given is None:
            number = self.next
        elif isinstance(given, bool) or not isinstance(given, int) or not 0 < given < 2**31:
            raise _fail(f"{path}.id", "Must be a 32-bit integer.", "NUMBER_TYPE_MAX")
        else:
            number = given
        self.next = max(self.next, number) + 1
        return number

    def custom_id(self, value: object, path: str) -> str:
        custom_id = _string(value, path, 1, CUSTOM_ID_MAX)
        if custom_id in self.custom_ids:
            raise _fail(path, "Custom ids must be unique.", "COMPONENT_CUSTOM_ID_DUPLICATED")
        self.custom_ids.add(custom_id)
        return custom_id


def _button(value: Mapping[str, object], path: str, numbers: _Numbering) -> Component:
    style = _integer(value.get("style"), f"{path}.style", 1, 6, 0)
    if style == 0:
        raise _fail(f"{path}.style", "This field is required", "BASE_TYPE_REQUIRED")
    button: Component = {"type": 2, "id": numbers.id_for(value, path), "style": style}
    label = _optional_string(value.get("label"), f"{path}.label", LABEL_MAX)
    emoji = _emoji(value.get("emoji"), f"{path}.emoji")
    if label is not None:
        button["label"] = label
    if emoji is not None:
        button["emoji"] = emoji
    if style == LINK:
        if value.get("custom_id") is not None:
            raise _fail(f"{path}.custom_id", "A link button has no custom_id.")
        url = _string(value.get("url"), f"{path}.url", 1, URL_MAX)
        if not url.startswith(("https://", "http://", "discord://")):
            raise _fail(f"{path}.url", "Scheme must be one of ('http', 'https', 'discord').")
        button["url"] = url
    elif style == PREMIUM:
        sku = value.get("sku_id")
        if not isinstance(sku, str | int) or not str(sku).isdigit():
            raise _fail(f"{path}.sku_id", "This field is required", "BASE_TYPE_REQUIRED")
        button["sku_id"] = str(sku)
    else:
        if value.get("url") is not None:
            raise _fail(f"{path}.url", "Only link buttons have a url.")
        button["custom_id"] = numbers.custom_id(value.get("custom_id"), f"{path}.custom_id")
    if style != PREMIUM and label is None and emoji is None:
        raise _fail(f"{path}.label", "A button needs a label or an emoji.", "BASE_TYPE_REQUIRED")
    button["disabled"] = _flag(value.get("disabled"), f"{path}.disabled", False)
    return button


def _select(
    value: Mapping[str, object], path: str, kind: ComponentType, numbers: _Numbering, *, modal: bool
) -> Component:
    select: Component = {
        "type": int(kind),
        "id": numbers.id_for(value, path),
        "custom_id": numbers.custom_id(value.get("custom_id"), f"{path}.custom_id"),
    }
    placeholder = _optional_string(value.get("placeholder"), f"{path}.placeholder", PLACEHOLDER_MAX)
    if placeholder is not None:
        select["placeholder"] = placeholder
    low = _integer(value.get("min_values"), f"{path}.min_values", 0, 25, 1)
    high = _integer(value.get("max_values"), f"{path}.max_values", 1, 25, 1)
    if low > high:
        raise _fail(f"{path}.min_values", "Must be less than or equal to max_values.")
    select["min_values"], select["max_values"] = low, high
    if kind is ComponentType.STRING_SELECT:
        options = _list(value.get("options"), f"{path}.options", 1, SELECT_OPTIONS_MAX)
        shown: list[Component] = []
        seen: set[str] = set()
        for index, raw in enumerate(options):
            where = f"{path}.options.{index}"
            option = _object(raw, where)
            item: Component = {
                "label": _string(option.get("label"), f"{where}.label", 1, 100),
                "value": _string(option.get("value"), f"{where}.value", 1, 100),
            }
            if item["value"] in seen:
                raise _fail(f"{where}.value", "Option values must be unique.")
            seen.add(str(item["value"]))
            description = _optional_string(option.get("description"), f"{where}.description", 100)
            if description is not None:
                item["description"] = description
            emoji = _emoji(option.get("emoji"), f"{where}.emoji")
            if emoji is not None:
                item["emoji"] = emoji
            item["default"] = _flag(option.get("default"), f"{where}.default", False)
            shown.append(item)
        if high > len(shown):
            raise _fail(f"{path}.max_values", "Must be at most the number of options.")
        select["options"] = shown
    else:
        defaults = value.get("default_values")
        if defaults is not None:
            items = _list(defaults, f"{path}.default_values", 0, high)
            select["default_values"] = [
                _default_value(item, f"{path}.default_values.{i}", kind)
                for i, item in enumerate(items)
            ]
        if kind is ComponentType.CHANNEL_SELECT and value.get("channel_types") is not None:
            kinds = _list(value.get("channel_types"), f"{path}.channel_types", 0, 20)
            if not all(isinstance(k, int) and not isinstance(k, bool) for k in kinds):
                raise _fail(f"{path}.channel_types", "Must be channel types.")
            select["channel_types"] = kinds
    if modal:
        select["required"] = _flag(value.get("required"), f"{path}.required", True)
    else:
        select["disabled"] = _flag(value.get("disabled"), f"{path}.disabled", False)
    return select


_DEFAULT_KINDS = {
    ComponentType.USER_SELECT: ("user",),
    ComponentType.ROLE_SELECT: ("role",),
    ComponentType.MENTIONABLE_SELECT: ("user", "role"),
    ComponentType.CHANNEL_SELECT: ("channel",),
}


def _default_value(value: object, path: str, kind: ComponentType) -> Component:
    item = _object(value, path)
    raw_id, raw_type = item.get("id"), item.get("type")
    if not isinstance(raw_id, str | int) or not str(raw_id).isdigit():
        raise _fail(f"{path}.id", "Value is not snowflake.", "NUMBER_TYPE_COERCE")
    if raw_type not in _DEFAULT_KINDS[kind]:
        raise _fail(f"{path}.type", "Value is not a valid enum value.", "ENUM_TYPE_COERCE")
    return {"id": str(raw_id), "type": raw_type}


def _text_input(
    value: Mapping[str, object], path: str, numbers: _Numbering, *, in_label: bool
) -> Component:
    style = _integer(value.get("style"), f"{path}.style", 1, 2, 1)
    text: Component = {
        "type": 4,
        "id": numbers.id_for(value, path),
        "custom_id": numbers.custom_id(value.get("custom_id"), f"{path}.custom_id"),
        "style": style,
    }
    label = value.get("label")
    if not in_label:  # inside a label, the label says it
        text["label"] = _string(label, f"{path}.label", 1, MODAL_LABEL_MAX)
    low = _integer(value.get("min_length"), f"{path}.min_length", 0, TEXT_INPUT_MAX, 0)
    high = _integer(
        value.get("max_length"), f"{path}.max_length", 1, TEXT_INPUT_MAX, TEXT_INPUT_MAX
    )
    if low > high:
        raise _fail(f"{path}.min_length", "Must be less than or equal to max_length.")
    text["min_length"], text["max_length"] = low, high
    text["required"] = _flag(value.get("required"), f"{path}.required", True)
    for key, limit in (("value", TEXT_INPUT_MAX), ("placeholder", 100)):
        given = _optional_string(value.get(key), f"{path}.{key}", limit)
        if given is not None:
            text[key] = given
    return text


def message_components(value: object, path: str = "components") -> tuple[Component, ...]:
    """A message's components as a bot sends them: up to 5 action rows of up to 5 buttons or
    one select menu each (Discord's layout before components v2)."""
    if value is None:
        return ()
    rows = _list(value, path, 0, ROWS_MAX)
    numbers = _Numbering()
    shown: list[Component] = []
    for index, raw in enumerate(rows):
        where = f"{path}.{index}"
        row = _object(raw, where)
        if _type(row, where) is not ComponentType.ACTION_ROW:
            raise _fail(
                f"{where}.type",
                "Only action rows may be top-level components.",
                "COMPONENT_LAYOUT_INVALID",
            )
        row_id = numbers.id_for(row, where)
        children = _list(row.get("components"), f"{where}.components", 1, BUTTONS_PER_ROW)
        items: list[Component] = []
        for child_index, child_raw in enumerate(children):
            at = f"{where}.components.{child_index}"
            child = _object(child_raw, at)
            kind = _type(child, at)
            if kind is ComponentType.BUTTON:
                items.append(_button(child, at, numbers))
            elif kind in SELECTS:
                items.append(_select(child, at, kind, numbers, modal=False))
            else:
                raise _fail(
                    f"{at}.type",
                    "Not a component of a message's action row.",
                    "COMPONENT_TYPE_INVALID",
                )
        selects = sum(1 for item in items if item["type"] != ComponentType.BUTTON)
        if selects and len(items) > 1:
            raise _fail(
                f"{where}.components",
                "A select menu fills its action row.",
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            )
        shown.append({"type": 1, "id": row_id, "components": items})
    return tuple(shown)


@dataclass(frozen=True, slots=True)
class Modal:
    custom_id: str
    title: str
    components: tuple[Component, ...]


def modal(value: object, path: str = "data") -> Modal:
    """A MODAL callback's data: a custom_id, a title, and 1 to 5 rows of inputs."""
    body = _object(value, path)
    numbers = _Numbering()
    custom_id = _string(body.get("custom_id"), f"{path}.custom_id", 1, CUSTOM_ID_MAX)
    title = _string(body.get("title"), f"{path}.title", 1, MODAL_TITLE_MAX)
    rows = _list(body.get("components"), f"{path}.components", 1, ROWS_MAX)
    shown: list[Component] = []
    for index, raw in enumerate(rows):
        where = f"{path}.components.{index}"
        row = _object(raw, where)
        kind = _type(row, where)
        row_id = numbers.id_for(row, where)
        if kind is ComponentType.ACTION_ROW:
            (child_raw,) = _list(row.get("components"), f"{where}.components", 1, 1)
            at = f"{where}.components.0"
            child = _object(child_raw, at)
            shown.append(
                {
                    "type": 1,
                    "id": row_id,
                    "components": [_modal_input(child, at, numbers, in_label=False)],
                }
            )
        elif kind is ComponentType.LABEL:
            label: Component = {
                "type": 18,
                "id": row_id,
                "label": _string(row.get("label"), f"{where}.label", 1, MODAL_LABEL_MAX),
            }
            description = _optional_string(row.get("description"), f"{where}.description", 100)
            if description is not None:
                label["description"] = description
            at = f"{where}.component"
            label["component"] = _modal_input(
                _object(row.get("component"), at), at, numbers, in_label=True
            )
            shown.append(label)
        elif kind is ComponentType.TEXT_DISPLAY:
            content = _string(row.get("content"), f"{where}.content", 1, TEXT_DISPLAY_MAX)
            shown.append({"type": 10, "id": row_id, "content": content})
        else:
            raise _fail(f"{where}.type", "Not a component of a modal.", "COMPONENT_TYPE_INVALID")
    if not numbers.custom_ids:
        raise _fail(f"{path}.components", "A modal needs an input.", "BASE_TYPE_REQUIRED")
    return Modal(custom_id, title, tuple(shown))


def _modal_input(
    value: Mapping[str, object], path: str, numbers: _Numbering, *, in_label: bool
) -> Component:
    kind = _type(value, path)
    if kind is ComponentType.TEXT_INPUT:
        return _text_input(value, path, numbers, in_label=in_label)
    if kind in SELECTS and in_label:
        return _select(value, path, kind, numbers, modal=True)
    raise _fail(f"{path}.type", "Not an input of a modal.", "COMPONENT_TYPE_INVALID")


def interactive(components: Sequence[Mapping[str, object]]) -> Iterator[Mapping[str, object]]:
    """Every button, select and text input, wherever it sits."""
    for component in components:
        children = component.get("components")
        if isinstance(children, list):
            yield from interactive(children)
        inner = component.get("component")
        if isinstance(inner, Mapping):
            yield from interactive([inner])
        if component.get("custom_id") is not None:
            yield component


def find(components: Sequence[Mapping[str, object]], custom_id: str) -> Mapping[str, object] | None:
    return next((c for c in interactive(components) if c.get("custom_id") == custom_id), None)


@dataclass(frozen=True, slots=True)
class Click:
    """A person's MESSAGE_COMPONENT: which component, and what they picked from a select."""

    custom_id: str
    component_type: ComponentType
    values: tuple[str, ...] | None = None


def clicked(components: Sequence[Mapping[str, object]], data: object) -> Click:
    """Check a click against the message's components: the component exists, is enabled, is of
    that type, and a select's values are its options, as many as it allows."""
    body = _object(data, "data")
    custom_id = _string(body.get("custom_id"), "data.custom_id", 1, CUSTOM_ID_MAX)
    component = find(components, custom_id)
    if component is None:
        raise _fail("data.custom_id", "Unknown component.", "COMPONENT_NOT_FOUND")
    kind = component.get("type")
    if body.get("component_type") != kind:
        raise _fail(
            "data.component_type", "Does not match the component.", "COMPONENT_TYPE_INVALID"
        )
    if component.get("disabled"):
        raise _fail("data.custom_id", "This component is disabled.", "COMPONENT_DISABLED")
    assert isinstance(kind, int)
    if kind not in SELECTS:
        return Click(custom_id, ComponentType(kind))
    values = _picked(component, body.get("values"), "data.values")
    return Click(custom_id, ComponentType(kind), values)


def _picked(component: Mapping[str, object], raw: object, path: str) -> tuple[str, ...]:
    low, high = component.get("min_values", 1), component.get("max_values", 1)
    assert isinstance(low, int) and isinstance(high, int)
    values = _list(raw, path, low, high)
    picked = tuple(_string(v, f"{path}.{i}", 1, 100) for i, v in enumerate(values))
    if len(set(picked)) != len(picked):
        raise _fail(path, "Values must be unique.")
    if component.get("type") == ComponentType.STRING_SELECT:
        options = component.get("options")
        assert isinstance(options, list)
        allowed = {o["value"] for o in options if isinstance(o, Mapping)}
        for index, value in enumerate(picked):
            if value not in allowed:
                raise _fail(
                    f"{path}.{index}", "Not an option of this select.", "COMPONENT_INVALID_VALUE"
                )
    elif not all(v.isdigit() for v in picked):
        raise _fail(path, "Values must be ids.", "NUMBER_TYPE_COERCE")
    return picked


@dataclass(frozen=True, slots=True)
class Answer:
    """One input of a submitted modal."""

    custom_id: str
    component_type: ComponentType
    value: str | None = None
    values: tuple[str, ...] | None = None


def submitted(shown: Modal, data: object) -> tuple[Answer, ...]:
    """Check a MODAL_SUBMIT against the modal the application showed: every required input
    answered, lengths and picks within its limits, nothing it did not ask."""
    body = _object(data, "data")
    if body.get("custom_id") != shown.custom_id:
        raise _fail("data.custom_id", "Does not match the modal.", "COMPONENT_NOT_FOUND")
    given: dict[str, Mapping[str, object]] = {}
    rows = _list(body.get("components"), "data.components", 0, ROWS_MAX)
    for row in rows:
        if not isinstance(row, Mapping):
            raise _fail("data.components", "Must be objects.", "DICT_TYPE_CONVERT")
        for item in interactive([row]):
            given[str(item.get("custom_id"))] = item
    answers: list[Answer] = []
    for field in interactive(shown.components):
        custom_id = str(field["custom_id"])
        answer = given.pop(custom_id, None)
        kind = field.get("type")
        path = f"data.components.{custom_id}"
        if kind == ComponentType.TEXT_INPUT:
            text = answer.get("value") if answer is not None else None
            text = "" if text is None else text
            high, low = field.get("max_length", TEXT_INPUT_MAX), field.get("min_length", 0)
            assert isinstance(high, int) and isinstance(low, int)
            checked = _string(text, path, 0, high)
            if checked == "" and field.get("required", True):
                raise _fail(path, "This field is required", "BASE_TYPE_REQUIRED")
            if checked and len(checked) < low:
                raise _fail(path, f"Must be at least {low} in length.", "BASE_TYPE_MIN_LENGTH")
            answers.append(Answer(custom_id, ComponentType.TEXT_INPUT, value=checked))
        else:
            assert isinstance(kind, int)
            raw = answer.get("values") if answer is not None else []
            if raw == [] and not field.get("required", True):
                answers.append(Answer(custom_id, ComponentType(kind), values=()))
                continue
            answers.append(Answer(custom_id, ComponentType(kind), values=_picked(field, raw, path)))
    if given:
        raise _fail(
            "data.components", "Answers an input the modal does not have.", "COMPONENT_NOT_FOUND"
        )
    return tuple(answers)
