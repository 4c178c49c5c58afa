"""In a room with more talkers than audio slots, a listener hears the loudest ones.

Talkers' levels come from the RFC 6464 extension aiortc's own sender writes (it computes the
level of each frame it encodes), so the SFU ranks them without decoding anything.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from tests.media.clients import TALKER, Client
from townhall.media import EmbeddedSfu

# (tone, amplitude): levels of about -9, -12, -15 dBov for the loud three, -27 and -31 for the
# quiet two, and -4 for the newcomer; every neighbour pair is more than the 6 dB margin apart
# where a switch is expected.
LOUD = [(400, 0.5), (700, 0.35), (1000, 0.25)]
QUIET = [(1300, 0.06), (1600, 0.04)]
NEWCOMER = (2200, 0.9)


async def test_only_the_three_loudest_of_five_are_forwarded_and_a_louder_newcomer_takes_over(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    listener = client(100)
    await listener.join(sfu, room_id)
    # The quiet ones come first, so they take the free slots and must later give them up.
    for user_id, (tone, amplitude) in enumerate(QUIET + LOUD, start=1):
        await client(user_id, tone, amplitude=amplitude).join(sfu, room_id, TALKER)

    loud_tones = {tone for tone, _ in LOUD}
    await listener.until(lambda: listener.tones_heard() == loud_tones, "the three loudest")
    slot_of = {listener.tone_in(mid): mid for mid in listener.audio_mids()}
    quietest_mid = slot_of[1000]
    before_switch = len(listener.packets_on(quietest_mid))

    tone, amplitude = NEWCOMER
    await client(50, tone, amplitude=amplitude).join(sfu, room_id, TALKER)

    await listener.until(
        lambda: listener.tone_in(quietest_mid) == tone, "the newcomer in the quietest one's slot"
    )
    assert listener.tone_in(slot_of[400]) == 400
    assert listener.tone_in(slot_of[700]) == 700

    packets = listener.packets_on(quietest_mid)
    assert len(packets) > before_switch + 3, "packets of both speakers on the slot"
    assert len({p.ssrc for p in packets}) == 1
    sequence_steps = {(b.sequence - a.sequence) & 0xFFFF for a, b in itertools.pairwise(packets)}
    assert sequence_steps == {1}, "sequence numbers continue across the switch"
    timestamp_steps = [
        (b.timestamp - a.timestamp) & 0xFFFFFFFF for a, b in itertools.pairwise(packets)
    ]
    # One Opus frame is 960 ticks; the switch may add the wall time between the two speakers'
    # packets, never a jump backwards (which would read as ~2**32) or a new random base.
    assert all(960 <= step <= 960 * 10 for step in timestamp_steps), timestamp_steps
