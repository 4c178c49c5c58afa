"""Discord's UDP voice protocol for bots: IP discovery and `aead_xchacha20_poly1305_rtpsize`.

The packet-level pieces of a bot's connection (`bots.py`), checked against discord.py's own
encryption and parsing in tests/voice/test_udp_packets.py.

- IP discovery (Discord's format): 74 bytes, type 1 (request) or 2 (response), length 70, the
  SSRC, then the address as NUL-padded ASCII (64 bytes) and the port, big-endian, at the end.
- `aead_xchacha20_poly1305_rtpsize`: the RTP header (12 bytes, CSRCs, and the 4-byte extension
  header if the X bit is set: "rtpsize") stays clear and is the additional data; the rest is
  XChaCha20-Poly1305 ciphertext followed by a 4-byte big-endian counter, the nonce's first 4
  bytes (the other 20 are zero).
"""

from __future__ import annotations

import struct

from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

MODE = "aead_xchacha20_poly1305_rtpsize"
DISCOVERY_SIZE = 74
_DISCOVERY = struct.Struct("!HHI64sH")
NONCE_SUFFIX = 4


def discovery_ssrc(packet: bytes) -> int | None:
    """The SSRC of an IP discovery request, or None if `packet` is not one."""
    if len(packet) != DISCOVERY_SIZE:
        return None
    kind, length, ssrc, _address, _port = _DISCOVERY.unpack(packet)
    return ssrc if kind == 1 and length == 70 else None


def discovery_response(ssrc: int, address: str, port: int) -> bytes:
    """The answer telling a client the address and port its packets came from."""
    return _DISCOVERY.pack(2, 70, ssrc, address.encode("ascii"), port)


def clear_header_length(packet: bytes) -> int | None:
    """How many leading bytes stay unencrypted (rtpsize), or None if too short for RTP."""
    if len(packet) < 12:
        return None
    length = 12 + 4 * (packet[0] & 0x0F)
    if packet[0] & 0x10:
        length += 4
    return length if len(packet) >= length + 16 + NONCE_SUFFIX else None


def decrypt(key: bytes, packet: bytes) -> tuple[bytes, bytes] | None:
    """(clear header, decrypted rest) of one packet, or None if it does not authenticate.

    The rest begins with the extension elements when the header announced an extension."""
    clear = clear_header_length(packet)
    if clear is None:
        return None
    header = packet[:clear]
    nonce = packet[-NONCE_SUFFIX:] + bytes(24 - NONCE_SUFFIX)
    try:
        plain = crypto_aead_xchacha20poly1305_ietf_decrypt(
            packet[clear:-NONCE_SUFFIX], header, nonce, key
        )
    except CryptoError:
        return None
    return header, plain


def encrypt(key: bytes, header: bytes, payload: bytes, counter: int) -> bytes:
    """One packet to a bot: `header` (12 bytes, no extension) clear, `payload` sealed."""
    suffix = struct.pack("!I", counter & 0xFFFFFFFF)
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(
        payload, header, suffix + bytes(24 - NONCE_SUFFIX), key
    )
    return header + sealed + suffix
