"""The embedded SFU: townhall's own `MediaBackend`, inside the townhall process.

aiortc negotiates each participant's connection (`peer.py`); packets are forwarded without
decoding by `forwarding.py`, the loudest speakers fill each listener's audio slots
(`speakers.py`, `room.py`), video goes as it is to those who watch it, with keyframe requests
and NACKs answered from a short cache. See `backend.py` for the offer/answer contract and
`docs/decisions/0011-embedded-sfu.md` for why it is built this way.

Everything runs on the caller's event loop; one process carries roughly one core of media
(`research/media.md`), so large deployments shard rooms over processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from townhall.media.backend import (
    Answer,
    AudioSlot,
    BadOffer,
    BotOffer,
    MediaBackend,
    NotConnected,
    Offer,
    Rights,
    RoomListener,
    Source,
    StreamInfo,
    VideoSlot,
)
from townhall.media.bots import BotEndpoint, bot_negotiation
from townhall.media.negotiation import Negotiation, plan_offer, read_answer
from townhall.media.participant import MediaLink, PacketHandler, Participant
from townhall.media.peer import Peer
from townhall.media.room import Room

DEFAULT_AUDIO_SLOTS = 3


class EmbeddedSfu:
    """Rooms of participants connected by WebRTC to this process.

    `audio_slots`: how many speakers a listener hears at once. `host_addresses`: where ICE host
    candidates are gathered (None: every interface but loopback, aioice's choice; tests and
    `unshare -n` browser tests pass `["127.0.0.1"]`). `port_range`: inclusive UDP port range for
    those candidates (None: any port), for deployments behind a firewall.
    """

    def __init__(
        self,
        *,
        audio_slots: int = DEFAULT_AUDIO_SLOTS,
        host_addresses: Sequence[str] | None = None,
        port_range: tuple[int, int] | None = None,
    ) -> None:
        if audio_slots < 1:
            raise ValueError("audio_slots must be at least 1")
        self.audio_slots = audio_slots
        self._host_addresses = list(host_addresses) if host_addresses is not None else None
        self._ports = range(port_range[0], port_range[1] + 1) if port_range else None
        self._rooms: dict[int, Room] = {}
        self._bots: BotEndpoint | None = None
        self._bots_opening = asyncio.Lock()

    def _peer(self, on_rtp: PacketHandler, on_rtcp: PacketHandler) -> MediaLink:
        return Peer(on_rtp, on_rtcp, self._host_addresses, self._ports)

    async def connect(
        self, room_id: int, user_id: int, offer: Offer, rights: Rights, listener: RoomListener
    ) -> Answer:
        room = self._rooms.get(room_id)
        if room is None:
            room = self._rooms[room_id] = Room(room_id)
        participant = Participant(user_id, rights, listener, self._peer)
        try:
            async with participant.negotiating:
                answer, negotiation = await self._negotiate(room, participant, offer)
        except BaseException:
            await participant.close()
            self._forget_if_empty(room)
            raise
        await self._join(room_id, participant, negotiation)
        return answer

    async def bot_endpoint(self, room_id: int) -> tuple[str, int]:
        """The UDP address bots send to (one socket for all, opened on first use)."""
        async with self._bots_opening:
            if self._bots is None:
                self._bots = await BotEndpoint.open(self._host_addresses, self._ports)
        return self._bots.address

    async def connect_bot(
        self, room_id: int, user_id: int, offer: BotOffer, rights: Rights, listener: RoomListener
    ) -> None:
        await self.bot_endpoint(room_id)
        assert self._bots is not None
        endpoint = self._bots
        participant = Participant(
            user_id, rights, listener, lambda on_rtp, _on_rtcp: endpoint.link(offer, on_rtp)
        )
        await self._join(room_id, participant, bot_negotiation(offer.ssrc, self.audio_slots))

    async def _join(self, room_id: int, participant: Participant, negotiation: Negotiation) -> None:
        # The room may have been dropped (its last person left) while this one negotiated.
        room = self._rooms.get(room_id) or self._rooms.setdefault(room_id, Room(room_id))
        replaced = room.participants.get(participant.user_id)
        with room.changing():
            if replaced is not None:
                room.remove(replaced)
            room.add(participant)
            participant.apply(negotiation)
        if replaced is not None:
            await replaced.close()

    async def renegotiate(self, room_id: int, user_id: int, offer: Offer) -> Answer:
        room, participant = self._find(room_id, user_id)
        async with participant.negotiating:
            answer, negotiation = await self._negotiate(room, participant, offer)
            if room.participants.get(user_id) is not participant:
                raise NotConnected(f"user {user_id} left room {room_id} while renegotiating")
            with room.changing():
                participant.apply(negotiation)
        return answer

    async def _negotiate(
        self, room: Room, participant: Participant, offer: Offer
    ) -> tuple[Answer, Negotiation]:
        watchable = room.watchable(participant.user_id)
        plans = plan_offer(offer.sdp, offer.sources, self.audio_slots, watchable)
        peer = participant.link
        if not isinstance(peer, Peer):
            raise BadOffer("a bot's connection takes no SDP offer")
        answer_sdp, ssrcs = await peer.answer(offer.sdp, plans)
        participant.known_streams = watchable
        streams: list[AudioSlot | VideoSlot] = [p.stream for p in plans if p.stream is not None]
        negotiation = Negotiation(plans=plans, lines=read_answer(answer_sdp), ssrcs=ssrcs)
        return Answer(sdp=answer_sdp, streams=streams), negotiation

    def set_rights(self, room_id: int, user_id: int, rights: Rights) -> None:
        room, participant = self._find(room_id, user_id)
        with room.changing():
            participant.set_rights(rights)

    def set_video_sizes(
        self, room_id: int, user_id: int, heights: Mapping[tuple[int, Source], int]
    ) -> None:
        _room, participant = self._find(room_id, user_id)
        participant.video_heights = dict(heights)

    def video_streams(self, room_id: int) -> list[StreamInfo]:
        room = self._rooms.get(room_id)
        return room.video_streams() if room is not None else []

    def members(self, room_id: int) -> list[int]:
        """Who has a media connection in the room, in order of joining."""
        room = self._rooms.get(room_id)
        return list(room.participants) if room is not None else []

    async def disconnect(self, room_id: int, user_id: int) -> None:
        """Leave; does nothing if they are not connected (sessions end in many ways)."""
        room = self._rooms.get(room_id)
        participant = room.participants.get(user_id) if room is not None else None
        if room is None or participant is None:
            return
        with room.changing():
            room.remove(participant)
        self._forget_if_empty(room)
        await participant.close()

    async def close(self) -> None:
        leaving = [
            (room.room_id, user_id)
            for room in list(self._rooms.values())
            for user_id in list(room.participants)
        ]
        await asyncio.gather(*(self.disconnect(r, u) for r, u in leaving))
        for room in self._rooms.values():
            room.stop()
        self._rooms.clear()
        if self._bots is not None:
            self._bots.close()
            self._bots = None

    def _find(self, room_id: int, user_id: int) -> tuple[Room, Participant]:
        room = self._rooms.get(room_id)
        participant = room.participants.get(user_id) if room is not None else None
        if room is None or participant is None:
            raise NotConnected(f"user {user_id} has no media connection in room {room_id}")
        return room, participant

    def _forget_if_empty(self, room: Room) -> None:
        if not room.participants and self._rooms.get(room.room_id) is room:
            room.stop()
            del self._rooms[room.room_id]


if TYPE_CHECKING:
    _implements: type[MediaBackend] = EmbeddedSfu
