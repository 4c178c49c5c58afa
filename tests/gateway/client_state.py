"""What a Discord client knows of a guild, built the way clients build it: from GUILD_CREATE and
every later event. Tests compare it with what a fresh IDENTIFY shows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class GuildView:
    """Channels (id → overwrites), roles (id → permissions, position), members (id → role ids)."""

    channels: dict[str, list[Json]] = field(default_factory=dict)
    roles: dict[str, tuple[str, int]] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)
    owner_id: str = ""

    @classmethod
    def from_guild_create(cls, guild: Json) -> GuildView:
        view = cls(owner_id=guild["owner_id"])
        for channel in guild["channels"]:
            view.channels[channel["id"]] = _overwrites(channel)
        for role in guild["roles"]:
            view.roles[role["id"]] = (role["permissions"], role["position"])
        for member in guild.get("members", ()):
            view.members[member["user"]["id"]] = sorted(member["roles"])
        return view

    def apply(self, event_type: str, data: Json) -> None:
        if event_type in ("CHANNEL_CREATE", "CHANNEL_UPDATE"):
            self.channels[data["id"]] = _overwrites(data)
        elif event_type == "CHANNEL_DELETE":
            self.channels.pop(data["id"], None)
        elif event_type in ("GUILD_ROLE_CREATE", "GUILD_ROLE_UPDATE"):
            role = data["role"]
            self.roles[role["id"]] = (role["permissions"], role["position"])
        elif event_type == "GUILD_ROLE_DELETE":
            self.roles.pop(data["role_id"], None)
            for user_id, roles in self.members.items():
                self.members[user_id] = [r for r in roles if r != data["role_id"]]
        elif event_type in ("GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"):
            self.members[data["user"]["id"]] = sorted(data["roles"])
        elif event_type == "GUILD_MEMBER_REMOVE":
            self.members.pop(data["user"]["id"], None)
        elif event_type == "GUILD_UPDATE":
            self.owner_id = data["owner_id"]
            self.roles = {r["id"]: (r["permissions"], r["position"]) for r in data["roles"]}


def _overwrites(channel: Json) -> list[Json]:
    return sorted(channel.get("permission_overwrites") or [], key=lambda o: o["id"])


def guild_views(payloads: list[Json]) -> dict[str, GuildView | None]:
    """Each guild as a client that received these payloads sees it (None: it left the guild)."""
    views: dict[str, GuildView | None] = {}
    for payload in payloads:
        if payload.get("op") != 0:
            continue
        kind, data = payload["t"], payload["d"]
        if kind == "GUILD_CREATE":
            views[data["id"]] = GuildView.from_guild_create(data)
        elif kind == "GUILD_DELETE":
            views[data["id"]] = None
        elif isinstance(data, dict):
            guild_id = data["id"] if kind == "GUILD_UPDATE" else data.get("guild_id")
            view = views.get(guild_id) if guild_id else None
            if view is not None:
                view.apply(kind, data)
    return views
