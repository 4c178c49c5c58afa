"""Every failure leaves as Discord's JSON error shape; nothing else in the API formats errors."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from townhall.api.responses import JSON
from townhall.domain.errors import InvalidFormBody, RateLimited, TownhallError

log = logging.getLogger("townhall.api")

_PYDANTIC_CODES = {
    "string_too_long": "BASE_TYPE_MAX_LENGTH",
    "string_too_short": "BASE_TYPE_MIN_LENGTH",
    "missing": "BASE_TYPE_REQUIRED",
    "int_parsing": "NUMBER_TYPE_COERCE",
    "less_than_equal": "NUMBER_TYPE_MAX",
    "greater_than_equal": "NUMBER_TYPE_MIN",
    "json_invalid": "JSON_INVALID",
}

_UNSTORABLE_INPUT = {"22001", "22003", "22021", "22P05"}
"""PostgreSQL data exceptions that only input causes: too long, out of range, NUL or bad bytes."""


def error_body(code: int, message: str, errors: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def validation_tree(problems: Sequence[Any]) -> dict[str, Any]:
    """Pydantic's flat error list as Discord's nested tree: `{"content": {"_errors": [...]}}`."""
    tree: dict[str, Any] = {}
    for problem in problems:
        loc = [
            str(part) for part in problem.get("loc", ()) if part not in ("body", "query", "path")
        ]
        node = tree
        for part in loc:
            node = node.setdefault(part, {})
        code = _PYDANTIC_CODES.get(problem.get("type", ""), "BASE_TYPE_INVALID")
        node.setdefault("_errors", []).append(
            {"code": code, "message": str(problem.get("msg", ""))}
        )
    return tree


def install(app: FastAPI) -> None:
    @app.exception_handler(TownhallError)
    async def townhall_error(_request: Request, error: TownhallError) -> Response:
        errors = error.errors if isinstance(error, InvalidFormBody) else None
        body = error_body(error.code, error.message, errors)
        headers: dict[str, str] = {}
        if isinstance(error, RateLimited):
            body.update(retry_after=round(error.retry_after, 3), **{"global": False})
            headers["Retry-After"] = str(max(1, int(error.retry_after + 0.999)))
        return JSON(body, status_code=error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> Response:
        problems = error.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return JSON(
                error_body(50109, "The request body contains invalid JSON."), status_code=400
            )
        return JSON(
            error_body(50035, "Invalid Form Body", validation_tree(problems)), status_code=400
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> Response:
        message = {404: "404: Not Found", 405: "405: Method Not Allowed", 401: "401: Unauthorized"}
        return JSON(
            error_body(0, message.get(error.status_code, str(error.detail))),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> Response:
        log.exception("unhandled error", exc_info=error)
        return JSON(error_body(0, "500: Internal Server Error"), status_code=500)

    @app.exception_handler(DBAPIError)
    async def database_refused(request: Request, error: DBAPIError) -> Response:
        # The database is the last line of defence for input: a value it cannot store (a NUL
        # character, on PostgreSQL) is the caller's mistake, not the server's. The failing
        # transaction was rolled back. A route that gets here lacks a validation.
        if getattr(error.orig, "sqlstate", None) not in _UNSTORABLE_INPUT:
            return await unexpected(request, error)
        log.warning("the database refused a value; validate it in the route", exc_info=error)
        problem = {
            "code": "BASE_TYPE_INVALID",
            "message": "Contains a value that cannot be stored.",
        }
        return JSON(error_body(50035, "Invalid Form Body", {"_errors": [problem]}), status_code=400)
