"""Tests for townhall.domain.mentions: parsing, and Discord's `allowed_mentions` rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from townhall.domain.errors import InvalidFormBody
from townhall.domain.mentions import (
    DEFAULT_ALLOWED_MENTIONS,
    AllowedMentions,
    Mentions,
    ParsedMentions,
    allowed_mentions,
    only_here,
    parse_mentions,
    resolve_mentions,
)

ALICE, BOB, CAROL = 101, 102, 103
ROLE, OTHER_ROLE = 201, 202


def test_parses_users_nicknames_roles_and_everyone_in_order_without_duplicates() -> None:
    parsed = parse_mentions(f"<@{BOB}> hi <@!{ALICE}> <@&{ROLE}> <@{BOB}> @here")
    assert parsed == ParsedMentions(user_ids=(BOB, ALICE), role_ids=(ROLE,), everyone=True)


def test_text_that_only_looks_like_a_mention_is_not_one() -> None:
    for text in ("<@abc>", "<@ 101>", "<@&>", "@every one", "<#101>", "<@101", "@101"):
        assert parse_mentions(text) == ParsedMentions(), text


def test_ids_beyond_64_bits_are_ignored() -> None:
    assert parse_mentions(f"<@{2**64}>").user_ids == ()


@given(st.text(max_size=300))
def test_parsing_never_fails_and_finds_only_what_the_text_contains(text: str) -> None:
    parsed = parse_mentions(text)
    for user_id in parsed.user_ids:
        assert str(user_id) in text
    assert parsed.everyone == ("@everyone" in text or "@here" in text)


def resolve(
    content: str,
    allowed: AllowedMentions = DEFAULT_ALLOWED_MENTIONS,
    *,
    may_mention_everyone: bool = True,
    replied_author_id: int | None = None,
) -> Mentions:
    """Alice and Bob exist (Carol does not); ROLE may be pinged, OTHER_ROLE may not."""
    return resolve_mentions(
        parse_mentions(content),
        allowed,
        existing_user_ids={ALICE, BOB},
        pingable_role_ids={ROLE},
        may_mention_everyone=may_mention_everyone,
        replied_author_id=replied_author_id,
    )


def test_by_default_every_kind_is_pinged_when_it_exists_and_may_be_pinged() -> None:
    mentions = resolve(f"@everyone <@{ALICE}> <@{CAROL}> <@&{ROLE}> <@&{OTHER_ROLE}>")
    assert mentions.user_ids == (ALICE,)
    assert mentions.role_ids == (ROLE,)
    assert mentions.everyone is True


def test_everyone_needs_mention_everyone_permission() -> None:
    assert resolve("@everyone", may_mention_everyone=False).everyone is False


def test_empty_parse_suppresses_everything() -> None:
    mentions = resolve(f"@everyone <@{ALICE}> <@&{ROLE}>", allowed_mentions([], None, None, None))
    assert (mentions.user_ids, mentions.role_ids, mentions.everyone) == ((), (), False)


def test_listed_ids_are_pinged_only_when_they_appear_in_the_content() -> None:
    allowed = allowed_mentions(["everyone"], [ALICE, BOB], None, None)
    mentions = resolve(f"@everyone <@{ALICE}> <@&{ROLE}>", allowed)
    assert mentions.user_ids == (ALICE,)
    assert mentions.role_ids == ()
    assert mentions.everyone is True


def test_missing_parse_means_only_what_is_listed() -> None:
    allowed = allowed_mentions(None, None, [ROLE], None)
    mentions = resolve(f"@everyone <@{ALICE}> <@&{ROLE}>", allowed)
    assert (mentions.user_ids, mentions.role_ids, mentions.everyone) == ((), (ROLE,), False)


def test_parse_and_a_list_of_the_same_kind_conflict() -> None:
    with pytest.raises(InvalidFormBody) as raised:
        allowed_mentions(["users"], [ALICE], None, None)
    assert "users" in str(raised.value.errors["allowed_mentions"])
    allowed_mentions(["users"], [], None, None)  # an empty list is no conflict, as Discord says


def test_unknown_parse_type_and_too_many_ids_are_refused() -> None:
    with pytest.raises(InvalidFormBody):
        allowed_mentions(["channels"], None, None, None)
    with pytest.raises(InvalidFormBody):
        allowed_mentions(None, list(range(101)), None, None)


def test_replied_author_is_pinged_by_default_but_not_when_replied_user_is_false() -> None:
    assert resolve("thanks", replied_author_id=BOB).user_ids == (BOB,)
    quiet = allowed_mentions([], None, None, False)
    assert resolve("thanks", quiet, replied_author_id=BOB).user_ids == ()
    loud = allowed_mentions([], None, None, True)
    assert resolve("thanks", loud, replied_author_id=BOB).user_ids == (BOB,)


def test_here_alone_is_for_those_online_and_everyone_beside_it_wins() -> None:
    assert only_here("@here lunch?")
    assert not only_here("@here and @everyone: lunch")
    assert not only_here("@everyone lunch")
    assert not only_here("lunch, anyone?")
