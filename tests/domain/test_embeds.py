"""Tests for townhall.domain.embeds: Discord's embed limits and what a sender may set."""

from __future__ import annotations

import pytest

from townhall.domain.embeds import has_visible_content, validate_embeds
from townhall.domain.errors import InvalidFormBody


def test_a_valid_embed_keeps_what_a_sender_may_set_and_is_always_rich() -> None:
    (embed,) = validate_embeds(
        [
            {
                "type": "video",
                "title": " Title ",
                "provider": {"name": "spoof"},
                "image": {"url": "https://example.com/a.png", "width": 9999},
                "fields": [{"name": "n", "value": "v", "inline": True}],
            }
        ]
    )
    assert embed == {
        "type": "rich",
        "title": "Title",
        "image": {"url": "https://example.com/a.png"},
        "fields": [{"name": "n", "value": "v", "inline": True}],
    }


@pytest.mark.parametrize(
    ("embeds", "path"),
    [
        ([{"title": "t" * 257}], "title"),
        ([{"description": "d" * 4097}], "description"),
        ([{"fields": [{"name": "n", "value": "v"}] * 26}], "fields"),
        ([{"fields": [{"name": "n"}]}], "value"),
        ([{"footer": {"text": "f" * 2049}}], "text"),
        ([{"url": "javascript:alert(1)"}], "url"),
        ([{"color": 0x1000000}], "color"),
        ([{"title": "t"}] * 11, "embeds"),
        ([{"description": "d" * 4000}, {"description": "d" * 2001}], "embeds"),
    ],
)
def test_limits_are_enforced_with_the_offending_field_named(
    embeds: list[dict[str, object]], path: str
) -> None:
    with pytest.raises(InvalidFormBody) as raised:
        validate_embeds(embeds)
    assert path in str(raised.value.errors)


def test_an_embed_with_only_a_colour_is_not_content() -> None:
    assert not has_visible_content(validate_embeds([{"color": 5}]))
    assert has_visible_content(validate_embeds([{"title": "x"}]))
