"""A participant of the Janus backend: its AudioBridge handle, and what its events mean.

AudioBridge tells every handle in a room who starts and stops `talking` (the speaker included),
and sends `participants` updates (with `muted` and `talking`) when someone joins or is muted;
a muted participant's packets are dropped before their level is read, so no `stopped-talking`
comes for them, and one who leaves only shows as `leaving`. The listener is told `speaking` from
all of these, once per change.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from townhall.media.backend import Rights, RoomListener
from townhall.media.janus_api import Event, JanusServer
from townhall.media.janus_bots import BotRelay


@dataclass(eq=False)
class JanusParticipant:
    """One participant's AudioBridge handle and what this node knows of it."""

    room_id: int
    user_id: int
    server: JanusServer
    listener: RoomListener
    rights: Rights
    handle: int = 0
    muted: bool = False
    """As Janus has it (rights.speak may be ahead of it for a request's time)."""
    hearing: bool = True
    """Whether the last negotiation let Janus send them the mix."""
    speaking: set[int] = field(default_factory=set)
    """Whom this participant's listener was last told is speaking."""
    negotiating: asyncio.Lock = field(default_factory=asyncio.Lock)
    muting: asyncio.Task[None] | None = None
    gone: bool = False
    relay: BotRelay | None = None
    """A bot's plain RTP leg (`janus_bots.py`); None for a browser's WebRTC connection."""

    def receive(self, event: Event) -> bool:
        """Take in an event of the handle's; True if it says the connection has ended."""
        if event.get("janus") in ("hangup", "detached"):
            return True
        data: Event = event.get("plugindata", {}).get("data", {})
        what = data.get("audiobridge")
        if what in ("talking", "stopped-talking"):
            self.tell_speaking(data["id"], what == "talking")
        elif what == "destroyed" or (what == "event" and data.get("kicked") == self.user_id):
            return True
        elif what in ("event", "joined"):
            for left in (data.get("leaving"), data.get("kicked")):
                if left is not None:
                    self.tell_speaking(left, False)
            self.tell_participants(data.get("participants", []))
        return False

    def tell_participants(self, entries: list[Event]) -> None:
        """Speaking as a `participants` list has it (entries without `talking` say nothing)."""
        for entry in entries:
            if "talking" in entry or entry.get("muted"):
                talking = bool(entry.get("talking")) and not entry.get("muted")
                self.tell_speaking(entry["id"], talking)

    def tell_speaking(self, user_id: int, speaking: bool) -> None:
        if self.gone or (user_id in self.speaking) == speaking:
            return
        if speaking:
            self.speaking.add(user_id)
        else:
            self.speaking.discard(user_id)
        self.listener.speaking(user_id, speaking)
