"""Fitting the client's one-peer-connection offer to Janus's AudioBridge, and back.

AudioBridge takes one audio m-line per peer connection. Given the client's whole offer, it
accepts the first audio m-line and rejects the rest with port 0 outside the BUNDLE group, but
Janus's core then relays the mix on the *last* audio m-line it was offered (its by-type lookup
keeps the last medium of a kind; `media_bytype` in 1.1.2's `ice.c`), where nothing arrives. And
a browser stops a transceiver whose m-line is rejected, aiortc refuses such an answer outright,
while the client contract (`backend.py`) keeps transceivers and expects unused ones `inactive`.

So Janus is offered the microphone's m-section alone, and the client gets the full answer built
here: the microphone's section as Janus answered it; each other m-line `inactive`, in the BUNDLE
group, on the microphone's ICE and DTLS attributes, with one codec of the client's own; m-lines
the client itself offered with port 0 stay rejected. Nothing flows on them, so Janus never needs
to know of them.

When the participant may not hear, the microphone is offered to Janus `sendonly`: Janus's core
drops RTP on a medium it may not send on, so they get nothing. The SDP is handled as text, one
m-section at a time, so that nothing either side wrote is lost to a parse and re-serialisation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from townhall.media.backend import BadOffer, Source

DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")
CARRIED_OVER = ("a=ice-ufrag:", "a=ice-pwd:", "a=ice-options:", "a=setup:", "a=fingerprint:")
"""The transport attributes an added `inactive` m-line takes from the accepted one."""


@dataclass(frozen=True)
class Section:
    """One m-section of an SDP, as its lines (the first is the `m=` line)."""

    lines: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.lines[0][2:].split(" ", 1)[0]

    @property
    def port(self) -> int:
        return int(self.lines[0].split(" ")[1])

    @property
    def mid(self) -> str | None:
        return next((line[6:] for line in self.lines if line.startswith("a=mid:")), None)

    @property
    def direction(self) -> str:
        return next((line[2:] for line in self.lines if line[2:] in DIRECTIONS), "sendrecv")

    def with_direction(self, direction: str) -> Section:
        lines = [line for line in self.lines if line[2:] not in DIRECTIONS]
        return Section((lines[0], f"a={direction}", *lines[1:]))


def split(sdp: str) -> tuple[list[str], list[Section]]:
    """The session-level lines and the m-sections of an SDP."""
    session: list[str] = []
    sections: list[list[str]] = []
    for line in sdp.replace("\r\n", "\n").split("\n"):
        if not line:
            continue
        if line.startswith("m="):
            sections.append([line])
        elif sections:
            sections[-1].append(line)
        else:
            session.append(line)
    return session, [Section(tuple(lines)) for lines in sections]


def join(session: list[str], sections: list[Section]) -> str:
    lines = [*session, *(line for section in sections for line in section.lines)]
    return "\r\n".join(lines) + "\r\n"


def microphone_mid(sdp: str, sources: Mapping[str, Source]) -> str:
    """The mid of the microphone, which must be the offer's first audio m-line.

    AudioBridge takes the first audio m-line and nothing else, so a microphone elsewhere (the
    embedded SFU reads directions and takes any order) cannot be carried: a BadOffer.
    """
    _, sections = split(sdp)
    audio = [s for s in sections if s.kind == "audio" and s.port != 0]
    first = audio[0].mid if audio else None
    if first is None:
        raise BadOffer("the offer has no audio m-line with a mid")
    named = [mid for mid, source in sources.items() if source == "microphone"]
    if named not in ([], [first]) or sources.get(first, "microphone") != "microphone":
        raise BadOffer("with Janus, the microphone must be the offer's first audio m-line")
    if audio[0].direction not in ("sendrecv", "sendonly"):
        raise BadOffer("the offer's first audio m-line must be the sendrecv microphone")
    return first


def offer_for_janus(sdp: str, microphone: str, hear: bool) -> str:
    """The offer Janus is given: the microphone alone, `sendonly` when nothing may be heard."""
    session, sections = split(sdp)
    mic = next(s for s in sections if s.mid == microphone)
    if not hear:
        mic = mic.with_direction({"sendrecv": "sendonly"}.get(mic.direction, "inactive"))
    session = [line for line in session if not line.startswith("a=group:BUNDLE")]
    return join([*session, f"a=group:BUNDLE {microphone}"], [mic])


def complete_answer(offer: str, answer: str) -> str:
    """The client's answer: Janus's for the microphone, every other offered m-line `inactive`."""
    _, offered = split(offer)
    session, answered = split(answer)
    accepted = next((s for s in answered if s.port != 0), None)
    if accepted is None:
        raise BadOffer("Janus refused the microphone's m-line")
    transport = [line for line in accepted.lines if line.startswith(CARRIED_OVER)]
    completed = [
        accepted
        if ours.mid == accepted.mid
        else (answer_like(ours, transport) if ours.port != 0 else answer_like(ours, None))
        for ours in offered
    ]
    bundled = [s.mid for s in completed if s.port != 0 and s.mid is not None]
    session = [line for line in session if not line.startswith("a=group:BUNDLE")]
    session.append("a=group:BUNDLE " + " ".join(bundled))
    return join(session, completed)


def answer_like(offered: Section, transport: list[str] | None) -> Section:
    """An `inactive` answer to an offered m-section on the bundle's `transport` (None: the
    client offered it with port 0, and it stays rejected)."""
    m_line = offered.lines[0].split(" ")
    payload_type = m_line[3]
    codec = next(
        (line for line in offered.lines if line.startswith(f"a=rtpmap:{payload_type} ")), None
    )
    port = 0 if transport is None else 9
    lines = [
        f"m={offered.kind} {port} {m_line[2]} {payload_type}",
        "c=IN IP4 0.0.0.0",
        "a=inactive",
        f"a=mid:{offered.mid}",
    ]
    if transport is not None:
        lines += ["a=rtcp-mux", *transport]
    if codec is not None:
        lines.append(codec)
    return Section(tuple(lines))
