"""One participant's WebRTC connection: aiortc does ICE, DTLS and SDP, the SFU does the media.

aiortc's receivers always decode and its senders always encode, which costs 125-170 µs of Python
per packet before any codec work (`research/media.md`). So once aiortc has set the connection up,
its media path is bypassed at the DTLS transport (aiortc 1.16.0, pinned):

- incoming: once DTLS has produced the SRTP keys, each SRTP/SRTCP datagram is taken as aioice
  hands it over (`Connection.data_received`, replaced on this connection's instance), decrypted
  with the DTLS transport's session (`_rx_srtp`) and given to the SFU at once, skipping aioice's
  queue and aiortc's receive task (about half of aiortc's per-packet cost). ICE and DTLS
  datagrams go on as before. The DTLS transport's own `_handle_rtp_data`/`_handle_rtcp_data`
  are replaced as well, for packets queued during the handshake: aiortc's RTP router and
  receivers never see a packet;
- outgoing: `send_rtp`/`send_rtcp` protect with the transport's SRTP session (`_tx_srtp`) and
  write straight to the UDP socket of the ICE pair aioice nominated (`Connection._nominated`),
  with no coroutine per packet.

aiortc still creates an `RTCRtpSender` for each mid the SFU sends on, because its SSRC is the one
the answer announces. Each such sender is given a `_ParkedTrack`, whose `recv` never returns: the
sender then waits instead of polling for a track every 20 ms, and never encodes or sends media.
(It sends its periodic RTCP sender reports and, on close, a BYE; those stay aiortc's.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import pylibsrtp
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCRtpTransceiver,
    RTCSessionDescription,
)
from aiortc.exceptions import InternalError, InvalidStateError, OperationError
from aiortc.mediastreams import MediaStreamError
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpparameters import RTCRtpCodecCapability
from av.frame import Frame

from townhall.media.backend import MediaError
from townhall.media.ice import gather_host_candidates
from townhall.media.negotiation import LinePlan
from townhall.media.rtp import is_rtcp
from townhall.media.simulcast import RID_URI, accept_simulcast

logger = logging.getLogger(__name__)

AUDIO_CODECS = ("audio/opus",)
VIDEO_CODECS = ("video/VP8", "video/H264")
"""What the SFU answers with, in order of preference. No RTX: the SFU retransmits on the media
SSRC itself. One codec family per kind keeps every publisher forwardable to every viewer."""


def _preferred_codecs(kind: str) -> list[RTCRtpCodecCapability]:
    wanted = AUDIO_CODECS if kind == "audio" else VIDEO_CODECS
    capabilities = RTCRtpSender.getCapabilities(kind).codecs
    return [
        codec for mime in wanted for codec in capabilities if codec.mimeType.lower() == mime.lower()
    ]


class _ParkedTrack(MediaStreamTrack):
    """Gives an aiortc sender something to wait on forever; it is never in the media path."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    async def recv(self) -> Frame:
        await asyncio.get_running_loop().create_future()
        raise MediaStreamError


