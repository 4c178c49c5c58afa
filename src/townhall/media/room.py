"""A room: its participants, who fills whose audio slots, who watches whom, and telling them.

Each listener's `SpeakerChoice` is updated from the current loudness of everyone they may hear
(everyone allowed to speak except themself) and their audio slots are pointed at the chosen
streams: every `SELECTION_INTERVAL` (0.1 s); at once after anything changes; as soon as someone
starts speaking (their `AudioLevel.on_onset`, from the packet that starts it); and when a
challenge's hold runs out (`SpeakerChoice.decides_at`), not at the tick after. So a louder
newcomer is heard after the hold itself (0.15 s at 10 dB), or right away when it takes the slot of
someone silent. A listener who is among the loudest hears the next-loudest instead of themself,
and the per-packet path only follows the lists this leaves in `InboundStream.targets`.

Speaking indicators: a microphone is reported speaking while its level says voice (see
`speakers.py`) and it is heard, that is, in some listener's slots (or nobody else is there to
hear it: one's own indicator still lights up when alone). Listeners' `streams_changed` is called
for each participant whose list of watchable streams (everyone's but their own) changed.

Video slots follow the stream their viewer's negotiation gave them; for a simulcast stream, the
layer is re-chosen on every tick from the size the viewer shows it at and its bandwidth estimate
(`simulcast.py`); the layers' bitrates are measured every second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator

from townhall.media.backend import StreamInfo
from townhall.media.forwarding import InboundStream, Slot
from townhall.media.participant import Participant
from townhall.media.reports import REPORT_INTERVAL
from townhall.media.simulcast import choose_layer

logger = logging.getLogger(__name__)

SELECTION_INTERVAL = 0.1
DEADLINE_SLACK = 0.002
"""A selection for a hold that runs out is run this much after it: the event loop's clock may run
a little behind `time.monotonic` (one that still comes too early only schedules itself again)."""


class Room:
    def __init__(self, room_id: int) -> None:
        self.room_id = room_id
        self.participants: dict[int, Participant] = {}
        self._speaking: set[int] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next: asyncio.TimerHandle | None = None
        """The selection to run before the next tick, and when (`time.monotonic`)."""
        self._next_at = 0.0
        self._onset = self._speaking_started

    def video_streams(self) -> list[StreamInfo]:
        """Everyone's allowed video, in order of joining, then of the publisher's m-lines."""
        return [info for p in self.participants.values() for info in p.video_streams()]

    def watchable(self, user_id: int) -> list[StreamInfo]:
        return [info for info in self.video_streams() if info.user_id != user_id]

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Wrap a change; afterwards slots are re-decided and whoever is affected is told.

        A participant is told when the streams they may watch differ from those they know of:
        the ones their latest offer was planned with, or they were last told about.
        """
        try:
            yield
        finally:
            self._bind_watched(time.monotonic())
            self.select_speakers(time.monotonic())
            for user_id, participant in list(self.participants.items()):
                watchable = self.watchable(user_id)
                if watchable != participant.known_streams:
                    participant.known_streams = watchable
                    self._tell_streams_changed(participant)

    def add(self, participant: Participant) -> None:
        """Call inside `changing()`."""
        self.participants[participant.user_id] = participant
        if self._ticker is None:
            self._loop = asyncio.get_running_loop()
            self._ticker = self._loop.create_task(self._tick())

    def remove(self, participant: Participant) -> None:
        """Call inside `changing()`; the caller closes the participant's connection."""
        if self.participants.get(participant.user_id) is participant:
            del self.participants[participant.user_id]
        participant.detach()

    def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            self._ticker = None
        if self._next is not None:
            self._next.cancel()
            self._next = None

    async def _tick(self) -> None:
        """Speaker selection every interval; receiver reports to publishers every second."""
        reported = time.monotonic()
        while True:
            await asyncio.sleep(SELECTION_INTERVAL)
            now = time.monotonic()
            try:
                self.select_speakers(now)
                if now - reported >= REPORT_INTERVAL:
                    for participant in list(self.participants.values()):
                        participant.send_receiver_report(now)
                        for stream in participant.published("video"):
                            for layer in stream.layers:
                                layer.measure(now - reported)
                    reported = now
                self._bind_watched(now)
            except Exception:
                logger.exception("media housekeeping failed in room %d", self.room_id)

    def _bind_watched(self, now: float) -> None:
        """Point every video slot at the stream its negotiation gave it, if it still exists,
        and for simulcast at the layer that fits the viewer (`simulcast.py`)."""
        if not any(p.watching for p in self.participants.values()):
            return  # a voice-only room: nothing to bind, on every tick
        streams = {
            (p.user_id, stream.source): stream
            for p in self.participants.values()
            for stream in p.published("video")
        }
        for viewer in self.participants.values():
            watched = [
                (slot, info, streams.get((info.user_id, info.source)))
                for slot, info in viewer.watching
            ]
            layered = sum(1 for _, _, s in watched if s is not None and len(s.layers) > 1)
            budget = None
            if viewer.bandwidth is not None and layered:
                fixed = sum(
                    s.bitrate for _, _, s in watched if s is not None and len(s.layers) == 1
                )
                budget = max(0.0, viewer.bandwidth - fixed) / layered
            for slot, info, stream in watched:
                if stream is not None and len(stream.layers) > 1:
                    wanted = viewer.video_heights.get((info.user_id, info.source))
                    stream = stream.layers[_layer_for(slot, stream.layers, wanted, budget, now)]
                slot.attach(stream)

    def select_speakers(self, now: float) -> None:
        loudness: dict[InboundStream, float] = {}
        voices: dict[InboundStream, float] = {}
        for p in self.participants.values():
            for stream in p.published("audio"):
                level = stream.level
                loudness[stream] = level.loudness(now)
                voice = level.voice(now)
                if voice is not None:
                    voices[stream] = voice
                if level.on_onset is None:
                    level.on_onset = self._onset
        heard: set[InboundStream] = set()
        hearing = [p for p in self.participants.values() if p.rights.hear and p.audio_slots]
        decides_at: float | None = None
        for participant in hearing:
            choice = participant.choice
            own = {s: loud for s, loud in loudness.items() if s.user_id != participant.user_id}
            for slot_number in choice.update(own, now, voices):
                slot, holder = participant.audio_slots[slot_number], choice.holders[slot_number]
                slot.attach(holder)
                if holder is not None and participant.link.names_slot_speakers:
                    self._tell_slot_speaker(participant, slot.ssrc, holder.user_id)
            heard.update(h for h in choice.holders if h is not None)
            deadline = choice.decides_at
            if deadline is not None and (decides_at is None or deadline < decides_at):
                decides_at = deadline
        if decides_at is not None:
            self._select_at(decides_at + DEADLINE_SLACK)
        speaking = {
            stream.user_id
            for stream in voices
            if stream.source == "microphone"
            and (stream in heard or all(p.user_id == stream.user_id for p in hearing))
        }
        for user_id in speaking ^ self._speaking:
            for participant in list(self.participants.values()):
                self._tell_speaking(participant, user_id, user_id in speaking)
        self._speaking = speaking

    def _speaking_started(self) -> None:
        """A stream's packet says it started speaking: decide at once, not at the next tick."""
        self._select_at(time.monotonic())

    def _select_at(self, when: float) -> None:
        """Run the selection at `when` (`time.monotonic`) too, unless one is due by then."""
        if self._ticker is None or self._loop is None:
            return
        if self._next is not None:
            if self._next_at <= when:
                return
            self._next.cancel()
        self._next_at = when
        self._next = self._loop.call_later(max(0.0, when - time.monotonic()), self._select_now)

    def _select_now(self) -> None:
        self._next = None
        try:
            self.select_speakers(time.monotonic())
        except Exception:
            logger.exception("speaker selection failed in room %d", self.room_id)

    def _tell_speaking(self, participant: Participant, user_id: int, speaking: bool) -> None:
        try:
            participant.listener.speaking(user_id, speaking)
        except Exception:
            logger.exception("room listener of user %d failed", participant.user_id)

    def _tell_slot_speaker(self, participant: Participant, ssrc: int, user_id: int) -> None:
        try:
            participant.listener.slot_speaker(ssrc, user_id)
        except Exception:
            logger.exception("room listener of user %d failed", participant.user_id)

    def _tell_streams_changed(self, participant: Participant) -> None:
        try:
            participant.listener.streams_changed()
        except Exception:
            logger.exception("room listener of user %d failed", participant.user_id)


LAYER_GONE_SECONDS = 1.0
"""A simulcast layer that sent nothing for this long is taken as stopped by its publisher."""


def _layer_for(
    slot: Slot,
    layers: list[InboundStream],
    wanted_height: int | None,
    budget: float | None,
    now: float,
) -> int:
    current = layers.index(slot.source) if slot.source in layers else len(layers) - 1
    return choose_layer(
        current,
        [layer.size[1] if layer.size else None for layer in layers],
        [now - layer.last_packet_at < LAYER_GONE_SECONDS for layer in layers],
        [layer.bitrate for layer in layers],
        wanted_height,
        budget,
    )
