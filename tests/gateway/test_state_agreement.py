"""State and events agree: what a client builds from READY, GUILD_CREATE and every later event is
exactly what a fresh IDENTIFY shows, after any sequence of role, overwrite, channel and membership
changes (Zulip checks the same for every action).

Hypothesis drives random sequences of REST actions against a real server while three members have
sessions open; after each step the owner edits the guild (a barrier every session receives last),
and each member's event-built view is compared with a new session's GUILD_CREATE.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.gateway.client import ALL_INTENTS, GatewayClient, Recorder
from tests.gateway.client_state import GuildView, guild_views
from tests.server_process import Server

T = TypeVar("T")
VIEW, SEND, MANAGE_MESSAGES = 1 << 10, 1 << 11, 1 << 13
PERMISSION_SETS = st.sampled_from([0, VIEW, SEND, VIEW | SEND, VIEW | MANAGE_MESSAGES])


class Loop:
    """An event loop in a thread: gateway sessions live there while hypothesis runs steps."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Person:
    def __init__(self, server: Server, name: str) -> None:
        registered = httpx.post(
            f"{server.api}/auth/register",
            json={"username": name, "password": "correct horse battery"},
        ).json()
        self.id = registered["user_id"]
        self.http = httpx.Client(
            base_url=server.api, headers={"Authorization": registered["token"]}, timeout=30
        )
        self.token = registered["token"]
        self.session: Recorder | None = None


_names = itertools.count()


class GuildAgreement(RuleBasedStateMachine):
    server: Server
    loop: Loop

    roles = Bundle("roles")
    channels = Bundle("channels")

    def __init__(self) -> None:
        super().__init__()
        run = next(_names)
        self.owner = Person(self.server, f"owner_{run}_{id(self) % 10_000}")
        created = self.owner.http.post("/guilds", json={"name": "Agreement"}).json()
        self.guild_id = created["id"]
        self.general = created["system_channel_id"]
        self.invite = self.owner.http.post(
            f"/channels/{self.general}/invites", json={"max_age": 0}
        ).json()["code"]
        self.members = [
            Person(self.server, f"member_{run}_{n}_{id(self) % 10_000}") for n in range(3)
        ]
        self.joined: set[int] = set()
        self.barriers = itertools.count()
        for index, member in enumerate(self.members):
            self._join(index)
            member.session = self.loop.run(self._connect(member))

    async def _connect(self, person: Person) -> Recorder:
        client = GatewayClient(self.server.gateway)
        await client.connect()
        await client.identify(person.token, ALL_INTENTS)
        return Recorder(client)

    def _join(self, index: int) -> None:
        response = self.members[index].http.post(f"/invites/{self.invite}")
        assert response.status_code == 200, response.text
        self.joined.add(index)

    def _ok(self, response: httpx.Response) -> Any:
        assert response.status_code in (200, 201, 204), response.text
        return response.json() if response.content else None

    # -- actions -------------------------------------------------------------------------

    @rule(target=roles, permissions=PERMISSION_SETS)
    def create_role(self, permissions: int) -> str:
        body = {"name": "r", "permissions": str(permissions)}
        role_id: str = self._ok(self.owner.http.post(f"/guilds/{self.guild_id}/roles", json=body))[
            "id"
        ]
        return role_id

    @rule(role=roles, permissions=PERMISSION_SETS)
    def change_role(self, role: str, permissions: int) -> None:
        path = f"/guilds/{self.guild_id}/roles/{role}"
        self._ok(self.owner.http.patch(path, json={"permissions": str(permissions)}))

    @rule(role=consumes(roles))
    def delete_role(self, role: str) -> None:
        self._ok(self.owner.http.delete(f"/guilds/{self.guild_id}/roles/{role}"))

    @rule(role=roles, member=st.integers(0, 2), give=st.booleans())
    def assign_role(self, role: str, member: int, give: bool) -> None:
        if member not in self.joined:
            return
        path = f"/guilds/{self.guild_id}/members/{self.members[member].id}/roles/{role}"
        self._ok(self.owner.http.put(path) if give else self.owner.http.delete(path))

    @rule(target=channels, hidden=st.booleans())
    def create_channel(self, hidden: bool) -> str:
        overwrites = (
            [{"id": self.guild_id, "type": 0, "allow": "0", "deny": str(VIEW)}] if hidden else []
        )
        body = {"name": "room", "permission_overwrites": overwrites}
        created = self._ok(self.owner.http.post(f"/guilds/{self.guild_id}/channels", json=body))
        channel_id: str = created["id"]
        return channel_id

    @rule(
        channel=channels,
        who=st.one_of(roles, st.integers(0, 2)),
        allow=st.booleans(),
    )
    def set_overwrite(self, channel: str, who: str | int, allow: bool) -> None:
        """An overwrite for a role (its id) or a member (their index)."""
        if isinstance(who, int):
            if who not in self.joined:
                return
            kind, target_id = 1, self.members[who].id
        else:
            kind, target_id = 0, who
        bits = {"allow": str(VIEW), "deny": "0"} if allow else {"allow": "0", "deny": str(VIEW)}
        path = f"/channels/{channel}/permissions/{target_id}"
        self._ok(self.owner.http.put(path, json={"type": kind, **bits}))

    @rule(channel=consumes(channels))
    def delete_channel(self, channel: str) -> None:
        self._ok(self.owner.http.delete(f"/channels/{channel}"))

    @rule(member=st.integers(0, 2))
    def kick_or_rejoin(self, member: int) -> None:
        if member in self.joined:
            path = f"/guilds/{self.guild_id}/members/{self.members[member].id}"
            self._ok(self.owner.http.delete(path))
            self.joined.discard(member)
        else:
            self._join(member)

    # -- the check -------------------------------------------------------------------------

    @invariant()
    def every_session_agrees_with_a_fresh_identify(self) -> None:
        marker = f"barrier {next(self.barriers)}"
        self._ok(self.owner.http.patch(f"/guilds/{self.guild_id}", json={"description": marker}))
        for index, member in enumerate(self.members):
            assert member.session is not None
            self.loop.run(self._check(index, member, marker))

    async def _check(self, index: int, member: Person, marker: str) -> None:
        session = member.session
        assert session is not None
        fresh_client = GatewayClient(self.server.gateway)
        await fresh_client.connect()
        await fresh_client.identify(member.token, ALL_INTENTS)
        await fresh_client.close()
        fresh = next((g for g in fresh_client.guild_creates if g["id"] == self.guild_id), None)
        if index not in self.joined:
            assert fresh is None
            await session.until(lambda r: guild_views(r.payloads).get(self.guild_id, 0) is None)
            return
        assert fresh is not None

        def barrier_passed(r: Recorder) -> bool:
            return any(
                p["d"].get("description") == marker and p["d"].get("id") == self.guild_id
                for p in r.dispatches("GUILD_UPDATE")
            )

        await session.until(barrier_passed)
        built = guild_views(session.payloads)[self.guild_id]
        expected = GuildView.from_guild_create(fresh)
        assert built is not None
        assert built.channels == expected.channels
        assert built.roles == expected.roles
        assert built.members == expected.members
        assert built.owner_id == expected.owner_id

    def teardown(self) -> None:
        for member in self.members:
            if member.session is not None:
                self.loop.run(member.session.close())
            member.http.close()
        self.owner.http.close()


def test_sessions_built_from_events_agree_with_a_fresh_identify(server: Server) -> None:
    loop = Loop()
    GuildAgreement.server, GuildAgreement.loop = server, loop
    try:
        run_state_machine_as_test(
            GuildAgreement,
            settings=settings(
                max_examples=5,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        loop.stop()
