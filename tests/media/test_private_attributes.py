"""The aiortc and aioice internals the fast path relies on are still there and still used so.

If this fails after an upgrade, read docs/decisions/0011-embedded-sfu.md before anything else:
the SFU replaces or reads exactly these, and must be adapted to the new versions first.
"""

from __future__ import annotations

import inspect

import aioice
import aiortc
from aioice.ice import CandidatePair, Connection, StunProtocol
from aiortc import RTCIceGatherer, RTCRtpSender
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcicetransport import RTCIceTransport


def test_the_pinned_versions_are_installed() -> None:
    assert aiortc.__version__ == "1.16.0"
    assert aioice.__version__ == "0.13.0"


def test_the_dtls_transport_hands_decrypted_packets_to_the_two_replaced_methods() -> None:
    receive = inspect.getsource(RTCDtlsTransport._recv_next)
    assert "self._rx_srtp.unprotect_rtcp(data)" in receive
    assert "await self._handle_rtcp_data(data)" in receive
    assert "self._rx_srtp.unprotect(data)" in receive
    assert "await self._handle_rtp_data(data, arrival_time_ms=arrival_time_ms)" in receive
    assert list(inspect.signature(RTCDtlsTransport._handle_rtp_data).parameters) == [
        "self",
        "data",
        "arrival_time_ms",
    ]
    assert list(inspect.signature(RTCDtlsTransport._handle_rtcp_data).parameters) == [
        "self",
        "data",
    ]
    assert "self._tx_srtp = Session(tx_policy)" in inspect.getsource(RTCDtlsTransport._setup_srtp)
    assert "tx_policy.allow_repeat_tx = True" in inspect.getsource(RTCDtlsTransport._setup_srtp)


def test_the_ice_transport_sends_on_the_nominated_pairs_socket() -> None:
    assert "self._connection = gatherer._connection" in inspect.getsource(RTCIceTransport)
    assert "self._connection = Connection(" in inspect.getsource(RTCIceGatherer)
    send = inspect.getsource(Connection.sendto)
    assert "active_pair = self._nominated.get(component)" in send
    assert "active_pair.protocol.send_data(data, active_pair.remote_addr)" in send
    assert "self.transport.sendto(data, addr)" in inspect.getsource(StunProtocol.send_data)
    assert isinstance(CandidatePair.remote_addr, property)


def test_gathering_is_skipped_once_marked_done_and_uses_these_lists() -> None:
    gather = inspect.getsource(Connection.gather_candidates)
    assert "if not self._local_candidates_start:" in gather
    assert "self._local_candidates_end = True" in gather
    init = inspect.getsource(Connection.__init__)
    for attribute in ("_local_candidates", "_protocols", "_nominated"):
        assert f"self.{attribute}" in init
    assert "protocol.local_candidate = Candidate(" in inspect.getsource(
        Connection.get_component_candidates
    )


def test_a_sender_waits_on_its_track_and_announces_its_ssrc() -> None:
    assert "data = await self.__track.recv()" in inspect.getsource(RTCRtpSender._next_encoded_frame)
    assert "self._ssrc = random32()" in inspect.getsource(RTCRtpSender.__init__)
