"""Application commands and a guild's command permissions."""

from __future__ import annotations

from collections.abc import Collection, Sequence

import orjson
from sqlalchemy import RowMapping, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from townhall.domain.commands import (
    Command,
    CommandPermission,
    CommandSpec,
    CommandType,
    GuildCommandPermissions,
    document,
    from_document,
)
from townhall.domain.models import Application
from townhall.store.schema import (
    application_command_permissions,
    application_commands,
    applications,
    members,
)

GLOBAL = 0
"""The `scope_id` of global commands."""


def _command(row: RowMapping) -> Command:
    guild_id = row["guild_id"]
    return Command(
        id=row["id"],
        application_id=row["application_id"],
        guild_id=guild_id,
        version=row["version"],
        spec=from_document(orjson.loads(row["spec"]), guild_scoped=guild_id is not None),
    )


def _scope(guild_id: int | None) -> int:
    return GLOBAL if guild_id is None else guild_id


async def commands_of(
    conn: AsyncConnection, application_id: int, guild_id: int | None
) -> list[Command]:
    """An application's commands of one scope (global, or one guild), oldest first."""
    query = (
        select(application_commands)
        .where(
            application_commands.c.application_id == application_id,
            application_commands.c.scope_id == _scope(guild_id),
        )
        .order_by(application_commands.c.id)
    )
    return [_command(row) for row in (await conn.execute(query)).mappings()]


async def usable_in_guild(
    conn: AsyncConnection, application_ids: Collection[int], guild_id: int
) -> list[Command]:
    """The global and this guild's commands of these applications."""
    if not application_ids:
        return []
    query = (
        select(application_commands)
        .where(
            application_commands.c.application_id.in_(list(application_ids)),
            application_commands.c.scope_id.in_([GLOBAL, guild_id]),
        )
        .order_by(application_commands.c.application_id, application_commands.c.id)
    )
    return [_command(row) for row in (await conn.execute(query)).mappings()]


async def get_command(
    conn: AsyncConnection, application_id: int, command_id: int
) -> Command | None:
    query = select(application_commands).where(
        application_commands.c.id == command_id,
        application_commands.c.application_id == application_id,
    )
    row = (await conn.execute(query)).mappings().first()
    return _command(row) if row else None


async def find_by_name(
    conn: AsyncConnection, application_id: int, guild_id: int | None, kind: CommandType, name: str
) -> Command | None:
    query = select(application_commands).where(
        application_commands.c.application_id == application_id,
        application_commands.c.scope_id == _scope(guild_id),
        application_commands.c.type == int(kind),
        application_commands.c.name == name,
    )
    row = (await conn.execute(query)).mappings().first()
    return _command(row) if row else None


async def count_of_type(
    conn: AsyncConnection, application_id: int, guild_id: int | None, kind: CommandType
) -> int:
    query = select(func.count()).where(
        application_commands.c.application_id == application_id,
        application_commands.c.scope_id == _scope(guild_id),
        application_commands.c.type == int(kind),
    )
    return int((await conn.execute(query)).scalar_one())


def _spec_json(spec: CommandSpec) -> str:
    return orjson.dumps(document(spec)).decode()


async def insert_command(conn: AsyncConnection, command: Command) -> None:
    await conn.execute(
        insert(application_commands).values(
            id=command.id,
            application_id=command.application_id,
            scope_id=_scope(command.guild_id),
            guild_id=command.guild_id,
            type=int(command.spec.type),
            name=command.spec.name,
            version=command.version,
            spec=_spec_json(command.spec),
        )
    )


async def replace_command(conn: AsyncConnection, command: Command) -> None:
    await conn.execute(
        update(application_commands)
        .where(application_commands.c.id == command.id)
        .values(name=command.spec.name, version=command.version, spec=_spec_json(command.spec))
    )


async def delete_commands(conn: AsyncConnection, command_ids: Sequence[int]) -> None:
    if command_ids:
        ids = list(command_ids)
        await conn.execute(delete(application_commands).where(application_commands.c.id.in_(ids)))
        await conn.execute(
            delete(application_command_permissions).where(
                application_command_permissions.c.target_id.in_(ids)
            )
        )


# -- permissions ---------------------------------------------------------------------------------


async def clear_permissions(conn: AsyncConnection, command_id: int) -> None:
    """A renamed command loses its overwrites in every guild, as on Discord."""
    await conn.execute(
        delete(application_command_permissions).where(
            application_command_permissions.c.target_id == command_id
        )
    )


def _permissions(row: RowMapping) -> GuildCommandPermissions:
    return GuildCommandPermissions(
        id=row["target_id"],
        application_id=row["application_id"],
        guild_id=row["guild_id"],
        permissions=tuple(
            CommandPermission(int(p["id"]), p["type"], p["permission"])
            for p in orjson.loads(row["permissions"])
        ),
    )


async def permissions_in_guild(
    conn: AsyncConnection, application_ids: Collection[int], guild_id: int
) -> list[GuildCommandPermissions]:
    """The overwrites these applications' commands (and the applications) have in the guild."""
    if not application_ids:
        return []
    query = (
        select(application_command_permissions)
        .where(
            application_command_permissions.c.guild_id == guild_id,
            application_command_permissions.c.application_id.in_(list(application_ids)),
        )
        .order_by(application_command_permissions.c.target_id)
    )
    return [_permissions(row) for row in (await conn.execute(query)).mappings()]


async def permissions_of(
    conn: AsyncConnection, guild_id: int, target_ids: Collection[int]
) -> dict[int, GuildCommandPermissions]:
    query = select(application_command_permissions).where(
        application_command_permissions.c.guild_id == guild_id,
        application_command_permissions.c.target_id.in_(list(target_ids)),
    )
    return {row["target_id"]: _permissions(row) for row in (await conn.execute(query)).mappings()}


async def set_permissions(conn: AsyncConnection, permissions: GuildCommandPermissions) -> None:
    """Replace the overwrites of one command (or application) in a guild; none removes them."""
    await conn.execute(
        delete(application_command_permissions).where(
            application_command_permissions.c.guild_id == permissions.guild_id,
            application_command_permissions.c.target_id == permissions.id,
        )
    )
    if permissions.permissions:
        body = [
            {"id": str(p.id), "type": p.type, "permission": p.permission}
            for p in permissions.permissions
        ]
        await conn.execute(
            insert(application_command_permissions).values(
                guild_id=permissions.guild_id,
                target_id=permissions.id,
                application_id=permissions.application_id,
                permissions=orjson.dumps(body).decode(),
            )
        )


async def applications_in_guild(conn: AsyncConnection, guild_id: int) -> list[Application]:
    """The applications whose bot is a member of the guild."""
    query = (
        select(applications)
        .select_from(
            applications.join(
                members,
                (members.c.user_id == applications.c.bot_user_id)
                & (members.c.guild_id == guild_id),
            )
        )
        .order_by(applications.c.id)
    )
    return [
        Application(**{key: row[key] for key in Application.__dataclass_fields__})
        for row in (await conn.execute(query)).mappings()
    ]