class Peer:
    """The aiortc connection of one participant, with its packets handed to `on_rtp`/`on_rtcp`."""

    names_slot_speakers = False

    def __init__(
        self,
        on_rtp: Callable[[bytes], None],
        on_rtcp: Callable[[bytes], None],
        host_addresses: Sequence[str] | None,
        ports: range | None,
    ) -> None:
        self._on_rtp = on_rtp
        self._on_rtcp = on_rtcp
        self._host_addresses = host_addresses
        self._ports = ports
        self._connection = RTCPeerConnection(
            RTCConfiguration(iceServers=[], bundlePolicy=RTCBundlePolicy.MAX_BUNDLE)
        )
        self._dtls: RTCDtlsTransport | None = None
        self._failures = 0
        self.closed = False

    async def answer(self, offer_sdp: str, plans: Sequence[LinePlan]) -> tuple[str, dict[str, int]]:
        """Apply an offer as planned; returns the answer SDP and the SSRC the SFU sends per mid."""
        if self.closed:
            raise MediaError("the connection is closed")
        known = {t.mid: t for t in self._connection.getTransceivers() if t.mid is not None}
        for plan in plans:
            transceiver = known.get(plan.mid)
            if transceiver is None:
                transceiver = self._connection.addTransceiver(
                    _ParkedTrack(plan.kind), direction=plan.answer_direction
                )
                transceiver.setCodecPreferences(_preferred_codecs(plan.kind))
            else:
                transceiver.direction = plan.answer_direction
        if self._dtls is None:
            self._take_over(self._connection.getTransceivers()[0])
            assert self._dtls is not None
            await gather_host_candidates(
                self._dtls.transport.iceGatherer, self._host_addresses, self._ports
            )
        try:
            await self._connection.setRemoteDescription(
                RTCSessionDescription(sdp=offer_sdp, type="offer")
            )
            await self._connection.setLocalDescription(await self._connection.createAnswer())
        except (
            ValueError,
            AssertionError,
            InternalError,
            InvalidStateError,
            OperationError,
        ) as exc:
            raise MediaError(f"the offer could not be applied: {exc}") from exc
        ssrcs = {
            t.mid: t.sender._ssrc for t in self._connection.getTransceivers() if t.mid is not None
        }
        answer = accept_simulcast(
            self._connection.localDescription.sdp,
            {p.mid: p.rids for p in plans if p.rids},
            {p.mid: p.extensions[RID_URI] for p in plans if p.rids},
        )
        return answer, ssrcs

    def _take_over(self, transceiver: RTCRtpTransceiver) -> None:
        """Route this connection's decrypted packets to the SFU instead of aiortc's receivers."""
        dtls = transceiver.receiver.transport
        self._dtls = dtls
        ice = dtls.transport._connection
        queue_datagram = ice.data_received

        def data_received(data: bytes, component: int) -> None:
            receiving = dtls._rx_srtp
            if receiving is None or not data or not 127 < data[0] < 192:
                queue_datagram(data, component)  # ICE consent, DTLS: aiortc's as before
                return
            try:
                if is_rtcp(data):
                    self._on_rtcp(receiving.unprotect_rtcp(data))
                else:
                    self._on_rtp(receiving.unprotect(data))
            except pylibsrtp.Error:
                pass
            except Exception:
                self._report_failure()

        ice.data_received = data_received  # type: ignore[method-assign]

        async def handle_rtp_data(data: bytes, arrival_time_ms: int) -> None:
            try:
                self._on_rtp(data)
            except Exception:
                self._report_failure()

        async def handle_rtcp_data(data: bytes) -> None:
            try:
                self._on_rtcp(data)
            except Exception:
                self._report_failure()

        dtls._handle_rtp_data = handle_rtp_data  # type: ignore[method-assign]
        dtls._handle_rtcp_data = handle_rtcp_data  # type: ignore[method-assign]

    def _report_failure(self) -> None:
        """A bug in the fast path must not end aiortc's receive loop (and so the call): log it."""
        self._failures += 1
        if self._failures == 1 or self._failures % 1000 == 0:
            logger.exception("media packet handling failed (%d times)", self._failures)

    @property
    def ready(self) -> bool:
        dtls = self._dtls
        return (
            not self.closed
            and dtls is not None
            and dtls._tx_srtp is not None
            and 1 in dtls.transport._connection._nominated
        )

    def send_rtp(self, packet: bytes) -> None:
        dtls = self._dtls
        if dtls is None or self.closed or dtls._tx_srtp is None:
            return
        pair = dtls.transport._connection._nominated.get(1)
        if pair is None:
            return
        try:
            protected = dtls._tx_srtp.protect(packet)
        except pylibsrtp.Error:
            return
        pair.protocol.transport.sendto(protected, pair.remote_addr)

    def send_rtcp(self, packet: bytes) -> None:
        dtls = self._dtls
        if dtls is None or self.closed or dtls._tx_srtp is None:
            return
        pair = dtls.transport._connection._nominated.get(1)
        if pair is None:
            return
        try:
            protected = dtls._tx_srtp.protect_rtcp(packet)
        except pylibsrtp.Error:
            return
        pair.protocol.transport.sendto(protected, pair.remote_addr)

    async def close(self) -> None:
        self.closed = True
        await self._connection.close()
