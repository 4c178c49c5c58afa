"""A real S3-compatible server for the session: moto's standalone server on a free loopback port.

Tests talk to it over HTTP exactly as townhall talks to AWS or MinIO, so signing, path-style
addressing, multipart uploads and ranged reads are all exercised for real. Fake credentials are
set for the session (and any real ones hidden, so no test can reach AWS); `S3Server.env` holds
what a `townhall serve` process started by a test needs to use the same bucket.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from townhall.files.s3 import S3Storage

STARTUP_SECONDS = 30.0
BUCKET = "townhall-test"
PREFIX = "files"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}
HIDDEN = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_REGION")


@dataclass(frozen=True)
class S3Server:
    url: str
    """`TOWNHALL_STORAGE_URL`: `s3://bucket/prefix`."""
    endpoint_url: str
    """`TOWNHALL_S3_ENDPOINT_URL`: the moto server's address."""

    @property
    def env(self) -> dict[str, str]:
        """Environment for a `townhall serve` process that keeps its files here."""
        return {
            **CREDENTIALS,
            "TOWNHALL_STORAGE_URL": self.url,
            "TOWNHALL_S3_ENDPOINT_URL": self.endpoint_url,
        }

    def storage(self) -> S3Storage:
        return S3Storage.from_url(self.url, endpoint_url=self.endpoint_url)


@pytest.fixture(scope="session")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """moto on 127.0.0.1 with one empty bucket, for the whole session."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with pytest.MonkeyPatch.context() as env, log.open("wb") as output:
        for name in HIDDEN:
            env.delenv(name, raising=False)
        for name, value in CREDENTIALS.items():
            env.setenv(name, value)
        port = _free_port()
        process = subprocess.Popen(
            [*_moto_command(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            endpoint_url = f"http://127.0.0.1:{port}"
            _wait_until_answering(endpoint_url, process, log)
            httpx.put(f"{endpoint_url}/{BUCKET}").raise_for_status()  # moto needs no signature
            yield S3Server(url=f"s3://{BUCKET}/{PREFIX}", endpoint_url=endpoint_url)
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def _moto_command() -> list[str]:
    """The console script installed next to this interpreter, else `python -m moto.server`."""
    script = Path(sys.executable).with_name("moto_server")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "moto.server"]


def _wait_until_answering(endpoint_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto_server exited: {log.read_text(errors='replace')}")
        try:
            httpx.get(endpoint_url + "/moto-api/", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"moto_server did not answer within {STARTUP_SECONDS} s")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
