"""Tests for townhall.domain.reactions: which path segments are a reaction's emoji."""

from __future__ import annotations

import pytest

from townhall.domain.errors import UnknownEmoji
from townhall.domain.reactions import reaction_emoji


@pytest.mark.parametrize(
    "emoji",
    ["✅", "👍", "👍🏽", "👩‍💻", "🏳️‍🌈", "🇫🇷", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "1️⃣", "#⃣", "❤️", "©️", "☺"],
)
def test_unicode_emoji_as_clients_send_them_are_accepted(emoji: str) -> None:
    assert reaction_emoji(emoji) == emoji


@pytest.mark.parametrize(
    "text",
    [
        "",
        "a",
        "abc",
        "1",
        "party:123456789012345678",
        "✅ ",
        " ✅",
        "👍" * 17,
        "\u200d",
        "\ufe0f",
        "<script>",
    ],
)
def test_anything_else_is_unknown_emoji(text: str) -> None:
    with pytest.raises(UnknownEmoji):
        reaction_emoji(text)
