"""Simulcast: a camera sent in several sizes at once, and for each viewer the layer that fits.

A browser that offers `a=simulcast:send q;h;f` with `a=rid:` lines sends its camera as several
RTP streams ("layers"), each with an SSRC of its own that the RTP stream id header extension
(RFC 8852) names on its first packets. The web client lists them lowest first (a quarter, half
and the full size). aiortc knows nothing of simulcast, so the SFU adds `a=simulcast:recv` and the
`a=rid:… recv` lines to aiortc's answer itself (`accept_simulcast`); without them the browser
sends one layer only.

Each viewer's video slot carries one layer of the stream it watches, switched at a keyframe
(the slot's `SequenceRewriter` keeps its numbers continuous, as for a speaker change). The layer
is the smallest one at least as tall as the viewer shows the video (the sizes it reports with
op 15), and no more than the viewer's bandwidth estimate (REMB) allows for its share; a layer
the publisher stopped sending (browsers drop the top ones when short of CPU or bandwidth) is
skipped. Up only as far as a layer fits with room to spare (from the lowest, a top layer that
just fits gives the middle one), so that the choice does not flap with the estimate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

RID_URI = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
MAX_LAYERS = 3
UPGRADE_HEADROOM = 0.8
"""A higher layer is taken only if its bitrate is under this share of the viewer's budget."""

_RID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


def _sections(sdp: str) -> tuple[str, list[str]]:
    head, *media = sdp.split("\r\nm=")
    return head, ["m=" + section for section in media]


def _mid_of(section: str) -> str | None:
    for line in section.split("\r\n"):
        if line.startswith("a=mid:"):
            return line[6:].strip()
    return None


def offered_rids(offer_sdp: str) -> dict[str, tuple[str, ...]]:
    """Mid -> the rids of its `a=simulcast:send`, in order, for m-lines that offer simulcast.

    Alternatives (`a,b`) count by their first rid, paused ones (`~a`) as they are; an m-line
    with more than `MAX_LAYERS` layers or rids that are not plain tokens offers none.
    """
    found: dict[str, tuple[str, ...]] = {}
    for section in _sections(offer_sdp.replace("\r\n", "\n").replace("\n", "\r\n"))[1]:
        mid = _mid_of(section)
        for line in section.split("\r\n"):
            if mid is None or not line.startswith("a=simulcast:"):
                continue
            parts = line[len("a=simulcast:") :].split()
            if len(parts) < 2 or parts[0] != "send":
                continue
            rids = tuple(alt.split(",")[0].lstrip("~") for alt in parts[1].split(";"))
            if 1 < len(rids) <= MAX_LAYERS and all(_RID.match(r) for r in rids):
                found[mid] = rids
    return found


def accept_simulcast(
    answer_sdp: str, rids: Mapping[str, Sequence[str]], extension_ids: Mapping[str, int]
) -> str:
    """The answer, with each simulcast mid's layers accepted (and the stream id extension)."""
    if not rids:
        return answer_sdp
    head, sections = _sections(answer_sdp)
    for index, section in enumerate(sections):
        mid = _mid_of(section)
        if mid is None or mid not in rids:
            continue
        lines = section.rstrip("\r\n").split("\r\n")
        extension_id = extension_ids.get(mid)
        if extension_id is not None and RID_URI not in section:
            lines.append(f"a=extmap:{extension_id} {RID_URI}")
        lines += [f"a=rid:{rid} recv" for rid in rids[mid]]
        lines.append("a=simulcast:recv " + ";".join(rids[mid]))
        sections[index] = "\r\n".join(lines) + "\r\n"
    return "\r\n".join([head, *(s.rstrip("\r\n") for s in sections)]) + "\r\n"


def choose_layer(
    current: int,
    heights: Sequence[int | None],
    active: Sequence[bool],
    bitrates: Sequence[float],
    wanted_height: int | None,
    budget: float | None,
) -> int:
    """The layer (0: lowest) a viewer should get now.

    `heights`: each layer's height in pixels (None: not known yet), `active`: whether it arrives,
    `bitrates`: bits/s of each, `wanted_height`: how tall the viewer shows it (None: unknown, as
    large as possible), `budget`: the viewer's bits/s for this stream (None: no estimate).
    """
    top = len(heights) - 1
    wanted = top
    if wanted_height is not None:
        wanted = next(
            (i for i, h in enumerate(heights) if h is not None and h >= wanted_height), top
        )
    if budget is not None:
        while wanted > 0 and bitrates[wanted] > budget:
            wanted -= 1
        while wanted > current and bitrates[wanted] > budget * UPGRADE_HEADROOM:
            wanted -= 1  # up only as far as there is room to spare
    if active[wanted]:
        return wanted
    below = [i for i in range(wanted, -1, -1) if active[i]]
    above = [i for i in range(wanted + 1, top + 1) if active[i]]
    return below[0] if below else above[0] if above else wanted
