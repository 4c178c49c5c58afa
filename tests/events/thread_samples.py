"""Samples of the thread events for tests/events/test_catalog.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from townhall.domain.models import Channel, ChannelType, Member, User
from townhall.domain.threads import (
    ThreadCreated,
    ThreadMember,
    ThreadMemberChange,
    ThreadMembersChange,
    new_metadata,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, USER, THREAD = 1_000, 2_000, 3_000, 9_600
alice = User(USER, "alice")
thread = Channel(
    THREAD,
    ChannelType.PRIVATE_THREAD,
    guild_id=GUILD,
    name="Kit order",
    parent_id=CHANNEL,
    owner_id=USER,
    thread=new_metadata(NOW, 1440),
)
joined = ThreadMember(THREAD, USER, NOW, member=Member(GUILD, alice, NOW))

SAMPLES: dict[str, Any] = {
    "THREAD_CREATE": ThreadCreated(thread, members=(ThreadMember(THREAD, USER, NOW),)),
    "THREAD_UPDATE": thread,
    "THREAD_DELETE": thread,
    "THREAD_MEMBERS_UPDATE": ThreadMembersChange(THREAD, GUILD, 2, (joined,), (3_001,)),
    "THREAD_MEMBER_UPDATE": ThreadMemberChange(GUILD, ThreadMember(THREAD, USER, NOW)),
}
