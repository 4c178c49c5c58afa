"""Samples of the interaction events for tests/events/test_catalog.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from townhall.domain.commands import (
    Command,
    CommandPermission,
    CommandSpec,
    GuildCommandPermissions,
    OptionType,
)
from townhall.domain.components import modal
from townhall.domain.interactions import (
    CommandData,
    GivenOption,
    Interaction,
    InteractionCreated,
    InteractionOutcome,
    InteractionSource,
    InteractionType,
    ModalShown,
    Resolved,
    Suggestion,
    SuggestionsShown,
)
from townhall.domain.models import Channel, ChannelType, Guild, Member, User

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
GUILD, CHANNEL, USER, APP = 1_000, 2_000, 3_000, 7_000
alice = User(USER, "alice")
command = Command(7_100, APP, None, 7_101, CommandSpec("roll", description="Roll a die"))
interaction = Interaction(
    7_200,
    APP,
    InteractionType.APPLICATION_COMMAND,
    USER,
    GUILD,
    CHANNEL,
    NOW,
    InteractionSource(command_id=command.id, name="roll", command_type=1),
    nonce="n1",
)
shown_modal = modal(
    {
        "custom_id": "feedback",
        "title": "Feedback",
        "components": [
            {"type": 1, "components": [{"type": 4, "custom_id": "text", "label": "Say"}]}
        ],
    }
)

SAMPLES: dict[str, Any] = {
    "INTERACTION_CREATE": InteractionCreated(
        interaction=interaction,
        token="token",
        user=alice,
        member=Member(GUILD, alice, NOW),
        permissions=1 << 31,
        app_permissions=1 << 11,
        channel=Channel(CHANNEL, ChannelType.GUILD_TEXT, guild_id=GUILD, name="general"),
        guild=Guild(GUILD, "Club", owner_id=USER),
        locale="en-US",
        data=CommandData(command, (GivenOption("sides", OptionType.INTEGER, 6),)),
        resolved=Resolved(users={USER: alice}),
    ),
    "INTERACTION_SUCCESS": InteractionOutcome(interaction.id, "n1"),
    "INTERACTION_FAILURE": InteractionOutcome(interaction.id, None),
    "INTERACTION_MODAL_CREATE": ModalShown(interaction.id, "n1", CHANNEL, APP, "Dice", shown_modal),
    "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE": SuggestionsShown(
        interaction.id, "n1", (Suggestion("Six", 6),)
    ),
    "APPLICATION_COMMAND_PERMISSIONS_UPDATE": GuildCommandPermissions(
        command.id, APP, GUILD, (CommandPermission(GUILD, 1, False),)
    ),
}
