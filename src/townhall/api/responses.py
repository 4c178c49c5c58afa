"""JSON responses as discord.py expects them: `Content-Type: application/json` exactly, orjson-
encoded."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import JSONResponse, Response


class JSON(JSONResponse):
    """A JSONResponse, so that FastAPI documents a route's `response_model` as its body."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

    def init_headers(self, headers: Any = None) -> None:
        super().init_headers(headers)
        # Starlette appends "; charset=utf-8" only to text/* types, but be explicit: discord.py
        # parses a body as JSON only when the header is exactly `application/json`.
        self.raw_headers = [
            (k, b"application/json") if k == b"content-type" else (k, v)
            for k, v in self.raw_headers
        ]


def no_content() -> Response:
    return Response(status_code=204)
