"""People in a voice room hear each other through the SFU, as their rights allow.

Every client is a real aiortc peer on loopback whose microphone plays its own tone; what a client
hears is decided by decoding what arrives and finding the tone in it.
"""

from __future__ import annotations

from collections.abc import Callable

from tests.media.clients import ALL_RIGHTS, TALKER, Client
from townhall.media import AudioSlot, EmbeddedSfu, Rights

NOT_SPEAKING = Rights(speak=False, video=True, hear=True)
DEAF = Rights(speak=True, video=True, hear=False)


async def test_two_people_hear_each_other(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    alice, bob = client(1, 400), client(2, 1000)

    answer = await alice.join(sfu, room_id)
    await bob.join(sfu, room_id)

    assert answer.streams == [AudioSlot("0", 0), AudioSlot("1", 1), AudioSlot("2", 2)]
    await alice.until(lambda: 1000 in alice.tones_heard(), "alice hears bob's tone")
    await bob.until(lambda: 400 in bob.tones_heard(), "bob hears alice's tone")
    await bob.until(lambda: bob.listener.is_speaking(1), "bob sees alice speaking")
    assert alice.all_tones_kept() == {1000}
    assert bob.all_tones_kept() == {400}


async def test_a_third_person_hears_both_and_nobody_hears_themself(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    people = [client(1, 400), client(2, 1000), client(3, 1600)]
    for person in people:
        await person.join(sfu, room_id)

    for person in people:
        others = {p.tone for p in people if p is not person}
        await person.until(
            lambda person=person, others=others: others <= person.tones_heard(),
            f"hearing {others}",
        )
    for person in people:
        assert person.tone not in person.all_tones_kept()


async def test_a_participant_without_speak_is_not_heard_until_allowed(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    muted, talker, listener = client(1, 400), client(2, 1000), client(3)
    await muted.join(sfu, room_id, NOT_SPEAKING)
    await talker.join(sfu, room_id, TALKER)
    await listener.join(sfu, room_id)

    await listener.until(
        lambda: sum(listener.frame_counts.values()) >= 50, "50 frames of the talker"
    )
    assert listener.all_tones_kept() == {1000}
    assert not listener.listener.is_speaking(1)

    sfu.set_rights(room_id, 1, ALL_RIGHTS)
    await listener.until(lambda: 400 in listener.tones_heard(), "hearing the unmuted one")

    sfu.set_rights(room_id, 1, NOT_SPEAKING)
    muted_mid = next(m for m in listener.audio_mids() if listener.tone_in(m) == 400)
    talker_mid = next(m for m in listener.audio_mids() if listener.tone_in(m) == 1000)
    packets_then = len(listener.packets_on(muted_mid))
    talker_then = len(listener.packets_on(talker_mid))
    await listener.until(
        lambda: len(listener.packets_on(talker_mid)) >= talker_then + 50,
        "50 more packets of the talker",
    )
    # Only what was already on the wire when the right was taken away may still arrive.
    assert len(listener.packets_on(muted_mid)) <= packets_then + 3
    await listener.until(lambda: not listener.listener.is_speaking(1), "indicator off")


async def test_a_participant_without_hear_receives_no_audio(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    deaf, alice, bob = client(1, 400), client(2, 1000), client(3, 1600)
    await deaf.join(sfu, room_id, DEAF)
    await alice.join(sfu, room_id)
    await bob.join(sfu, room_id)

    await alice.until(lambda: 1600 in alice.tones_heard(), "alice hears bob")
    await alice.until(lambda: 400 in alice.tones_heard(), "alice hears the deaf one")
    assert deaf.received == []

    sfu.set_rights(room_id, 1, ALL_RIGHTS)
    await deaf.until(lambda: {1000, 1600} <= deaf.tones_heard(), "hearing again")


async def test_a_publisher_gets_receiver_reports_and_so_its_round_trip_time(
    sfu: EmbeddedSfu, room_id: int, client: Callable[..., Client]
) -> None:
    talker = client(1, 400)
    await talker.join(sfu, room_id, TALKER)
    microphone = talker.pc.getTransceivers()[0].sender

    def answered_sender_report() -> bool:
        return any(
            block.ssrc == microphone._ssrc and block.lsr and block.dlsr
            for report in talker.receiver_reports
            for block in report.reports
        )

    await talker.until(answered_sender_report, "an RR echoing the talker's SR")
    stats = [s for s in (await microphone.getStats()).values() if s.type == "remote-inbound-rtp"]
    assert stats and stats[0].packetsLost == 0
    assert stats[0].roundTripTime is not None and 0 <= stats[0].roundTripTime < 1
    assert stats[0].packetsReceived > 0
