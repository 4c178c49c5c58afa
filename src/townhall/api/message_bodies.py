"""Message bodies as Discord takes them: JSON, or `multipart/form-data` with files.

Bots send files the way Discord documents it: a `payload_json` part holding the JSON body, and
parts named `files[0]`, `files[1]`, … whose number matches an `id` in the body's `attachments`
(which adds a `description`, or a `filename` to show instead). discord.py and discord.js do
exactly this. A finished resumable upload is attached the same way, by naming it in
`uploaded_filename` instead of sending a part. The parts are spooled by Starlette (memory up to
1 MiB each, then a temporary file) and read from there in a thread.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import FormData, UploadFile

from townhall.actions.attachments import MAX_FILES, FinishedUploadRef, IncomingFile
from townhall.domain import errors

B = TypeVar("B", bound=BaseModel)

_FILE_FIELD = re.compile(r"^files\[(\d{1,3})\]$")
MAX_FORM_FIELDS = 20


class AttachmentBody(BaseModel):
    """An entry of a message body's `attachments`."""

    id: int | str
    filename: str | None = None
    description: str | None = None
    uploaded_filename: str | None = None
    """A finished upload (`/api/v10/uploads`) to attach, by its id."""
    duration_secs: float | None = None
    """Sent by clients for voice messages; townhall measures it from the audio instead."""
    waveform: str | None = None
    """As `duration_secs`: computed on the server."""
    keep_location: bool = False
    """townhall's: keep a photo's EXIF location for others (stripped by default)."""


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its `$defs` written in place, for an `openapi_extra` body
    (whose `#/$defs/...` references would otherwise point nowhere)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def documented_body(model: type[BaseModel], *, files: bool = False) -> dict[str, Any]:
    """The `openapi_extra` of a route whose body FastAPI does not parse: `model` as JSON and,
    with `files`, Discord's multipart form (`payload_json` and `files[n]` parts) beside it."""
    content: dict[str, Any] = {"application/json": {"schema": inline_schema(model)}}
    if files:
        content["multipart/form-data"] = {
            "schema": {
                "type": "object",
                "properties": {
                    "payload_json": {
                        "type": "string",
                        "description": "The JSON body, as for application/json.",
                    },
                    "files[0]": {"type": "string", "format": "binary"},
                },
                "description": "Files in parts `files[n]`; n matches an `attachments` id.",
            }
        }
    return {"requestBody": {"required": True, "content": content}}


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


async def read_json_body(request: Request, model: type[B]) -> B:
    """The JSON body, validated, with FastAPI's errors (which become Discord's 50035)."""
    try:
        return model.model_validate_json(await request.body() or b"{}")
    except ValidationError as error:
        problems = [{**p, "loc": ("body", *p["loc"])} for p in error.errors()]
        raise RequestValidationError(problems) from None


async def read_form(request: Request) -> FormData:
    try:
        return await request.form(
            max_files=MAX_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=1024 * 1024
        )
    except Exception as error:  # python-multipart's and Starlette's refusals of a bad form
        if type(error).__name__ == "ClientDisconnect":
            raise
        raise errors.InvalidFormBody.field("files", f"Could not read the form: {error}") from None


@asynccontextmanager
async def message_form(request: Request) -> AsyncIterator[FormData | None]:
    """A multipart body's form, its file parts readable until the block ends (None for JSON):
    the route reads the body inside the block and the action takes the files there."""
    if not is_multipart(request):
        yield None
        return
    form = await read_form(request)
    try:
        yield form
    finally:
        await form.close()


async def read_message_body(request: Request, form: FormData | None, model: type[B]) -> B:
    """The body of `message_form`'s request: its JSON, or the form's `payload_json`."""
    return form_payload(form, model) if form is not None else await read_json_body(request, model)


def form_json(form: FormData) -> bytes:
    """A form's `payload_json` as it came (an empty object when there is none), for routes that
    check the JSON themselves."""
    raw = form.get("payload_json")
    if isinstance(raw, UploadFile):
        raise errors.InvalidFormBody.field("payload_json", "Must be a text field.")
    return raw.encode() if isinstance(raw, str) else b"{}"


_ENTRIES: TypeAdapter[list[AttachmentBody] | None] = TypeAdapter(list[AttachmentBody] | None)


def attachment_entries(value: object, path: str = "attachments") -> list[AttachmentBody] | None:
    """A body's `attachments` (already parsed JSON), checked as `AttachmentBody` entries."""
    try:
        return _ENTRIES.validate_python(value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join([path, *(str(part) for part in first["loc"])])
        raise errors.InvalidFormBody.field(where, first["msg"]) from None


def form_payload(form: FormData, model: type[B]) -> B:
    """The JSON of `payload_json`, or the form's plain fields when there is none."""
    raw = form.get("payload_json")
    try:
        if isinstance(raw, str):
            return model.model_validate_json(raw)
        if isinstance(raw, UploadFile):
            raise errors.InvalidFormBody.field("payload_json", "Must be a text field.")
        fields: dict[str, Any] = {
            key: value for key, value in form.multi_items() if isinstance(value, str)
        }
        return model.model_validate(fields)
    except ValidationError as error:
        problems = [{**p, "loc": ("body", *p["loc"])} for p in error.errors()]
        raise RequestValidationError(problems) from None


def incoming_files(
    form: FormData | None, described: list[AttachmentBody] | None
) -> list[IncomingFile]:
    """The files of a message: form parts matched to their `attachments` entries, and uploads,
    in the order of the entries (parts no entry names come after them)."""
    order = {str(a.id): n for n, a in enumerate(described or ())}
    entries = {str(a.id): a for a in described or ()}
    found: list[tuple[int, IncomingFile]] = []
    used: set[str] = set()
    if form is not None:
        for key, value in form.multi_items():
            if not isinstance(value, UploadFile):
                continue
            match = _FILE_FIELD.match(key)
            index = match.group(1) if match else f"part{len(found)}"
            entry = entries.get(index)
            used.add(index)
            file = IncomingFile(
                filename=(entry.filename if entry and entry.filename else value.filename) or "file",
                source=value.file,
                description=entry.description if entry else None,
                keep_location=bool(entry and entry.keep_location),
            )
            found.append((order.get(index, len(order) + len(found)), file))
    for index, entry in entries.items():
        if index in used:
            continue
        if entry.uploaded_filename is None:
            continue  # an attachment the message already has (edits), or a stray entry
        file = IncomingFile(
            filename=entry.filename,
            source=FinishedUploadRef(entry.uploaded_filename),
            description=entry.description,
            keep_location=entry.keep_location,
        )
        found.append((order[index], file))
    return [file for _, file in sorted(found, key=lambda pair: pair[0])]


def kept_attachment_ids(form: FormData | None, described: list[AttachmentBody] | None) -> list[int]:
    """An edit's `attachments` entries that name files the message has: neither a part sent with
    the edit nor an upload. Discord's clients send an edit's whole list of files this way."""
    parts = set()
    if form is not None:
        for key, value in form.multi_items():
            match = _FILE_FIELD.match(key)
            if isinstance(value, UploadFile) and match:
                parts.add(match.group(1))
    kept = []
    for entry in described or ():
        if entry.uploaded_filename is None and str(entry.id) not in parts:
            try:
                kept.append(int(entry.id))
            except ValueError:
                raise errors.InvalidFormBody.field(
                    "attachments.id", "Must be the id of one of the message's files."
                ) from None
    return kept
