"""ICE host candidates on the addresses and ports we choose, instead of aioice's own choice.

aioice gathers host candidates on every interface address except 127.0.0.1, on random ports.
The SFU needs to say where it listens (loopback in tests and in `unshare -n` browser tests, a
public interface in deployments) and, behind a firewall, within which UDP ports. So the gathering
of a peer connection's one ICE transport is done here, before aiortc would do it: the sockets and
candidates are put where aioice keeps its own (`Connection._protocols`, `_local_candidates`) and
gathering is marked done, so aiortc's `setLocalDescription` then finds them and includes them in
the SDP. aioice 0.13.0's private attributes; the version is pinned and
`tests/media/test_private_attributes.py` fails loudly if they change.

Test clients use the same function to offer loopback candidates (`RTCConfiguration(iceServers=[])`
too, or aiortc would ask a public STUN server).
"""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Sequence

from aioice import Candidate
from aioice.candidate import candidate_foundation, candidate_priority
from aioice.ice import StunProtocol, get_host_addresses
from aioice.turn import UDP_SOCKET_BUFFER_SIZE
from aiortc import RTCIceGatherer

from townhall.media.backend import MediaError

RTP_COMPONENT = 1


async def gather_host_candidates(
    gatherer: RTCIceGatherer, addresses: Sequence[str] | None, ports: range | None = None
) -> None:
    """Bind one UDP socket per address (a port from `ports`, or any) as the host candidates.

    `addresses` None means aioice's own choice (every interface but loopback). An address that
    cannot be bound is skipped; none at all is a MediaError. Does nothing if the gatherer already
    gathered.
    """
    connection = gatherer._connection
    if connection._local_candidates_start:
        return
    connection._local_candidates_start = True
    if addresses is None:
        addresses = get_host_addresses(use_ipv4=True, use_ipv6=True)
    loop = asyncio.get_running_loop()
    for address in addresses:
        protocol = StunProtocol(connection)
        transport = await bind_udp(loop, protocol, address, ports)
        if transport is None:
            continue
        host, port = transport.get_extra_info("sockname")[:2]
        protocol.local_candidate = Candidate(
            foundation=candidate_foundation("host", "udp", host),
            component=RTP_COMPONENT,
            transport="udp",
            priority=candidate_priority(RTP_COMPONENT, "host"),
            host=host,
            port=port,
            type="host",
        )
        connection._protocols.append(protocol)
        connection._local_candidates.append(protocol.local_candidate)
    connection._local_candidates_end = True
    if not connection._local_candidates:
        raise MediaError(f"could not bind UDP on any of {list(addresses)} (ports {ports})")


async def bind_udp(
    loop: asyncio.AbstractEventLoop,
    protocol: asyncio.DatagramProtocol,
    address: str,
    ports: range | None,
) -> asyncio.DatagramTransport | None:
    """A UDP endpoint on `address`, on a free port of `ports` tried from a random start."""
    candidates = [0]
    if ports is not None:
        start = random.randrange(len(ports))
        candidates = [ports[(start + offset) % len(ports)] for offset in range(len(ports))]
    for port in candidates:
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: protocol, local_addr=(address, port)
            )
        except OSError:
            continue
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_SOCKET_BUFFER_SIZE)
        return transport
    return None
