"""One typed settings object, read from the environment (`TOWNHALL_*`) and overridden by CLI flags.

Every setting is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field, replace
from pathlib import Path


class Registration(enum.StrEnum):
    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None or value == "" else int(value)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = field(default_factory=lambda: Path("data"))
    database_url: str | None = None
    """None means the embedded SQLite file `<data_dir>/townhall.sqlite3`."""
    bus_url: str | None = None
    """None means the in-process bus; `redis://host:port/db` joins several processes into one
    system."""
    bus_channel: str = "townhall:events"
    """The Redis stream key; separate systems sharing one Redis need different ones."""
    bus_retention_seconds: int = 300
    """How long the Redis stream keeps events: a node cut off for longer resynchronises."""
    public_url: str | None = None
    """The address clients reach this server at (used in invite and gateway URLs)."""
    registration: Registration = Registration.OPEN
    max_message_length: int = 2000
    rate_limits: bool = True
    rate_limit_scale: float = 1.0
    """Multiplies every route's limit; tests and benchmarks raise it."""
    log_level: str = "info"
    access_log: bool = True
    password_hash_memory_kib: int = 19 * 1024
    password_hash_time_cost: int = 2
    replay_buffer_events: int = 1000
    replay_buffer_seconds: int = 120
    heartbeat_interval_ms: int = 41250
    workers: int = 1
    """Processes serving the port together (each a node; more than one needs `bus_url`)."""
    resume_port: int | None = None
    """Set by the supervisor in each worker: the worker's own port, for `resume_gateway_url`."""

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'townhall.sqlite3').resolve()}"

    @property
    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        settings = cls(
            host=env.get("TOWNHALL_HOST", cls.host),
            port=_env_int("TOWNHALL_PORT", cls.port),
            data_dir=Path(env.get("TOWNHALL_DATA_DIR", "data")),
            database_url=env.get("TOWNHALL_DATABASE_URL") or None,
            bus_url=env.get("TOWNHALL_BUS_URL") or None,
            bus_channel=env.get("TOWNHALL_BUS_CHANNEL", cls.bus_channel),
            bus_retention_seconds=_env_int(
                "TOWNHALL_BUS_RETENTION_SECONDS", cls.bus_retention_seconds
            ),
            public_url=env.get("TOWNHALL_PUBLIC_URL") or None,
            registration=Registration(env.get("TOWNHALL_REGISTRATION", Registration.OPEN)),
            max_message_length=_env_int("TOWNHALL_MAX_MESSAGE_LENGTH", cls.max_message_length),
            rate_limits=_env_bool("TOWNHALL_RATE_LIMITS", cls.rate_limits),
            rate_limit_scale=float(env.get("TOWNHALL_RATE_LIMIT_SCALE", cls.rate_limit_scale)),
            log_level=env.get("TOWNHALL_LOG_LEVEL", cls.log_level),
            access_log=_env_bool("TOWNHALL_ACCESS_LOG", cls.access_log),
            password_hash_memory_kib=_env_int(
                "TOWNHALL_PASSWORD_HASH_MEMORY_KIB", cls.password_hash_memory_kib
            ),
            password_hash_time_cost=_env_int(
                "TOWNHALL_PASSWORD_HASH_TIME_COST", cls.password_hash_time_cost
            ),
            replay_buffer_events=_env_int(
                "TOWNHALL_REPLAY_BUFFER_EVENTS", cls.replay_buffer_events
            ),
            replay_buffer_seconds=_env_int(
                "TOWNHALL_REPLAY_BUFFER_SECONDS", cls.replay_buffer_seconds
            ),
            heartbeat_interval_ms=_env_int(
                "TOWNHALL_HEARTBEAT_INTERVAL_MS", cls.heartbeat_interval_ms
            ),
            workers=_env_int("TOWNHALL_WORKERS", cls.workers),
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
