"""Loudest-speaker choice: slots fill at once, change hands only with margin and time."""

from __future__ import annotations

from townhall.media.speakers import (
    SWITCH_HOLD_SECONDS,
    SWITCH_MARGIN_DB,
    AudioLevel,
    SpeakerChoice,
)

TICK = 0.1


def run(
    choice: SpeakerChoice[str], loudness: dict[str, float], start: float, seconds: float
) -> float:
    """Update every tick for `seconds` with the same loudness; returns the time reached."""
    now = start
    while now < start + seconds - 1e-9:
        choice.update(loudness, now)
        now += TICK
    return now


def test_free_slots_are_filled_at_once_loudest_first_even_with_silent_people() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(3)

    changed = choice.update({"quiet": 0.0, "loud": 90.0, "medium": 40.0, "silent": 0.0}, 0.0)

    assert choice.holders == ["loud", "medium", "quiet"]
    assert changed == [0, 1, 2]


def test_a_louder_outsider_takes_the_quietest_slot_only_after_the_hold_time() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(2)
    choice.update({"a": 80.0, "b": 60.0}, 0.0)
    loudness = {"a": 80.0, "b": 60.0, "c": 60.0 + SWITCH_MARGIN_DB + 1}

    now = run(choice, loudness, TICK, SWITCH_HOLD_SECONDS)
    assert choice.holders == ["a", "b"], "not yet: the hold time has not passed"

    assert choice.update(loudness, now) == [1]
    assert choice.holders == ["a", "c"]


def test_an_outsider_within_the_margin_never_takes_a_slot() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    choice.update({"holder": 60.0}, 0.0)

    run(choice, {"holder": 60.0, "other": 60.0 + SWITCH_MARGIN_DB}, TICK, 5.0)

    assert choice.holders == ["holder"]


def test_a_short_burst_does_not_take_a_slot_and_the_hold_starts_over_after_it() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    choice.update({"holder": 60.0}, 0.0)
    burst = {"holder": 60.0, "other": 90.0}
    pause = {"holder": 60.0, "other": 50.0}

    now = run(choice, burst, TICK, SWITCH_HOLD_SECONDS - TICK)
    now = run(choice, pause, now, TICK)
    now = run(choice, burst, now, SWITCH_HOLD_SECONDS - TICK)
    assert choice.holders == ["holder"]

    run(choice, burst, now, 3 * TICK)
    assert choice.holders == ["other"]


def test_someone_who_may_no_longer_be_heard_leaves_their_slot_at_once() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(2)
    choice.update({"a": 10.0, "b": 20.0, "c": 5.0}, 0.0)
    assert choice.holders == ["b", "a"]

    assert choice.update({"b": 20.0, "c": 5.0}, TICK) == [1]
    assert choice.holders == ["b", "c"]
    assert choice.clear() == [0, 1]
    assert choice.holders == [None, None]


def test_levels_are_smoothed_and_speaking_hangs_on_between_words() -> None:
    level = AudioLevel()
    for i in range(25):  # half a second at -20 dBov
        level.update(20, i * 0.02)
    assert 100 < level.loudness(0.5) <= 107
    assert level.speaking(0.5)

    level.update(127, 0.52)  # one silent packet moves the loudness a little
    assert level.loudness(0.52) > 85
    for i in range(27, 60):
        level.update(127, i * 0.02)
    assert level.speaking(0.9), "still on 0.4 s after the last word"
    assert not level.speaking(1.1)
    assert level.loudness(1.18) < 10
    assert level.loudness(3.0) == 0.0, "nothing received for a while: silent"


def test_packets_without_a_level_count_as_silence() -> None:
    level = AudioLevel()
    for i in range(50):
        level.update(None, i * 0.02)

    assert level.loudness(1.0) == 0.0
    assert not level.speaking(1.0)
