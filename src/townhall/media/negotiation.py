"""Reading a client's offer into a plan (what each m-line is for), and the answer into codecs.

The plan is decided here, before aiortc sees the offer: which mids publish which source, which
audio mid is which slot, which video mid watches which stream, and so the direction the answer
gives each. The mapping rules are those of `backend.py`'s docstring. Parsing uses aiortc's SDP
parser, which is what aiortc itself will read the offer with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiortc import sdp
from aiortc.rtcrtpparameters import RTCRtpCodecParameters

from townhall.media.backend import (
    AUDIO_SOURCES,
    VIDEO_SOURCES,
    AudioSlot,
    BadOffer,
    Source,
    StreamInfo,
    VideoSlot,
)
from townhall.media.simulcast import RID_URI, offered_rids

SENDING = ("sendrecv", "sendonly")
RECEIVING = ("sendrecv", "recvonly")


@dataclass(frozen=True)
class LinePlan:
    """One m-line of the offer and what the SFU does with it."""

    mid: str
    kind: str
    publishes: Source | None
    """What the client sends on it (None: it sends nothing there)."""
    audio_slot: int | None
    """For an audio mid that receives: the slot the SFU fills it with."""
    watches: StreamInfo | None
    """For a video mid that receives: the stream it carries."""
    ssrc: int | None
    """The SSRC the client announced for what it sends (None: learnt from the mid extension)."""
    extensions: Mapping[str, int]
    """Header extension URI -> id, as the client offered (the answer keeps the client's ids)."""
    rids: tuple[str, ...] = ()
    """For video the client sends as simulcast: its layers' rids, lowest first (`simulcast.py`)."""

    @property
    def answer_direction(self) -> str:
        sends = self.audio_slot is not None or self.watches is not None
        receives = self.publishes is not None
        return {
            (True, True): "sendrecv",
            (True, False): "sendonly",
            (False, True): "recvonly",
            (False, False): "inactive",
        }[(sends, receives)]

    @property
    def stream(self) -> AudioSlot | VideoSlot | None:
        """What `Answer.streams` says this mid carries, if the SFU sends on it."""
        if self.audio_slot is not None:
            return AudioSlot(mid=self.mid, slot=self.audio_slot)
        if self.watches is not None:
            return VideoSlot(mid=self.mid, user_id=self.watches.user_id, source=self.watches.source)
        return None


def plan_offer(
    offer_sdp: str,
    sources: Mapping[str, Source],
    audio_slots: int,
    watchable: Sequence[StreamInfo],
) -> list[LinePlan]:
    """Decide every m-line of an offer; raises BadOffer for offers the SFU cannot serve."""
    try:
        description = sdp.SessionDescription.parse(offer_sdp)
    except (ValueError, IndexError, KeyError) as exc:
        raise BadOffer(f"unreadable SDP offer: {exc}") from exc
    lines = description.media
    if not lines:
        raise BadOffer("the offer has no media")
    mids = [line.rtp.muxId for line in lines]
    if any(not mid for mid in mids) or len(set(mids)) != len(mids):
        raise BadOffer("every m-line needs its own mid")
    bundles = [group for group in description.group if group.semantic == "BUNDLE"]
    if not bundles or set(map(str, bundles[0].items)) != set(mids):
        raise BadOffer("the offer must BUNDLE all its m-lines")
    unknown = set(sources) - set(mids)
    if unknown:
        raise BadOffer(f"sources names mids not in the offer: {sorted(unknown)}")

    simulcast = offered_rids(offer_sdp)
    plans: list[LinePlan] = []
    published: set[Source] = set()
    next_audio_slot = 0
    unwatched = list(watchable)
    for line in lines:
        mid = line.rtp.muxId
        if line.kind not in ("audio", "video"):
            raise BadOffer(f"m-line {mid}: only audio and video are supported, not {line.kind}")
        direction = line.direction or "sendrecv"
        publishes: Source | None = None
        if direction in SENDING:
            publishes = sources.get(mid, "microphone" if line.kind == "audio" else "camera")
            allowed = AUDIO_SOURCES if line.kind == "audio" else VIDEO_SOURCES
            if publishes not in allowed:
                raise BadOffer(f"m-line {mid}: {line.kind} cannot carry {publishes}")
            if publishes in published:
                raise BadOffer(f"more than one m-line sends {publishes}")
            published.add(publishes)
        audio_slot: int | None = None
        watches: StreamInfo | None = None
        if direction in RECEIVING and line.kind == "audio" and next_audio_slot < audio_slots:
            audio_slot = next_audio_slot
            next_audio_slot += 1
        elif direction in RECEIVING and line.kind == "video" and unwatched:
            watches = unwatched.pop(0)
        extensions = {ext.uri: ext.id for ext in line.rtp.headerExtensions}
        layered = line.kind == "video" and publishes is not None and RID_URI in extensions
        plans.append(
            LinePlan(
                mid=mid,
                kind=line.kind,
                publishes=publishes,
                audio_slot=audio_slot,
                watches=watches,
                ssrc=line.ssrc[0].ssrc if line.ssrc else None,
                extensions=extensions,
                rids=simulcast.get(mid, ()) if layered else (),
            )
        )
    return plans


@dataclass(frozen=True)
class NegotiatedLine:
    """What the answer settled for one mid: its codecs by payload type, and their clock rate."""

    codecs: Mapping[int, str]
    """Payload type -> codec key."""
    clock_rate: int

    @property
    def payload_types(self) -> dict[str, int]:
        """Codec key -> payload type (the first one, if a codec is listed twice)."""
        by_codec: dict[str, int] = {}
        for payload_type, codec in self.codecs.items():
            by_codec.setdefault(codec, payload_type)
        return by_codec


@dataclass(frozen=True)
class Negotiation:
    """A finished offer/answer: the plan, the codecs kept, the SSRC the SFU sends on per mid."""

    plans: Sequence[LinePlan]
    lines: Mapping[str, NegotiatedLine]
    ssrcs: Mapping[str, int]


def read_answer(answer_sdp: str) -> dict[str, NegotiatedLine]:
    """The codecs the answer kept, per mid."""
    negotiated: dict[str, NegotiatedLine] = {}
    for line in sdp.SessionDescription.parse(answer_sdp).media:
        codecs = {
            codec.payloadType: codec_key(codec)
            for codec in line.rtp.codecs
            if codec.payloadType is not None
        }
        clock_rate = line.rtp.codecs[0].clockRate if line.rtp.codecs else 90000
        negotiated[line.rtp.muxId] = NegotiatedLine(codecs=codecs, clock_rate=clock_rate)
    return negotiated


def codec_key(codec: RTCRtpCodecParameters) -> str:
    """What must match for a packet to be forwarded as is: the MIME type, and H.264's packetization.

    H.264's profile-level-id is left out: browsers' encoders produce constrained baseline, which
    decoders of either offered profile read.
    """
    key = codec.mimeType.lower()
    if key == "video/h264":
        key += f";packetization-mode={codec.parameters.get('packetization-mode', 0)}"
    return key
