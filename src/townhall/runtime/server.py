"""`townhall serve`: one process, or several worker processes sharing the port.

One Python process uses one core. With `TOWNHALL_WORKERS=N` the parent starts N workers that each
bind the port with SO_REUSEPORT (the kernel spreads new connections evenly over them), each a full
node (HTTP, gateway, jobs) joined to the others through the Redis log, exactly as nodes on several
machines are. A gateway session lives in the worker that accepted it, so each worker also listens
on a port of its own (the main port + 1 + its number) and gives that address as the session's
`resume_gateway_url`: a client that drops resumes with the worker that holds its session. The
parent restarts a worker that dies and stops them all on SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from dataclasses import replace
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn

from townhall import logs
from townhall.config import Settings

log = logging.getLogger("townhall.runtime")


class WorkersNeedABus(SystemExit):
    def __init__(self) -> None:
        super().__init__(
            "townhall: TOWNHALL_WORKERS > 1 needs TOWNHALL_BUS_URL (a Redis 7): the workers "
            "are nodes of one system and hear each other's events through it"
        )


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    from townhall.api.app import create_app
    from townhall.api.http_timeouts import header_deadline_protocol
    from townhall.gateway.transport import DirectWebSocketProtocol

    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=header_deadline_protocol(settings.http_header_timeout_seconds),
        ws=DirectWebSocketProtocol,
        # X-Forwarded-For only from the configured proxies (uvicorn would trust 127.0.0.1).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        timeout_keep_alive=settings.http_keep_alive_seconds,
        ws_per_message_deflate=False,
        ws_ping_interval=None,
        access_log=False,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


def serve(settings: Settings) -> int:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(settings.log_level)
    if settings.workers <= 1:
        uvicorn.Server(uvicorn_config(settings)).run()
        return 0
    if not settings.bus_url:
        raise WorkersNeedABus()
    return Supervisor(settings).run()


def _listen(host: str, port: int, *, shared: bool = False, accept: bool = True) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if accept:
        sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(settings: Settings, own: socket.socket) -> None:
    """One worker process: a whole node on the shared port and its own resume port."""
    logs.configure(settings.log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    shared = _listen(settings.host, settings.port, shared=True)
    uvicorn.Server(uvicorn_config(settings)).run(sockets=[shared, own])


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.context = multiprocessing.get_context("spawn")
        # Bound but not listening (so never given connections): the port stays ours while a
        # worker restarts.
        self.holder = _listen(settings.host, settings.port, shared=True, accept=False)
        self.own = [
            _listen(settings.host, settings.port + 1 + index) for index in range(settings.workers)
        ]
        self.workers: list[BaseProcess | None] = [None] * settings.workers
        self.stopping = False

    def _start(self, index: int) -> None:
        own = self.own[index]
        settings = replace(self.settings, resume_port=own.getsockname()[1])
        process = self.context.Process(
            target=_worker, args=(settings, own), name=f"townhall-worker-{index}"
        )
        process.start()
        self.workers[index] = process

    def _stop(self, *_args: Any) -> None:
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for index in range(self.settings.workers):
            self._start(index)
        log.info(
            "%d workers on port %d (resume ports %d-%d)",
            self.settings.workers,
            self.settings.port,
            self.settings.port + 1,
            self.settings.port + self.settings.workers,
        )
        while not self.stopping:
            time.sleep(0.5)
            for index, process in enumerate(self.workers):
                if process is not None and not process.is_alive() and not self.stopping:
                    code = process.exitcode
                    log.error("worker %d exited with %s; starting it again", index, code)
                    self._start(index)
        for process in self.workers:
            if process is not None and process.is_alive():
                process.terminate()  # SIGTERM: uvicorn shuts down gracefully
        for process in self.workers:
            if process is not None:
                process.join(15)
                if process.is_alive():
                    process.kill()
        return 0
