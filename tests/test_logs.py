"""The server's log lines never carry the secrets some outgoing request URLs hold."""

from __future__ import annotations

import logging

import httpx
import pytest

from townhall import logs


def test_outgoing_request_urls_with_secrets_are_not_logged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure("debug")
        transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
        with httpx.Client(transport=transport) as client:  # the client Janus's API goes through
            assert client.get("http://janus:8088/janus/1?apisecret=hunter2&token=t0k").is_success
        logging.getLogger("townhall.test").info("still logging")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    written = capsys.readouterr().err
    assert "still logging" in written
    assert "hunter2" not in written and "t0k" not in written
