"""Voice, video and screen share: the media side under the voice gateway.

`backend.py` is the interface the signalling layer calls and its value types; `sfu.py` is the
embedded implementation. This package is its own layer: it imports nothing from api/, gateway/,
actions/ or store/.
"""

from townhall.media.backend import (
    Answer,
    AudioSlot,
    BadOffer,
    MediaBackend,
    MediaError,
    NotConnected,
    Offer,
    Rights,
    RoomListener,
    Source,
    StreamInfo,
    VideoSlot,
)
from townhall.media.sfu import EmbeddedSfu
from townhall.media.workers import WorkerPoolSfu

__all__ = [
    "Answer",
    "AudioSlot",
    "BadOffer",
    "EmbeddedSfu",
    "MediaBackend",
    "MediaError",
    "NotConnected",
    "Offer",
    "Rights",
    "RoomListener",
    "Source",
    "StreamInfo",
    "VideoSlot",
    "WorkerPoolSfu",
]
