"""Preparing the routes reads each documented shape's attribute docstrings once, and the
OpenAPI document still carries them as field descriptions."""

from __future__ import annotations

from pathlib import Path

from pydantic._internal import _generate_schema

from tests.conftest import test_settings as settings_in
from townhall.api.app import create_app, documented_routes
from townhall.wire import schema_docs


def test_pydantic_reads_docstrings_through_the_cache(tmp_path: Path) -> None:
    assert getattr(_generate_schema, "extract_docstrings_from_cls") is (  # noqa: B009
        schema_docs.extract_docstrings_from_cls
    )
    schema_docs._read_once.cache_clear()
    app = create_app(settings_in(tmp_path))
    assert len(documented_routes(app)) > 100
    info = schema_docs._read_once.cache_info()
    assert info.hits > info.misses > 0  # the same shapes again and again, read once each
    guild = app.openapi()["components"]["schemas"]["Guild"]["properties"]
    assert guild["announcements_channel_id"]["description"].startswith("townhall's")
