"""A lean HTTP/1.1 client for load generation: a pool of keep-alive connections, request bytes
built by hand, responses read by Content-Length.

Not httpx: on two cores, every microsecond the load generator spends is taken from the server it
measures.
"""

from __future__ import annotations

import asyncio


class Http:
    """A pool of keep-alive connections to one server (`api`: its base URL with the path prefix)."""

    def __init__(self, api: str, size: int) -> None:
        host_port = api.split("://", 1)[1].split("/", 1)[0]
        self.host, port = host_port.split(":")
        self.port = int(port)
        self.prefix = api.split(host_port, 1)[1]
        self.host_port = host_port
        self.size = size
        self.pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = (
            asyncio.Queue()
        )

    async def open(self) -> None:
        for _ in range(self.size):
            self.pool.put_nowait(await asyncio.open_connection(self.host, self.port))

    def head(self, method: str, path: str, token: str) -> bytes:
        return (
            f"{method} {self.prefix}{path} HTTP/1.1\r\nHost: {self.host_port}\r\n"
            f"Authorization: {token}\r\n"
        ).encode()

    async def request(
        self, method: str, path: str, token: str, body: bytes | None = None
    ) -> tuple[int, bytes]:
        head = self.head(method, path, token)
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        elif method in ("POST", "PUT", "PATCH"):
            head += b"Content-Length: 0\r\n"
        return await self.send(head + b"\r\n" + (body or b""))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """One whole request; (status, body). A connection the server closed is opened again."""
        reader, writer = await self.pool.get()
        try:
            for _attempt in range(2):
                try:
                    writer.write(request)
                    status = await reader.readline()
                    if not status:
                        # uvicorn closes a keep-alive connection idle for 5 s (between steps).
                        raise ConnectionResetError("closed by the server")
                    length = 0
                    while (line := await reader.readline()) not in (b"\r\n", b""):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    content = await reader.readexactly(length)
                    return int(status.split(b" ", 2)[1]), content
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    reader, writer = await asyncio.open_connection(self.host, self.port)
            return 0, b""
        finally:
            self.pool.put_nowait((reader, writer))

    async def close(self) -> None:
        while not self.pool.empty():
            _reader, writer = self.pool.get_nowait()
            writer.close()
