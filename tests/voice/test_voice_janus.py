"""Voice through Janus: a real townhall server signals, real Janus servers (in their own network
namespace, `tests/media/janus_process.py`) carry the audio, aiortc peers talk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Account, Api
from tests.media.clients import Client, tones_present
from tests.media.janus_process import (
    ADMIN_KEY,
    API_SECRET,
    TOKEN_SECRET,
    JanusNamespace,
    janus_namespace,
)
from tests.server_process import Server, new_deployment
from tests.voice.conftest import Participant, identify, joined, open_voice, voice_channel

TONES = (400, 700)


@pytest.fixture(scope="module")
def janus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JanusNamespace]:
    with janus_namespace(tmp_path_factory.mktemp("janus")) as namespace:
        yield namespace


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, janus: JanusNamespace) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("voice-janus") / "data"
    with new_deployment("sqlite", data_dir) as deployment:
        yield deployment.start(
            TOWNHALL_MEDIA_BACKEND="janus",
            TOWNHALL_JANUS_URLS=",".join(janus.urls),
            TOWNHALL_JANUS_ADMIN_KEY=ADMIN_KEY,
            TOWNHALL_JANUS_API_SECRET=API_SECRET,
            TOWNHALL_JANUS_TOKEN_SECRET=TOKEN_SECRET,
        )


async def enter(
    server: Server,
    janus: JanusNamespace,
    account: Account,
    guild: dict[str, Any],
    tone: int,
    made: list[Participant],
) -> Participant:
    rec, update = await joined(server, account, guild, voice_channel(guild))
    socket = await open_voice(update["endpoint"])
    await socket.send(0, identify(account, rec, update))
    assert (await socket.receive())["op"] == 2
    person = Participant(
        account, rec, socket, Client(account.id, tone, address=janus.client_address)
    )
    made.append(person)
    await person.negotiate()
    return person


def hears(peer: Client, tone: int) -> bool:
    latest = list(peer.frames.get("0", ()))[-3:]
    return len(latest) == 3 and all(tone in tones_present(frame, TONES) for frame in latest)


async def test_people_in_a_voice_channel_hear_each_other_through_janus(
    server: Server, remote: Api, janus: JanusNamespace, participants: list[Participant]
) -> None:
    alice, bob = await remote.account(), await remote.account()
    guild = await alice.guild()
    await bob.join(alice, guild["system_channel_id"])
    a = await enter(server, janus, alice, guild, 400, participants)
    b = await enter(server, janus, bob, guild, 700, participants)
    await a.peer.until(lambda: hears(a.peer, 700), "Alice hears Bob through Janus")
    await b.peer.until(lambda: hears(b.peer, 400), "Bob hears Alice through Janus")
    await a.frame(5, user_id=str(bob.id), speaking=1)
