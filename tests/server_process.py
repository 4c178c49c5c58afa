"""Real `townhall serve` processes on free loopback ports, each installation with its own data.

A `Deployment` is one installation: a data directory and, on PostgreSQL, a fresh database of its
own. Tests start (and kill, and restart) servers on it and run `townhall admin` against it, exactly
as an operator would. Servers run without rate limits and with cheap argon2 unless a test sets the
environment otherwise; every process is stopped when its deployment ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from tests.conftest import PG_ADMIN_DSN, run_pg_admin

STARTUP_SECONDS = 30.0
FAST_PASSWORDS = {
    "TOWNHALL_PASSWORD_HASH_MEMORY_KIB": "1024",
    "TOWNHALL_PASSWORD_HASH_TIME_COST": "1",
}


def townhall_command(*args: str) -> list[str]:
    """The console script installed next to this interpreter, else `python -m townhall.cli`."""
    script = Path(sys.executable).with_name("townhall")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "townhall.cli", *args]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    """One running `townhall serve`: its address and its process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/v10"

    @property
    def gateway(self) -> str:
        return self.url.replace("http://", "ws://")

    def client(self, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
        headers = {"Authorization": token} if token else {}
        return httpx.Client(base_url=self.api, headers=headers, timeout=timeout)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to flush or close anything."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM and a graceful shutdown; SIGKILL if that takes more than ten seconds."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Deployment:
    """A data directory (and a PostgreSQL database, on that backend) that servers start on."""

    backend: str
    data_dir: Path
    database_url: str | None
    servers: list[Server] = field(default_factory=list)

    def environment(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TOWNHALL_")}
        env.update(FAST_PASSWORDS, TOWNHALL_RATE_LIMITS="false", TOWNHALL_LOG_LEVEL="info")
        if self.database_url:
            env["TOWNHALL_DATABASE_URL"] = self.database_url
        env.update(extra)
        return env

    def start(self, **env: str) -> Server:
        """Start a server with these extra `TOWNHALL_*` variables; returns once /healthz is 200."""
        for _attempt in range(3):
            server = self._spawn(env)
            if self._wait_until_healthy(server):
                self.servers.append(server)
                return server
            server.kill()
            if "address already in use" not in server.log_tail().lower():
                break  # a port race is worth another try; anything else is a real failure
        raise RuntimeError(f"townhall serve did not come up:\n{server.log_tail()}")

    def _spawn(self, env: dict[str, str]) -> Server:
        port = free_port()
        log = self.data_dir / f"server-{port}-{uuid.uuid4().hex[:6]}.log"
        command = townhall_command(
            "serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(self.data_dir)
        )
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                env=self.environment(**env),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        return Server(f"http://127.0.0.1:{port}", process, log)

    @staticmethod
    def _wait_until_healthy(server: Server) -> bool:
        deadline = time.monotonic() + STARTUP_SECONDS
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if server.process.poll() is not None:
                    return False
                try:
                    if http.get(f"{server.url}/healthz").status_code == 200:
                        return True
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        return False

    def admin(self, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
        """`townhall admin --data-dir <this deployment> <args>`, the password given on stdin."""
        stdin = f"{password}\n" if password is not None else None
        return subprocess.run(
            townhall_command("admin", "--data-dir", str(self.data_dir), *args),
            env=self.environment(),
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def sql(self, statement: str) -> list[tuple[Any, ...]]:
        """Run one statement on this installation's database, as an operator at a SQL prompt."""
        if self.database_url is None:
            path = self.data_dir / "townhall.sqlite3"
            with contextlib.closing(sqlite3.connect(path)) as conn, conn:
                return [tuple(row) for row in conn.execute(statement)]

        async def fetch() -> list[tuple[Any, ...]]:
            conn = await asyncpg.connect(self.database_url)
            try:
                return [tuple(row) for row in await conn.fetch(statement)]
            finally:
                await conn.close()

        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fetch()).result()

    def stop_all(self) -> None:
        for server in self.servers:
            server.stop()


@contextmanager
def new_deployment(backend: str, data_dir: Path) -> Iterator[Deployment]:
    """A fresh installation; every server started on it is stopped (and its database dropped)."""
    data_dir.mkdir(parents=True)
    database_url = None
    name = f"townhall_e2e_{uuid.uuid4().hex[:12]}"
    if backend == "postgresql":
        run_pg_admin(f'CREATE DATABASE "{name}"')
        database_url = PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + name
    found = Deployment(backend, data_dir, database_url)
    try:
        yield found
    finally:
        found.stop_all()
        if database_url:
            run_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
