"""A timed-out member cannot edit their own messages either.

Discord's rule ("Permissions For Timed Out Members", topics/permissions.mdx): a timed-out member
loses every permission but VIEW_CHANNEL and READ_MESSAGE_HISTORY, and MODERATE_MEMBERS times people
out "to prevent them from sending or reacting to messages". Editing is sending new text, so a
timed-out member gets 50013 as for a send; owners and administrators are exempt, as from every
part of a timeout. The probe: send, react and typing were refused, editing was not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Account, Api, error_code
from townhall.domain.permissions import MemberContext, Permission, communication_disabled


async def time_out(owner: Account, guild_id: str, member: Account, minutes: int) -> None:
    until = datetime.now(UTC) + timedelta(minutes=minutes) if minutes else None
    body = {"communication_disabled_until": until.isoformat() if until else None}
    response = await owner.patch(f"/guilds/{guild_id}/members/{member.id}", json=body)
    assert response.status_code == 200, response.text


async def test_a_timed_out_member_cannot_edit_their_message_until_the_timeout_ends(
    api: Api,
) -> None:
    owner, member = await api.account("owner"), await api.account("member")
    guild = await owner.guild()
    channel_id = guild["system_channel_id"]
    await member.join(owner, channel_id)
    sent = await member.post(f"/channels/{channel_id}/messages", json={"content": "before"})
    assert sent.status_code == 200, sent.text
    message = f"/channels/{channel_id}/messages/{sent.json()['id']}"
    await time_out(owner, guild["id"], member, minutes=10)
    for body in ({"content": "rude words"}, {"embeds": [{"title": "rude words"}]}):
        edited = await member.patch(message, json=body)
        assert (edited.status_code, error_code(edited)) == (403, 50013), body
    assert (await owner.get(message)).json()["content"] == "before"
    sending = await member.post(f"/channels/{channel_id}/messages", json={"content": "x"})
    assert (sending.status_code, error_code(sending)) == (403, 50013)
    await time_out(owner, guild["id"], member, minutes=0)
    assert (await member.patch(message, json={"content": "after"})).status_code == 200


def test_owners_and_administrators_are_exempt_from_the_timeout_rule() -> None:
    def member(user_id: int, roles: dict[int, int]) -> MemberContext:
        return MemberContext(
            guild_id=1,
            owner_id=2,
            user_id=user_id,
            everyone_permissions=int(Permission.SEND_MESSAGES),
            role_permissions=roles,
            timed_out=True,
        )

    assert communication_disabled(member(3, {}))
    assert not communication_disabled(member(2, {}))
    assert not communication_disabled(member(3, {10: int(Permission.ADMINISTRATOR)}))
