"""The community's list of its guests (`GET /guilds/{id}/guests`, MANAGE_GUILD): who, since when,
and when each one ends, by their link's end or by idle days, whichever comes first."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.api.test_guests import HOUR, community, join_as_guest
from tests.conftest import Api, error_code

DAY = 24 * HOUR


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_managers_see_each_guest_with_the_end_that_comes_first(api: Api) -> None:
    short = await community(api)  # a link of an hour, 14 idle days: the link ends them
    guild_id = short.guild["id"]
    first = await join_as_guest(api, short.code, "Ada")
    listed = await short.owner.get(f"/guilds/{guild_id}/guests")
    assert listed.status_code == 200, listed.text
    (ada,) = listed.json()
    assert ada["user"]["id"] == str(first.id) and ada["user"]["global_name"] == "Ada"
    assert ada["ends_by"] == "link" and ada["ends_at"] == ada["expires_at"]
    joined, ends = moment(ada["joined_at"]), moment(ada["ends_at"])
    assert timedelta(minutes=59) < ends - joined <= timedelta(hours=1, seconds=5)

    # A week's link in a community of one idle day: the idle day ends them first.
    changed = await short.owner.patch(f"/guilds/{guild_id}", json={"guest_inactivity_days": 1})
    assert changed.status_code == 200, changed.text
    week = await short.owner.post(
        f"/channels/{short.channel_id}/invites", json={"flags": 1, "max_age": 7 * DAY}
    )
    assert week.status_code == 200, week.text
    second = await join_as_guest(api, week.json()["code"], "Bea")
    listed = await short.owner.get(f"/guilds/{guild_id}/guests")
    assert [g["user"]["id"] for g in listed.json()] == [str(first.id), str(second.id)]
    bea = listed.json()[1]
    assert bea["ends_by"] == "inactivity"
    assert moment(bea["ends_at"]) - moment(bea["last_active_at"]) == timedelta(days=1)
    assert moment(bea["ends_at"]) < moment(bea["expires_at"])


async def test_a_guest_whose_access_ended_is_no_longer_listed(api: Api) -> None:
    place = await community(api)
    guild_id = place.guild["id"]
    leaving = await join_as_guest(api, place.code, "Leaving")
    staying = await join_as_guest(api, place.code, "Staying")
    ended = await place.owner.delete(f"/guilds/{guild_id}/guests/{leaving.id}")
    assert ended.status_code == 204
    listed = await place.owner.get(f"/guilds/{guild_id}/guests")
    assert [g["user"]["id"] for g in listed.json()] == [str(staying.id)]


async def test_only_managers_list_guests(api: Api) -> None:
    place = await community(api)
    guild_id = place.guild["id"]
    guest = await join_as_guest(api, place.code)
    member = await api.account()
    await member.join(place.owner, place.channel_id)
    stranger = await api.account()
    path = f"/guilds/{guild_id}/guests"
    refused = await member.get(path)
    assert refused.status_code == 403 and error_code(refused) == 50013
    assert error_code(await guest.get(path)) == 50013
    outside = await stranger.get(path)
    assert outside.status_code == 403 and error_code(outside) == 50001
    unknown = await place.owner.get("/guilds/1/guests")
    assert unknown.status_code == 404 and error_code(unknown) == 10004
