"""Communities of a realistic shape, made through the public API as people would make them.

`COMMUNITIES` guilds of `CHANNELS` text channels each; every person is a member of
`PER_PERSON` of them (spread evenly), so a community of N people holds N·PER_PERSON/COMMUNITIES.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from bench.community import Account, join, register

COMMUNITIES = 20
CHANNELS = 10
PER_PERSON = 3


@dataclass(frozen=True)
class Place:
    guild_id: int
    channel_ids: list[int]
    invite: str


@dataclass(frozen=True)
class Person:
    account: Account
    places: list[Place]

    @property
    def channel_ids(self) -> list[int]:
        return [c for place in self.places for c in place.channel_ids]


@dataclass(frozen=True)
class Town:
    owner: Account
    places: list[Place]
    people: list[Person]


async def build(api: str, people: int, concurrency: int = 16) -> Town:
    async with httpx.AsyncClient(base_url=api, timeout=120) as http:
        owner = await register(http, "mayor")
        auth = {"Authorization": owner.token}
        places = []
        for n in range(COMMUNITIES):
            guild = (
                await http.post("/guilds", json={"name": f"Community {n}"}, headers=auth)
            ).json()
            guild_id = int(guild["id"])
            channel_ids = [int(guild["system_channel_id"])]
            for c in range(CHANNELS - 1):
                made = await http.post(
                    f"/guilds/{guild_id}/channels", json={"name": f"room-{c}"}, headers=auth
                )
                made.raise_for_status()
                channel_ids.append(int(made.json()["id"]))
            invite = await http.post(
                f"/channels/{channel_ids[0]}/invites", json={"max_age": 0}, headers=auth
            )
            invite.raise_for_status()
            places.append(Place(guild_id, channel_ids, invite.json()["code"]))
        gate = asyncio.Semaphore(concurrency)

        async def person(index: int) -> Person:
            mine = [places[(index + k * 7) % COMMUNITIES] for k in range(PER_PERSON)]
            async with gate:
                account = await register(http, f"person{index}")
                for place in mine:
                    await join(http, account, place.invite)
            return Person(account, mine)

        citizens = await asyncio.gather(*(person(i) for i in range(people)))
    return Town(owner, places, list(citizens))
