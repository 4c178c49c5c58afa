"""Who is loud, who is speaking, and which speakers fill a listener's audio slots.

Everything here reads the RFC 6464 audio level each packet carries (-dBov: 0 loudest, 127
silence); nothing decodes audio. Time is passed in, so this module is plain arithmetic.

The numbers, and why:

- Loudness is the level smoothed over about `SMOOTHING_SECONDS` (0.25 s), so a click or the dip
  between two syllables does not reorder the room (the holds below keep short words from it).
- A stream that sent nothing for `SILENT_AFTER` (0.5 s) counts as silent; one whose packets carry
  no level at all is "unknown" and ranks as silent too: it is heard only while a slot is free.
- Speaking is a level of at least -`SPEECH_LEVEL` dBov (-50); it stays on for
  `SPEAKING_HANG_SECONDS` (0.5 s) after the last such packet, so indicators do not flicker
  between words. The packet that turns it on calls `AudioLevel.on_onset` (the room then decides
  at once instead of at its next tick).
- A listener's slots are refilled at once when one is free (so in rooms of up to `slots + 1`
  people everyone is always forwarded, and nothing is clipped). When all are taken, the loudest
  speaker outside takes the slot of the quietest one inside once louder by `SWITCH_MARGIN_DB`
  (6 dB): at once if the one inside is not speaking and the one outside is (a slot held by
  silence is as good as free); otherwise after staying louder without a break for
  `SWITCH_HOLD_SECONDS` (0.4 s), or for only `CLEAR_HOLD_SECONDS` (0.15 s) while louder by
  `CLEAR_MARGIN_DB` (10 dB, about twice as loud to the ear).
- While speaking, someone inside counts as no quieter than their words (the level of the
  packets that carry voice, smoothed alike, leaving out the quiet between them), so a pause
  shorter than the hang, however quiet, does not count against them: a speaker keeps their slot
  through the short pauses of speech. After the hang they are silent, and give the slot up to
  the next who speaks at once (to noise, only after the hold).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import Generic, TypeVar

SMOOTHING_SECONDS = 0.25
SILENT_AFTER_SECONDS = 0.5
SWITCH_MARGIN_DB = 6.0
SWITCH_HOLD_SECONDS = 0.4
CLEAR_MARGIN_DB = 10.0
CLEAR_HOLD_SECONDS = 0.15
SPEECH_LEVEL = 50
SPEAKING_HANG_SECONDS = 0.5
SILENCE_LEVEL = 127


class AudioLevel:
    """The recent loudness and voice activity of one audio stream."""

    __slots__ = ("_loudness", "_voice", "last_packet", "last_voice", "on_onset")

    def __init__(self) -> None:
        self._loudness = 0.0
        self._voice = 0.0
        self.last_packet = float("-inf")
        self.last_voice = float("-inf")
        self.on_onset: Callable[[], None] | None = None
        """Called by the packet that makes the stream speaking again (it runs per packet)."""

    def update(self, level: int | None, now: float) -> None:
        """Take one packet's level (None: the packet had none, counted as silence)."""
        loudness = SILENCE_LEVEL - (SILENCE_LEVEL if level is None else level)
        step = min(1.0, (now - self.last_packet) / SMOOTHING_SECONDS)
        self._loudness += (loudness - self._loudness) * step
        self.last_packet = now
        if level is not None and level <= SPEECH_LEVEL:
            onset = now - self.last_voice > SPEAKING_HANG_SECONDS
            self._voice += (loudness - self._voice) * (1.0 if onset else step)
            self.last_voice = now
            if onset and self.on_onset is not None:
                self.on_onset()

    def loudness(self, now: float) -> float:
        """dB above silence (0 to 127), smoothed; 0 when the stream has gone quiet."""
        if now - self.last_packet > SILENT_AFTER_SECONDS:
            return 0.0
        return self._loudness

    def speaking(self, now: float) -> bool:
        return now - self.last_voice <= SPEAKING_HANG_SECONDS

    def voice(self, now: float) -> float | None:
        """While speaking, the loudness, but no lower than that of the words alone (smoothed
        alike, leaving out the packets between them); None when not speaking."""
        if not self.speaking(now):
            return None
        return max(self._loudness, self._voice)


