"""Who may use a command: Discord's order of command permissions (pure)."""

from __future__ import annotations

from townhall.domain.commands import (
    CHANNEL,
    ROLE,
    USER,
    CommandPermission,
    CommandSpec,
    all_channels,
    document,
    may_use,
    parse_command,
)
from townhall.domain.permissions import Permission as P

GUILD, CHANNEL_ID, MEMBER, ROLE_ID = 100, 200, 300, 400
EVERYONE = P.VIEW_CHANNEL | P.SEND_MESSAGES | P.USE_APPLICATION_COMMANDS
SPEC = CommandSpec("roll", description="Roll")


def use(spec: CommandSpec = SPEC, permissions: int = EVERYONE, **levels: object) -> bool:
    return may_use(
        spec,
        guild_id=GUILD,
        user_id=MEMBER,
        role_ids=(GUILD, ROLE_ID),
        channel_id=CHANNEL_ID,
        channel_permissions=permissions,
        **levels,  # type: ignore[arg-type]
    )


def allow(target: int, kind: int, permission: bool = True) -> CommandPermission:
    return CommandPermission(target, kind, permission)


def test_without_overwrites_default_member_permissions_decide() -> None:
    assert use()
    assert not use(CommandSpec("ban", description="Ban", default_member_permissions=0))
    managers = CommandSpec(
        "tidy", description="Tidy", default_member_permissions=int(P.MANAGE_GUILD)
    )
    assert not use(managers) and use(managers, EVERYONE | P.MANAGE_GUILD)


def test_administrators_may_use_everything() -> None:
    denied = (allow(MEMBER, USER, False), allow(CHANNEL_ID, CHANNEL, False))
    admin = EVERYONE | P.ADMINISTRATOR
    assert use(CommandSpec("ban", description="Ban", default_member_permissions=0), admin)
    assert use(permissions=admin, command_overwrites=denied)


def test_the_member_beats_their_roles_which_beat_everyone() -> None:
    everyone_off = allow(GUILD, ROLE, False)
    assert not use(command_overwrites=(everyone_off,))
    assert use(command_overwrites=(everyone_off, allow(ROLE_ID, ROLE)))
    assert not use(command_overwrites=(allow(ROLE_ID, ROLE), allow(MEMBER, USER, False)))
    roles_mixed = (allow(ROLE_ID, ROLE, False), allow(ROLE_ID + 1, ROLE))
    assert not use(command_overwrites=roles_mixed)  # the member has only the first role


def test_the_commands_own_overwrites_come_before_the_applications() -> None:
    app_off = (allow(GUILD, ROLE, False),)
    assert not use(application_overwrites=app_off)
    assert use(command_overwrites=(allow(MEMBER, USER),), application_overwrites=app_off)
    zero = CommandSpec("ban", description="Ban", default_member_permissions=0)
    assert use(zero, command_overwrites=(allow(ROLE_ID, ROLE),))  # an overwrite beats the default


def test_a_disabled_channel_refuses_whoever_is_allowed() -> None:
    here_off = (allow(CHANNEL_ID, CHANNEL, False), allow(MEMBER, USER))
    assert not use(command_overwrites=here_off)
    everywhere_off = (allow(all_channels(GUILD), CHANNEL, False),)
    assert not use(application_overwrites=everywhere_off)
    but_here = (allow(CHANNEL_ID, CHANNEL),)
    assert use(command_overwrites=but_here, application_overwrites=everywhere_off)


def test_a_stored_command_reads_back_as_it_was() -> None:
    spec = parse_command(
        {
            "name": "admin",
            "description": "Admin",
            "name_localizations": {"de": "verwaltung"},
            "options": [
                {
                    "type": 1,
                    "name": "kick",
                    "description": "Kick",
                    "options": [
                        {"type": 6, "name": "who", "description": "Who", "required": True},
                        {
                            "type": 10,
                            "name": "weight",
                            "description": "How hard",
                            "min_value": 0.5,
                            "max_value": 2,
                        },
                    ],
                }
            ],
        },
        guild_scoped=False,
    )
    assert parse_command(document(spec), guild_scoped=False) == spec
