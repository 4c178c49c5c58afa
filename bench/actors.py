"""People using the REST API as a chat app does, in a process of their own.

`python -m bench.actors` reads one JSON line of configuration (people with their tokens and
channels, the API address, the step number) and runs one coroutine per person:
- every 10 ± 5 s they open a channel: a history page of 50 (`GET /channels/{id}/messages`), on
  the itinerary their gateway session follows with op 37 (bench/loadgen.py, `Itinerary`);
- every 30 ± 10 s they type (`POST /channels/{id}/typing`) and a second later send a message whose
  content carries the step and the send time, for the receivers to time the delivery;
- every 60 ± 20 s they react to one of the recent messages of the channel they are in.
Requests share a pool of keep-alive HTTP/1.1 connections (bench/http.py). On `report` it prints
a latency histogram per kind of request; on `stop` it exits.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import quote

import orjson
import uvloop

from bench.http import Http
from bench.loadgen import BUCKET_NS, Itinerary, emit
from bench.rates import PADDING
from bench.server import raise_nofile

CONNECTIONS = 64
REACTIONS = ("👍", "🎉", "❤️", "😂")


class Town:
    """Everyone's behaviour and what their requests cost."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.http = Http(config["api"], config.get("connections", CONNECTIONS))
        self.people: list[dict[str, Any]] = config["people"]
        self.epoch: float = config["epoch"]
        self.step = 0
        self.histograms: dict[str, dict[int, int]] = defaultdict(dict)
        self.errors: dict[str, int] = defaultdict(int)
        self.recent: dict[int, deque[str]] = defaultdict(lambda: deque(maxlen=20))

    def note(self, kind: str, started: float, status: int) -> None:
        if status not in (200, 204):
            self.errors[kind] += 1
            return
        bucket = int((time.perf_counter() - started) * 1e9) // BUCKET_NS
        histogram = self.histograms[kind]
        histogram[bucket] = histogram.get(bucket, 0) + 1

    async def person(self, number: int, who: dict[str, Any]) -> None:
        token = who["token"]
        itinerary = Itinerary(number, [(g, c) for g, c in who["places"]], self.epoch)
        now = time.time()
        itinerary.catch_up(now)
        here = itinerary.place[1]
        next_send = now + random.uniform(0, 30)
        next_react = now + random.uniform(0, 60)
        while True:
            wake = min(itinerary.next_at, next_send, next_react)
            await asyncio.sleep(max(0.0, wake - time.time()))
            now = time.time()
            if now >= itinerary.next_at:
                if itinerary.catch_up(now):
                    here = itinerary.place[1]
                    started = time.perf_counter()
                    status, _ = await self.http.request(
                        "GET", f"/channels/{here}/messages?limit=50", token
                    )
                    self.note("history", started, status)
            elif now >= next_send:
                started = time.perf_counter()
                status, _ = await self.http.request("POST", f"/channels/{here}/typing", token)
                self.note("typing", started, status)
                await asyncio.sleep(1.0)
                content = f"bench {self.step} {time.time_ns()} {PADDING}"
                started = time.perf_counter()
                status, body = await self.http.request(
                    "POST", f"/channels/{here}/messages", token, orjson.dumps({"content": content})
                )
                self.note("send", started, status)
                if status == 200:
                    self.recent[here].append(orjson.loads(body)["id"])
                next_send = time.time() + random.uniform(20, 40)
            else:
                if self.recent[here]:
                    message = random.choice(self.recent[here])
                    emoji = quote(random.choice(REACTIONS))
                    path = f"/channels/{here}/messages/{message}/reactions/{emoji}/@me"
                    started = time.perf_counter()
                    status, _ = await self.http.request("PUT", path, token)
                    self.note("react", started, status)
                next_react = now + random.uniform(40, 80)

    def report(self) -> dict[str, Any]:
        report = {
            "event": "report",
            "histograms": {
                k: {str(b): n for b, n in h.items()} for k, h in self.histograms.items()
            },
            "errors": dict(self.errors),
        }
        self.histograms = defaultdict(dict)
        self.errors = defaultdict(int)
        return report


async def serve(config: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    town = Town(config)
    await town.http.open()
    people = [loop.create_task(town.person(n, p)) for n, p in enumerate(town.people)]
    emit({"event": "ready", "ready": len(people), "failed": 0, "failures": []})
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        command = (await reader.readline()).strip().decode()
        if command.startswith("step "):
            town.step = int(command.split()[1])
            town.report()  # start the step's histograms empty
        elif command == "report":
            emit(town.report())
        elif command in ("stop", ""):
            break
    for task in people:
        task.cancel()
    emit({"event": "stopped"})


def main() -> None:
    raise_nofile()
    uvloop.run(serve(json.loads(sys.stdin.readline())))


if __name__ == "__main__":
    main()
