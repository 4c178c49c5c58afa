"""Every successful JSON answer the API tests receive must match the OpenAPI document.

The document's response schemas (`townhall.wire.schemas`) are what the web client's types are
generated from and what bot authors read. They forbid fields they do not list, so a payload that
gains, loses or retypes a field without its schema fails the test that received it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema_rs


@dataclass(frozen=True)
class _Operation:
    pattern: re.Pattern[str]
    literal_segments: int
    responses: dict[str, Any]


class DocumentedShapes:
    """Checks answers against one OpenAPI document (an httpx response hook)."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._components = document["components"]
        self._operations: dict[str, list[_Operation]] = {}
        self._validators: dict[tuple[int, str], jsonschema_rs.Validator] = {}
        for path, methods in document["paths"].items():
            regex = re.sub(
                r"\{[^/]+\}", "[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}")
            )
            literal = sum(1 for part in path.split("/") if part and not part.startswith("{"))
            for method, operation in methods.items():
                self._operations.setdefault(method.upper(), []).append(
                    _Operation(re.compile(regex + "$"), literal, operation.get("responses", {}))
                )
        for candidates in self._operations.values():
            candidates.sort(key=lambda o: -o.literal_segments)

    def schema_for(self, method: str, path: str, status: int) -> dict[str, Any] | None:
        """The documented schema of a JSON answer, or None when the route is not documented."""
        for operation in self._operations.get(method, ()):
            if operation.pattern.match(path):
                content = operation.responses.get(str(status), {}).get("content", {})
                return content.get("application/json", {}).get("schema")  # type: ignore[no-any-return]
        return None

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        schema = self.schema_for(method, path, status)
        assert schema, f"{method} {path} answered {status} with JSON but documents no schema for it"
        key = (id(schema), method)
        validator = self._validators.get(key)
        if validator is None:
            validator = jsonschema_rs.validator_for({**schema, "components": self._components})
            self._validators[key] = validator
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, f"{method} {path} → {status} differs from its schema: {errors[:5]}"

    async def __call__(self, response: httpx.Response) -> None:
        if not 200 <= response.status_code < 300 or response.status_code == 204:
            return
        if response.headers.get("content-type") != "application/json":
            return
        await response.aread()
        self.check(
            response.request.method,
            response.request.url.path,
            response.status_code,
            response.json(),
        )