K = TypeVar("K", bound=Hashable)


class SpeakerChoice(Generic[K]):
    """One listener's audio slots: who is in each, changed only with hysteresis."""

    def __init__(self, slots: int) -> None:
        self.holders: list[K | None] = [None] * slots
        self._louder_since: float | None = None
        """Since when some outsider has been louder than the quietest holder by the margin."""
        self._clearly_since: float | None = None
        """Since when by the clear margin."""

    @property
    def decides_at(self) -> float | None:
        """When the challenge under way takes a slot if it goes on as it is (None: none is)."""
        deadlines = []
        if self._louder_since is not None:
            deadlines.append(self._louder_since + SWITCH_HOLD_SECONDS)
        if self._clearly_since is not None:
            deadlines.append(self._clearly_since + CLEAR_HOLD_SECONDS)
        return min(deadlines, default=None)

    def update(
        self, loudness: Mapping[K, float], now: float, voices: Mapping[K, float] | None = None
    ) -> list[int]:
        """Re-decide the slots from the candidates' loudness; returns the slots that changed.

        `loudness` holds everyone this listener may hear (never the listener themself);
        `voices` those of them speaking, with `AudioLevel.voice` (absent: nobody speaks).
        """
        voices = voices or {}
        changed: list[int] = []
        for slot, holder in enumerate(self.holders):
            if holder is not None and holder not in loudness:
                self.holders[slot] = None
                changed.append(slot)
        outsiders = self._outsiders(loudness)
        for slot, holder in enumerate(self.holders):
            if holder is None and outsiders:
                self.holders[slot] = outsiders.pop(0)
                changed.append(slot)
        if not outsiders or None in self.holders:
            self._louder_since = self._clearly_since = None
            return sorted(set(changed))
        taken = self._take_from_silence(outsiders, loudness, voices)
        if taken:
            changed += taken
            outsiders = self._outsiders(loudness)
        changed += self._challenge(outsiders[0], loudness, voices, now)
        return sorted(set(changed))

    def _outsiders(self, loudness: Mapping[K, float]) -> list[K]:
        """Everyone not in a slot, loudest first."""
        held = set(self.holders)
        return sorted((key for key in loudness if key not in held), key=lambda key: -loudness[key])

    def _take_from_silence(
        self, outsiders: list[K], loudness: Mapping[K, float], voices: Mapping[K, float]
    ) -> list[int]:
        """Speaking outsiders take, loudest first, the slots of holders who are not speaking."""
        silent = {
            slot: holder
            for slot, holder in enumerate(self.holders)
            if holder is not None and holder not in voices
        }
        taken: list[int] = []
        for contender in outsiders:
            if not silent:
                break
            if contender not in voices:
                continue
            quietest = min(silent, key=lambda slot: loudness[silent[slot]])
            if loudness[contender] <= loudness[silent[quietest]] + SWITCH_MARGIN_DB:
                break
            self.holders[quietest] = contender
            del silent[quietest]
            taken.append(quietest)
        return taken

    def _challenge(
        self, contender: K, loudness: Mapping[K, float], voices: Mapping[K, float], now: float
    ) -> list[int]:
        """The loudest outsider against the quietest holder, who counts as loud as `voices` says."""

        def standing(slot: int) -> float:
            holder = self.holders[slot]
            assert holder is not None
            return voices.get(holder, loudness[holder])

        weakest = min(range(len(self.holders)), key=standing)
        margin = loudness[contender] - standing(weakest)
        if margin <= SWITCH_MARGIN_DB:
            self._louder_since = self._clearly_since = None
            return []
        if self._louder_since is None:
            self._louder_since = now
        if margin < CLEAR_MARGIN_DB:
            self._clearly_since = None
        elif self._clearly_since is None:
            self._clearly_since = now
        decides_at = self.decides_at
        assert decides_at is not None
        if now < decides_at:
            return []
        self.holders[weakest] = contender
        self._louder_since = self._clearly_since = None
        return [weakest]

    def clear(self) -> list[int]:
        """Empty every slot (the listener may no longer hear); returns the slots that changed."""
        changed = [slot for slot, holder in enumerate(self.holders) if holder is not None]
        self.holders = [None] * len(self.holders)
        self._louder_since = self._clearly_since = None
        return changed
