"""What the voice gateway asks of a media backend, and the values it passes.

The signalling layer (the voice gateway, `docs/voice.md`) owns who may join, speak and watch; a
media backend owns the packets. The embedded backend is `townhall.media.sfu.EmbeddedSfu`; a Janus
backend can stand behind the same protocol later.

Bots (Discord's UDP transport) join through `bot_endpoint` and `connect_bot` instead of an offer;
see `bots.py`. A backend that carries no bots answers `bot_endpoint` with None.

The offerer is always the client. Its offer holds, in this order of m-lines (any order works, the
SFU reads directions; a `SeparateVideo` backend carries video on connections of their own):

- one `sendrecv` audio transceiver: its microphone, whose receive side is audio slot 0;
- `audio_slots - 1` more `recvonly` audio transceivers: audio slots 1, 2 ... (extra ones are
  answered `inactive`; fewer are fine, the client then hears fewer speakers at once);
- a `sendonly` video transceiver per source it publishes (`camera`, `screen`), and optionally a
  `sendonly` audio one for `screen_audio`, each named in `Offer.sources` by mid;
- one `recvonly` video transceiver per stream it wants to watch. The first N recvonly video mids,
  in m-line order, are given the first N streams of `video_streams(room_id)` as it is when the offer
  arrives, leaving out the client's own streams. Recvonly video mids beyond the available streams
  are answered `inactive` and are absent from `Answer.streams`.

`Answer.streams` says what every mid the SFU sends on carries: an `AudioSlot` for each audio mid
that receives, a `VideoSlot` for each watched stream. The offer must BUNDLE all its m-lines (every
browser does), and clients keep transceivers (set them `inactive`) rather than stopping them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from townhall.domain.voice import Rights as Rights  # decided by the signalling layer

Source = Literal["microphone", "camera", "screen", "screen_audio"]
AUDIO_SOURCES: frozenset[Source] = frozenset({"microphone", "screen_audio"})
VIDEO_SOURCES: frozenset[Source] = frozenset({"camera", "screen"})


class MediaError(Exception):
    """A request the media backend cannot carry out; the signalling layer tells the client."""


class BadOffer(MediaError):
    """The client's SDP offer or its `sources` do not have the shape described above."""


class NotConnected(MediaError):
    """The user has no media connection in that room."""


@dataclass(frozen=True)
class Offer:
    """A client's SDP offer and what it sends on each sending mid."""

    sdp: str
    sources: Mapping[str, Source] = field(default_factory=dict)


@dataclass(frozen=True)
class BotOffer:
    """What a bot's SELECT_PROTOCOL settles: its SSRC, where it receives, the key of its packets.

    `endpoint` is the address `bot_endpoint` gave it (where it sends)."""

    ssrc: int
    address: tuple[str, int]
    secret_key: bytes
    endpoint: tuple[str, int]


@dataclass(frozen=True)
class StreamInfo:
    """A video stream one may watch: whose, and which of their sources."""

    user_id: int
    source: Source


@dataclass(frozen=True)
class AudioSlot:
    """An audio mid the SFU fills with one of the currently loudest speakers."""

    mid: str
    slot: int


@dataclass(frozen=True)
class VideoSlot:
    """A video mid carrying one participant's camera or screen."""

    mid: str
    user_id: int
    source: Source


@dataclass(frozen=True)
class Answer:
    """The SDP answer, and what each mid the SFU sends on carries."""

    sdp: str
    streams: list[AudioSlot | VideoSlot]


class RoomListener(Protocol):
    """Implemented by the signalling layer; called by the SFU on its event loop, must not block."""

    def speaking(self, user_id: int, speaking: bool) -> None:
        """Someone's voice is heard now (or no longer), from the audio levels they send."""

    def streams_changed(self) -> None:
        """The video streams this participant may watch changed: the client should renegotiate."""

    def slot_speaker(self, ssrc: int, user_id: int) -> None:
        """One of this bot's audio slots (`ssrc`) now carries `user_id`'s voice.

        Only for links whose far end names speakers by SSRC (Discord's UDP voice: op 5)."""


@dataclass(frozen=True)
class VideoOffer:
    """A subscriber connection's SDP offer (the backend offers, the client answers), and which
    participant's camera or screen each of its mids carries."""

    sdp: str
    streams: list[VideoSlot]


@runtime_checkable
class VideoListener(RoomListener, Protocol):
    """A `RoomListener` that can carry a backend's separate video connections (`SeparateVideo`)."""

    def video_offer(self, offer: VideoOffer) -> None:
        """The participant's subscriber connection has a new offer: relay it, answer it."""

    def video_unpublished(self) -> None:
        """The participant's publisher connection was closed (they lost the right to publish)."""


@runtime_checkable
class SeparateVideo(Protocol):
    """A backend whose video goes on connections of its own, beside the one `connect` makes:
    a publisher connection the client offers (`publish`), and a subscriber connection the
    backend offers (`VideoListener.video_offer`) and the client answers (`answer_video`).

    The client then offers `connect`/`renegotiate` its audio only; `video_streams` and
    `RoomListener.streams_changed` mean what they mean on one connection."""

    async def publish(self, room_id: int, user_id: int, offer: Offer) -> Answer | None:
        """A publisher connection's offer (sendonly video m-lines named in `sources`), replacing
        the one they had; None if they may not publish now (no STREAM, or nothing to send)."""

    async def unpublish(self, room_id: int, user_id: int) -> None:
        """Close their publisher connection, if they have one."""

    async def answer_video(self, room_id: int, user_id: int, sdp: str) -> None:
        """The client's answer to the latest `VideoOffer` of its subscriber connection."""


class MediaBackend(Protocol):
    """The media side of voice channels, one room per voice channel (or call)."""

    async def connect(
        self, room_id: int, user_id: int, offer: Offer, rights: Rights, listener: RoomListener
    ) -> Answer:
        """Join `user_id` to the room, replacing (and closing) a connection they already have."""

    async def renegotiate(self, room_id: int, user_id: int, offer: Offer) -> Answer:
        """A new offer from the same client: a camera turned on, another stream to watch."""

    async def bot_endpoint(self, room_id: int) -> tuple[str, int] | None:
        """The UDP address a bot joining the room sends to; None if bots cannot join."""

    async def connect_bot(
        self, room_id: int, user_id: int, offer: BotOffer, rights: Rights, listener: RoomListener
    ) -> None:
        """Join a bot (a user on Discord's UDP transport), as `connect` does a browser."""

    def set_rights(self, room_id: int, user_id: int, rights: Rights) -> None:
        """Change what a participant may do; takes effect from their next packet."""

    def set_video_sizes(
        self, room_id: int, user_id: int, heights: Mapping[tuple[int, Source], int]
    ) -> None:
        """How tall (device pixels) a viewer shows each stream: simulcast picks layers by it."""

    def video_streams(self, room_id: int) -> list[StreamInfo]:
        """The room's watchable video streams, in the order offers map recvonly video mids to."""

    async def disconnect(self, room_id: int, user_id: int) -> None:
        """Leave: the connection is closed and everything it held is freed."""

    async def close(self) -> None:
        """Disconnect everyone; the backend is not used afterwards."""
