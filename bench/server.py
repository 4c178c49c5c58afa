"""Real `townhall serve` processes on 127.0.0.1 for benchmarks, and their PostgreSQL databases.

Like tests/server_process.py, but with the soft file-descriptor limit raised to the hard one (ten
thousand sessions need ten thousand sockets) and no dependency on the test suite.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx

TOWNHALL = str(Path(sys.executable).with_name("townhall"))
PG_ADMIN_DSN = os.environ.get("TOWNHALL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TOWNHALL_BENCH_REDIS", "redis://127.0.0.1:6379/0")
ROOT = Path(__file__).parent.parent

BENCH_ENV = {
    "TOWNHALL_RATE_LIMITS": "false",
    "TOWNHALL_PASSWORD_HASH_MEMORY_KIB": "1024",
    "TOWNHALL_PASSWORD_HASH_TIME_COST": "1",
    "TOWNHALL_ACCESS_LOG": "false",
    "TOWNHALL_LOG_LEVEL": "warning",
    "TOWNHALL_HEARTBEAT_INTERVAL_MS": "600000",
    "TOWNHALL_GATEWAY_CONNECTIONS_PER_ADDRESS": "100000",
}
"""No rate limits, cheap (still argon2id) password hashing, no access log, heartbeats so rare
that idle sessions need none during a run, and no cap on gateway connections per address (every
simulated person connects from 127.0.0.1)."""


def raise_nofile() -> None:
    """Soft RLIMIT_NOFILE up to the hard limit (used in servers and load generators)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pg_admin(sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    # In a thread of its own, so that callers inside an event loop can use it too.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, run()).result()


def fresh_pg_database() -> str:
    name = f"townhall_bench_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


@dataclass
class Townhall:
    data_dir: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway(self) -> str:
        return f"ws://127.0.0.1:{self.port}/?v=10&encoding=json"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def pids(self) -> list[int]:
        """The server and its worker processes (TOWNHALL_WORKERS), for CPU accounting."""
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                with open(f"/proc/{pid}/task/{pid}/children") as children:
                    todo.extend(int(child) for child in children.read().split())
            except OSError:
                continue
        return found

    @property
    def log_path(self) -> Path:
        return self.data_dir / f"server-{self.port}.log"

    def start(self, timeout: float = 60.0) -> Townhall:
        env = {**os.environ, **BENCH_ENV, **self.env}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [TOWNHALL, "serve", "--port", str(self.port), "--data-dir", str(self.data_dir)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=raise_nofile,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"townhall exited: {self.log_tail()}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"townhall did not become ready: {self.log_tail()}")

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def database(backend: str) -> Iterator[str | None]:
    """None for the embedded SQLite file, or a fresh PostgreSQL database dropped afterwards."""
    if backend == "sqlite":
        yield None
        return
    url = fresh_pg_database()
    try:
        yield url
    finally:
        drop_pg_database(url)


@contextmanager
def data_directory(name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"townhall-bench-{name}-") as path:
        yield Path(path)


WORKERS = int(os.environ.get("BENCH_WORKERS", "1"))
"""`BENCH_WORKERS=2 python -m bench.x`: the server runs that many workers on a Redis log."""


@contextmanager
def townhall(backend: str, name: str, env: dict[str, str] | None = None) -> Iterator[Townhall]:
    """One running server on a fresh database, stopped and cleaned up afterwards."""
    with data_directory(name) as data_dir, database(backend) as url:
        server_env = dict(env or {})
        if url:
            server_env["TOWNHALL_DATABASE_URL"] = url
        if WORKERS > 1 and "TOWNHALL_WORKERS" not in server_env:
            server_env.update(
                TOWNHALL_WORKERS=str(WORKERS),
                TOWNHALL_BUS_URL=REDIS_URL,
                TOWNHALL_BUS_CHANNEL=f"townhall:bench:{uuid.uuid4().hex[:8]}",
            )
        server = Townhall(data_dir, server_env)
        try:
            yield server.start()
        finally:
            server.stop()
