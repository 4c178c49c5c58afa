"""Who is loud, who is speaking, and which speakers fill a listener's audio slots.

Everything here reads the RFC 6464 audio level each packet carries (-dBov: 0 loudest, 127
silence); nothing decodes audio. Time is passed in, so this module is plain arithmetic.

The numbers, and why:

- Loudness is the level smoothed over about `SMOOTHING_SECONDS` (0.25 s), so a single loud
  syllable or click does not reorder the room.
- A stream that sent nothing for `SILENT_AFTER` (0.5 s) counts as silent; one whose packets carry
  no level at all is "unknown" and ranks as silent too: it is heard only while a slot is free.
- A listener's slots are refilled at once when one is free (so in rooms of up to `slots + 1`
  people everyone is always forwarded, and nothing is clipped). When all are taken, the loudest
  speaker outside takes the slot of the quietest one inside only after being louder by
  `SWITCH_MARGIN_DB` (6 dB) for `SWITCH_HOLD_SECONDS` (0.4 s) without a break: a speaker keeps
  their slot through the short pauses of speech.
- Speaking, for indicators, is a level of at least -`SPEECH_LEVEL` dBov (-50); it stays on for
  `SPEAKING_HANG_SECONDS` (0.5 s) after the last such packet, so indicators do not flicker
  between words.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

SMOOTHING_SECONDS = 0.25
SILENT_AFTER_SECONDS = 0.5
SWITCH_MARGIN_DB = 6.0
SWITCH_HOLD_SECONDS = 0.4
SPEECH_LEVEL = 50
SPEAKING_HANG_SECONDS = 0.5
SILENCE_LEVEL = 127


class AudioLevel:
    """The recent loudness and voice activity of one audio stream."""

    __slots__ = ("_loudness", "last_packet", "last_voice")

    def __init__(self) -> None:
        self._loudness = 0.0
        self.last_packet = float("-inf")
        self.last_voice = float("-inf")

    def update(self, level: int | None, now: float) -> None:
        """Take one packet's level (None: the packet had none, counted as silence)."""
        loudness = SILENCE_LEVEL - (SILENCE_LEVEL if level is None else level)
        step = min(1.0, (now - self.last_packet) / SMOOTHING_SECONDS)
        self._loudness += (loudness - self._loudness) * step
        self.last_packet = now
        if level is not None and level <= SPEECH_LEVEL:
            self.last_voice = now

    def loudness(self, now: float) -> float:
        """dB above silence (0 to 127), smoothed; 0 when the stream has gone quiet."""
        if now - self.last_packet > SILENT_AFTER_SECONDS:
            return 0.0
        return self._loudness

    def speaking(self, now: float) -> bool:
        return now - self.last_voice <= SPEAKING_HANG_SECONDS


K = TypeVar("K", bound=Hashable)


class SpeakerChoice(Generic[K]):
    """One listener's audio slots: who is in each, changed only with hysteresis."""

    def __init__(self, slots: int) -> None:
        self.holders: list[K | None] = [None] * slots
        self._challenged_since: float | None = None

    def update(self, loudness: Mapping[K, float], now: float) -> list[int]:
        """Re-decide the slots from the candidates' loudness; returns the slots that changed.

        `loudness` holds everyone this listener may hear (never the listener themself).
        """
        changed: list[int] = []
        for slot, holder in enumerate(self.holders):
            if holder is not None and holder not in loudness:
                self.holders[slot] = None
                changed.append(slot)
        held = set(self.holders)
        outsiders = sorted(
            (key for key in loudness if key not in held), key=lambda key: -loudness[key]
        )
        for slot, holder in enumerate(self.holders):
            if holder is None and outsiders:
                self.holders[slot] = outsiders.pop(0)
                changed.append(slot)
        if not outsiders or None in self.holders:
            self._challenged_since = None
            return sorted(set(changed))
        weakest = min(
            range(len(self.holders)),
            key=lambda slot: loudness[self.holders[slot]],  # type: ignore[index]
        )
        weakest_holder = self.holders[weakest]
        assert weakest_holder is not None
        contender = outsiders[0]
        if loudness[contender] <= loudness[weakest_holder] + SWITCH_MARGIN_DB:
            self._challenged_since = None
        elif self._challenged_since is None:
            self._challenged_since = now
        elif now - self._challenged_since >= SWITCH_HOLD_SECONDS:
            self.holders[weakest] = contender
            self._challenged_since = None
            changed.append(weakest)
        return sorted(set(changed))

    def clear(self) -> list[int]:
        """Empty every slot (the listener may no longer hear); returns the slots that changed."""
        changed = [slot for slot, holder in enumerate(self.holders) if holder is not None]
        self.holders = [None] * len(self.holders)
        self._challenged_since = None
        return changed
