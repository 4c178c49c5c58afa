"""The attribute docstrings of the documented shapes, read once per class.

pydantic reads a TypedDict's attribute docstrings (`use_attribute_docstrings`, which put the
field descriptions into the OpenAPI document) from its source with `inspect.getsourcelines`,
every time it builds a schema that holds it, and FastAPI builds one per route for every nested
shape: 8 of the 9 s a process spent preparing ~200 routes. A class's docstrings do not change
while the process runs, so each class's are read once. This reaches into pydantic's internals
(pinned in pyproject.toml); `tests/test_schema_docs.py` fails loudly if they move.
"""

from __future__ import annotations

import functools
from typing import Any

from pydantic._internal import _docs_extraction, _generate_schema

_read = _docs_extraction.extract_docstrings_from_cls


@functools.cache
def _read_once(cls: Any, use_inspect: bool) -> dict[str, str]:
    return _read(cls, use_inspect=use_inspect)


def extract_docstrings_from_cls(cls: Any, use_inspect: bool = False) -> dict[str, str]:
    return dict(_read_once(cls, use_inspect))


setattr(_generate_schema, "extract_docstrings_from_cls", extract_docstrings_from_cls)  # noqa: B010
