"""A bounded-time fuzz run of the gateway: random and mutated frames of every opcode, before and
after IDENTIFY. The server must never log an error or a traceback, must stay up, and must end
every connection it ends with a documented close code.

`TOWNHALL_FUZZ_SECONDS` sets the budget (20 s by default) and `TOWNHALL_FUZZ_SEED` replays a run;
a failure names the seed and the frames of the failing case.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from typing import Any

import orjson
import websockets

from tests.conftest import Account, Api
from tests.gateway.client import GatewayClient
from tests.security.gateway_helpers import DOCUMENTED_CLOSE_CODES, server_failures
from tests.server_process import Server

BUDGET = float(os.environ.get("TOWNHALL_FUZZ_SECONDS", "20"))
ANSWER_SECONDS = 10.0
"""A connection that neither answers the heartbeat nor closes within this is a failure."""
OPCODES = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11]


class Frames:
    """Random JSON values, and valid client payloads with one part broken."""

    def __init__(self, rng: random.Random, token: str) -> None:
        self.rng = rng
        self.token = token

    def text(self) -> str:
        alphabet = 'aé😀\u0000\n"\\{}[]0123456789-_@:/ \u202e\u200b\ufeff'
        return "".join(self.rng.choice(alphabet) for _ in range(self.rng.randint(0, 40)))

    def number(self) -> int | float:
        return self.rng.choice(
            [0, 1, -1, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**30, 0.5, -0.0, 1e308]
        )

    def value(self, depth: int = 0) -> Any:
        kinds = ["null", "bool", "number", "text", "id"]
        if depth < 3:
            kinds += ["list", "object"]
        kind = self.rng.choice(kinds)
        if kind == "null":
            return None
        if kind == "bool":
            return self.rng.random() < 0.5
        if kind == "number":
            return self.number()
        if kind == "text":
            return self.text()
        if kind == "id":
            return self.rng.choice(["0", "1", "18446744073709551616", "9" * 30, "-5", "1e3"])
        if kind == "list":
            return [self.value(depth + 1) for _ in range(self.rng.randint(0, 4))]
        keys = ["op", "d", "s", "t", "token", "intents", "status", "activities", "guild_id"]
        return {
            self.rng.choice([*keys, self.text()]): self.value(depth + 1)
            for _ in range(self.rng.randint(0, 4))
        }

    def valid(self, op: int) -> dict[str, Any]:
        bodies: dict[int, Any] = {
            1: None,
            2: {
                "token": self.token,
                "intents": 513,
                "properties": {"os": "linux", "browser": "fuzz", "device": "fuzz"},
                "compress": False,
                "large_threshold": 250,
                "shard": [0, 1],
                "presence": {"status": "online", "activities": [], "since": None, "afk": False},
            },
            3: {
                "since": None,
                "activities": [{"name": "fuzzing", "type": 0, "state": "busy"}],
                "status": "dnd",
                "afk": False,
            },
            4: {"guild_id": "1", "channel_id": None, "self_mute": False, "self_deaf": False},
            6: {"token": self.token, "session_id": "abc", "seq": 1},
            8: {"guild_id": "1", "query": "", "limit": 0, "presences": True, "nonce": "n"},
        }
        return {"op": op, "d": bodies.get(op, self.value())}

    def mutated(self, payload: Any) -> Any:
        """Replace, drop or wrap one part of the payload, at any depth."""
        if isinstance(payload, dict) and payload and self.rng.random() < 0.8:
            key = self.rng.choice(list(payload))
            changed = dict(payload)
            action = self.rng.random()
            if action < 0.2:
                del changed[key]
            elif action < 0.6:
                changed[key] = self.mutated(payload[key])
            else:
                changed[key] = self.value()
            return changed
        if isinstance(payload, list) and payload and self.rng.random() < 0.7:
            changed_list = list(payload)
            index = self.rng.randrange(len(changed_list))
            changed_list[index] = self.mutated(changed_list[index])
            return changed_list
        return self.value()

    def frame(self) -> str | bytes:
        choice = self.rng.random()
        if choice < 0.05:
            return bytes(self.rng.randrange(256) for _ in range(self.rng.randint(0, 64)))
        if choice < 0.1:
            return self.text()
        if choice < 0.25:
            return json.dumps(self.value())
        if choice < 0.4:
            return json.dumps({"op": self.rng.choice(OPCODES), "d": self.value()})
        body = self.mutated(self.valid(self.rng.choice(OPCODES)))
        if self.rng.random() < 0.1:
            return json.dumps(body).encode()  # a binary frame holding JSON
        return json.dumps(body)


async def run_case(server: Server, frames: Frames, account: Account, identify: bool) -> list[Any]:
    """One connection: maybe IDENTIFY, then 1-3 fuzzed frames, then a heartbeat. Returns what
    was sent, and raises AssertionError on an undocumented close."""
    client = GatewayClient(server.gateway, compress=None, heartbeat=False)
    sent: list[Any] = []
    await client.connect()
    try:
        if identify:
            await client.identify(account.token, intents=513)
        for _ in range(frames.rng.randint(1, 3)):
            frame = frames.frame()
            sent.append(frame)
            await client.ws.send(frame)
        await client.ws.send(orjson.dumps({"op": 1, "d": None}).decode())
        while True:
            answer = await asyncio.wait_for(client.ws.recv(decode=False), ANSWER_SECONDS)
            payload = orjson.loads(answer)
            if isinstance(payload, dict) and payload.get("op") == 11:
                return sent
    except websockets.ConnectionClosed as closed:
        code = closed.rcvd.code if closed.rcvd else 1006
        assert code in DOCUMENTED_CLOSE_CODES, (code, sent)
        return sent
    except TimeoutError:
        raise AssertionError(("no heartbeat ACK and no close", sent)) from None
    finally:
        await client.close()


async def test_fuzzed_frames_never_crash_the_gateway(server: Server, remote: Api) -> None:
    seed = int(os.environ.get("TOWNHALL_FUZZ_SEED", str(time.time_ns() % 2**32)))
    rng = random.Random(seed)
    accounts = [await remote.account("fuzz") for _ in range(3)]
    for account in accounts:
        await account.guild()
    deadline = time.monotonic() + BUDGET
    cases = 0
    while time.monotonic() < deadline:
        account = rng.choice(accounts)
        frames = Frames(rng, account.token)
        try:
            await run_case(server, frames, account, identify=rng.random() < 0.6)
        except AssertionError as failure:
            raise AssertionError(f"seed {seed}, case {cases}: {failure}") from None
        cases += 1
    print(f"{cases} fuzzed connections in {BUDGET} s, seed {seed}")
    assert cases >= 20, f"only {cases} cases in {BUDGET} s"
    assert server.process.poll() is None
    assert server_failures(server) == [], f"seed {seed}"
