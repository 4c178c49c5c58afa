"""Rules of reactions: which emoji a reaction may use, and how many kinds a message may carry.

townhall has no custom emoji yet, so a reaction is a Unicode emoji. Discord answers 10014 Unknown
Emoji for anything it cannot resolve, including a custom `name:id` it does not know; we do the same.
"""

from __future__ import annotations

import unicodedata

from townhall.domain.errors import UnknownEmoji

MAX_DISTINCT_REACTIONS = 20
"""Distinct emoji on one message (Discord's 30010)."""
EMOJI_MAX_BYTES = 64

_ZWJ = "\u200d"
_KEYCAP = "\u20e3"
_VARIATION_SELECTORS = frozenset({"\ufe0e", "\ufe0f"})
_SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
_TAGS = frozenset(chr(c) for c in range(0xE0020, 0xE0080))
_KEYCAP_BASES = frozenset("0123456789#*")
_KEYCAP_TAILS = ("\ufe0f\u20e3", _KEYCAP)
_JOINERS = _VARIATION_SELECTORS | _SKIN_TONES | _TAGS | {_ZWJ, _KEYCAP}


def _is_pictograph(char: str) -> bool:
    return unicodedata.category(char) == "So" or char in ("\u00a9", "\u00ae", "\u203c", "\u2049")


def reaction_emoji(value: str) -> str:
    """The emoji of a reaction path segment (already percent-decoded), or 10014.

    Accepts a single emoji as clients send it: pictographs with variation selectors, skin tones,
    zero-width joiner sequences, flags (regional indicators or tag sequences) and keycaps.
    """
    if not value or len(value.encode()) > EMOJI_MAX_BYTES:
        raise UnknownEmoji()
    has_pictograph = False
    for index, char in enumerate(value):
        if char in _JOINERS:
            continue
        keycap = char in _KEYCAP_BASES and value[index + 1 : index + 3] in _KEYCAP_TAILS
        if not (keycap or _is_pictograph(char)):
            raise UnknownEmoji()
        has_pictograph = True
    if not has_pictograph:
        raise UnknownEmoji()
    return value
