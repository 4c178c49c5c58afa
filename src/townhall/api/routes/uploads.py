"""Resumable uploads through tus 1.0 under `/uploads` (tus-js-client in the web client).

A finished upload becomes a message's file when its id is given as an attachment's
`uploaded_filename`, as in Discord's own large-upload flow. Bodies here are not read by the
body-limit middleware: they stream through to `actions/uploads.py` as they arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from townhall.actions import uploads as upload_actions
from townhall.api.deps import CurrentActor, ServicesDep
from townhall.api.errors import error_body
from townhall.api.responses import JSON
from townhall.domain.errors import InvalidFormBody, TownhallError
from townhall.files import tus
from townhall.store.uploads import Upload


class TusRoute(APIRoute):
    """Every answer carries `Tus-Resumable`; every request but OPTIONS must speak tus 1.0.0."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def tus_handler(request: Request) -> Response:
            try:
                if request.method != "OPTIONS":
                    tus.check_version(request.headers.get(tus.TUS_RESUMABLE))
                response = await handler(request)
            except TownhallError as error:
                response = _error(error)
            response.headers[tus.TUS_RESUMABLE] = tus.TUS_VERSION
            return response

        return tus_handler


router = APIRouter(tags=["uploads"], route_class=TusRoute)

UploadLength = Annotated[
    str | None, Header(alias=tus.UPLOAD_LENGTH, description="The file's size in bytes.")
]
UploadOffset = Annotated[
    str | None,
    Header(alias=tus.UPLOAD_OFFSET, description="Where these bytes go: the upload's offset."),
]
UploadMetadata = Annotated[
    str | None,
    Header(
        alias=tus.UPLOAD_METADATA,
        description="`key base64value` pairs, comma-separated: `filename`, `filetype`.",
    ),
]
UploadChecksum = Annotated[
    str | None,
    Header(alias=tus.UPLOAD_CHECKSUM, description="`sha256 <base64 digest>` of this body."),
]
UploadDeferLength = Annotated[str | None, Header(alias=tus.UPLOAD_DEFER_LENGTH)]


@router.options("/uploads", status_code=204)
async def describe_uploads(s: ServicesDep) -> Response:
    """What this server's tus endpoint supports (no token needed)."""
    return Response(
        status_code=204,
        headers={
            tus.TUS_VERSION_HEADER: tus.TUS_VERSION,
            tus.TUS_EXTENSION: tus.EXTENSIONS,
            tus.TUS_MAX_SIZE: str(s.settings.max_file_bytes),
            tus.TUS_CHECKSUM_ALGORITHM: tus.CHECKSUM_ALGORITHMS,
        },
    )


@router.post("/uploads", status_code=201, response_class=Response)
async def create_upload(
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
    upload_length: UploadLength = None,
    upload_metadata: UploadMetadata = None,
    upload_checksum: UploadChecksum = None,
    upload_defer_length: UploadDeferLength = None,
) -> Response:
    """Start an upload; a body of `application/offset+octet-stream` is its first bytes."""
    if upload_defer_length is not None:
        raise tus.BadUploadRequest("Upload-Defer-Length is not supported: send Upload-Length")
    length = tus.parse_size(upload_length, tus.UPLOAD_LENGTH)
    with_data = tus.is_offset_stream(request.headers.get("content-type"))
    chunk = _chunk(request, upload_checksum) if with_data else None
    upload = await upload_actions.create_upload(s, actor, length, upload_metadata, chunk)
    public_url = s.settings.public_url
    location = request.url_for("upload_status", upload_id=upload.id)
    headers = {
        "Location": public_url.rstrip("/") + location.path if public_url else str(location),
        tus.UPLOAD_EXPIRES: tus.format_expires(upload.expires_at),
    }
    if with_data:
        headers[tus.UPLOAD_OFFSET] = str(upload.offset)
    return Response(status_code=201, headers=headers)


@router.head("/uploads/{upload_id}", response_class=Response)
async def upload_status(upload_id: str, actor: CurrentActor, s: ServicesDep) -> Response:
    """How many bytes the server has: resume from there."""
    upload = await upload_actions.upload_status(s, actor, upload_id)
    headers = {**_progress(upload), tus.UPLOAD_LENGTH: str(upload.length)}
    headers["Cache-Control"] = "no-store"
    if upload.metadata:
        headers[tus.UPLOAD_METADATA] = upload.metadata
    return Response(status_code=200, headers=headers)


@router.patch("/uploads/{upload_id}", status_code=204)
async def append_to_upload(
    upload_id: str,
    request: Request,
    actor: CurrentActor,
    s: ServicesDep,
    upload_offset: UploadOffset = None,
    upload_checksum: UploadChecksum = None,
) -> Response:
    """Send the next bytes (`Content-Type: application/offset+octet-stream`)."""
    if not tus.is_offset_stream(request.headers.get("content-type")):
        raise tus.UnsupportedMediaType()
    offset = tus.parse_size(upload_offset, tus.UPLOAD_OFFSET)
    chunk = _chunk(request, upload_checksum)
    upload = await upload_actions.append_to_upload(s, actor, upload_id, offset, chunk)
    return Response(status_code=204, headers=_progress(upload))


@router.delete("/uploads/{upload_id}", status_code=204)
async def terminate_upload(upload_id: str, actor: CurrentActor, s: ServicesDep) -> Response:
    """Cancel the upload and forget its bytes."""
    await upload_actions.terminate_upload(s, actor, upload_id)
    return Response(status_code=204)


def _chunk(request: Request, checksum: str | None) -> upload_actions.Chunk:
    declared = request.headers.get("content-length", "")
    return upload_actions.Chunk(
        stream=_arriving(request),
        declared_size=int(declared) if declared.isascii() and declared.isdigit() else None,
        checksum=tus.parse_checksum(checksum) if checksum is not None else None,
    )


async def _arriving(request: Request) -> AsyncIterator[bytes]:
    """The body as it arrives; a client that goes away just ends it (tus keeps what came)."""
    try:
        async for data in request.stream():
            if data:
                yield data
    except ClientDisconnect:
        return


def _progress(upload: Upload) -> dict[str, str]:
    return {
        tus.UPLOAD_OFFSET: str(upload.offset),
        tus.UPLOAD_EXPIRES: tus.format_expires(upload.expires_at),
    }


def _error(error: TownhallError) -> Response:
    """Discord's error shape, as `api/errors.py` makes it, with tus's headers added."""
    details = error.errors if isinstance(error, InvalidFormBody) else None
    headers = {tus.TUS_VERSION_HEADER: tus.TUS_VERSION} if error.status == 412 else {}
    return JSON(
        error_body(error.code, error.message, details), status_code=error.status, headers=headers
    )
