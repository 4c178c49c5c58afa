"""Loudest-speaker choice: slots fill at once, change hands only with margin and time."""

from __future__ import annotations

import pytest

from townhall.media.speakers import (
    CLEAR_HOLD_SECONDS,
    CLEAR_MARGIN_DB,
    SPEAKING_HANG_SECONDS,
    SWITCH_HOLD_SECONDS,
    SWITCH_MARGIN_DB,
    AudioLevel,
    SpeakerChoice,
)

TICK = 0.1
PACKET = 0.02
TALK, PAUSE = 30, 127
"""Levels (-dBov) of a word and of the quiet between words."""


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


@pytest.mark.parametrize(
    ("margin", "hold"),
    [(SWITCH_MARGIN_DB + 1, SWITCH_HOLD_SECONDS), (CLEAR_MARGIN_DB + 20, CLEAR_HOLD_SECONDS)],
)
def test_a_short_burst_does_not_take_a_slot_and_the_hold_starts_over_after_it(
    margin: float, hold: float
) -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    choice.update({"holder": 60.0}, 0.0)
    burst = {"holder": 60.0, "other": 60.0 + margin}
    pause = {"holder": 60.0, "other": 50.0}
    step = hold / 4

    for i, loudness in enumerate([burst] * 3 + [pause] + [burst] * 4, start=1):
        choice.update(loudness, i * step)
    assert choice.holders == ["holder"], "each burst was shorter than the hold"

    choice.update(burst, 5 * step + hold)
    assert choice.holders == ["other"]


def test_a_clearly_louder_outsider_takes_the_slot_after_the_short_hold() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(2)
    talking = {"a": 80.0, "b": 60.0}
    choice.update(talking, 0.0, talking)
    loudness = {**talking, "c": 60.0 + CLEAR_MARGIN_DB}

    assert choice.update(loudness, 1.0, talking) == []
    assert choice.decides_at == 1.0 + CLEAR_HOLD_SECONDS
    assert choice.update(loudness, 1.0 + CLEAR_HOLD_SECONDS - 0.01, talking) == []

    assert choice.update(loudness, 1.0 + CLEAR_HOLD_SECONDS, talking) == [1]
    assert choice.holders == ["a", "c"]
    assert choice.decides_at is None


def test_an_outsider_louder_by_less_than_the_clear_margin_needs_the_long_hold() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(2)
    talking = {"a": 80.0, "b": 60.0}
    choice.update(talking, 0.0, talking)
    loudness = {**talking, "c": 60.0 + CLEAR_MARGIN_DB - 0.5}

    for now in (1.0, 1.0 + CLEAR_HOLD_SECONDS, 1.0 + SWITCH_HOLD_SECONDS - 0.01):
        assert choice.update(loudness, now, talking) == []
    assert choice.decides_at == 1.0 + SWITCH_HOLD_SECONDS

    assert choice.update(loudness, 1.0 + SWITCH_HOLD_SECONDS, talking) == [1]
    assert choice.holders == ["a", "c"]


def test_the_long_hold_runs_on_when_the_margin_grows_but_the_short_one_starts_then() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    choice.update({"holder": 60.0}, 0.0)

    choice.update({"holder": 60.0, "other": 60.0 + SWITCH_MARGIN_DB + 1}, 1.0)
    choice.update({"holder": 60.0, "other": 60.0 + CLEAR_MARGIN_DB}, 1.3)

    assert choice.decides_at == 1.0 + SWITCH_HOLD_SECONDS
    assert choice.update({"holder": 60.0, "other": 60.0 + CLEAR_MARGIN_DB}, 1.4) == [0]


def test_a_speaking_outsider_takes_the_slot_of_a_holder_who_is_not_speaking_at_once() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(3)
    talkers = {"a": 100.0, "b": 95.0}
    choice.update({**talkers, "muted": 0.0, "other muted": 0.0}, 0.0, talkers)
    assert choice.holders == ["a", "b", "muted"]

    newcomer = {**talkers, "newcomer": 110.0}
    assert choice.update({**newcomer, "muted": 0.0, "other muted": 0.0}, 0.01, newcomer) == [2]
    assert choice.holders == ["a", "b", "newcomer"]


def test_noise_that_is_not_speech_still_needs_the_hold_against_a_silent_holder() -> None:
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    choice.update({"muted": 0.0}, 0.0)

    assert choice.update({"muted": 0.0, "fan": 40.0}, 1.0) == []
    assert choice.update({"muted": 0.0, "fan": 40.0}, 1.0 + CLEAR_HOLD_SECONDS) == [0]


def decide(choice: SpeakerChoice[str], levels: dict[str, AudioLevel], now: float) -> list[int]:
    """What `Room.select_speakers` does for one listener."""
    loudness = {key: level.loudness(now) for key, level in levels.items()}
    voices = {key: v for key, level in levels.items() if (v := level.voice(now)) is not None}
    return choice.update(loudness, now, voices)


def test_a_holder_keeps_the_slot_through_a_pause_and_loses_it_when_they_stop_speaking() -> None:
    """Two people as loud as each other, one outside: to the smoothed loudness, the holder's
    pause between words soon looks like being far more than 10 dB quieter; it must not count."""
    choice: SpeakerChoice[str] = SpeakerChoice(1)
    levels = {"holder": AudioLevel(), "other": AudioLevel()}
    pauses = [(1.0, 1.45), (2.0, 2.45), (3.0, 9.0)]
    deepest, switched_at = 0.0, None
    for i in range(200):
        now = i * PACKET
        paused = any(start <= now <= end for start, end in pauses)
        levels["holder"].update(PAUSE if paused else TALK, now)
        levels["other"].update(TALK, now)
        if decide(choice, levels, now) and i > 0 and switched_at is None:
            switched_at = now
        if switched_at is None:
            assert choice.holders == ["holder"], f"lost the slot at {now:.2f} s"
            deepest = max(deepest, levels["other"].loudness(now) - levels["holder"].loudness(now))

    assert deepest > 4 * CLEAR_MARGIN_DB
    assert switched_at is not None, "a pause longer than the hang is silence"
    last_word = 3.0 - PACKET
    assert last_word + SPEAKING_HANG_SECONDS < switched_at <= last_word + 0.55
    assert choice.holders == ["other"]


def test_the_packet_that_starts_speech_calls_on_onset_once() -> None:
    level = AudioLevel()
    onsets: list[float] = []
    now = 0.0
    level.on_onset = lambda: onsets.append(now)
    for now, value in [(0.0, 127), (0.02, 30), (0.04, 30), (0.3, 127), (0.5, 30), (1.2, 30)]:
        level.update(value, now)

    assert onsets == [0.02, 1.2], "not after a pause within the hang, again after a longer one"


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
