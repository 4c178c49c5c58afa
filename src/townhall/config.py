"""One typed settings object, read from the environment (`TOWNHALL_*`) and overridden by CLI flags.

Every setting is documented in docs/configuration.md; keep the two in step.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field, replace
from pathlib import Path


class Scanning(enum.StrEnum):
    OFF = "off"
    """Files are shown at once."""
    REQUIRED = "required"
    """Only their uploader sees files until clamd says they are clean."""


class MediaBackendKind(enum.StrEnum):
    EMBEDDED = "embedded"
    """The SFU inside townhall."""
    JANUS = "janus"
    """Janus servers (audio through AudioBridge; see docs/decisions/0012-janus-backend.md)."""


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


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return default if value is None or value == "" else float(value)


def _env_list(name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in os.environ.get(name, "").split(",") if item.strip())


def _port_range(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    low, _, high = value.partition("-")
    first, last = int(low), int(high or low)
    if not 0 < first <= last < 65536:
        raise ValueError(f"TOWNHALL_VOICE_PORTS must be like 50000-50999, not {value!r}")
    return first, last


ICE_SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


def _ice_urls(value: str | None, secret: str | None) -> tuple[str, ...]:
    """STUN and TURN server URLs for the browsers (RFC 7064, 7065); TURN ones need the secret
    that their credentials are minted with, or browsers would refuse the whole configuration."""
    urls = tuple(item.strip() for item in (value or "").split(",") if item.strip())
    for url in urls:
        if not url.startswith(ICE_SCHEMES):
            raise ValueError(f"TOWNHALL_TURN_URLS: {url!r} is not a stun:, turn: or turns: URL")
        if url.startswith(("turn:", "turns:")) and not secret:
            raise ValueError(f"TOWNHALL_TURN_URLS: {url!r} needs TOWNHALL_TURN_SECRET")
    return urls


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
    replay_buffer_bytes: int = 2 * 1024 * 1024
    gateway_identify_timeout_seconds: float = 30.0
    """A gateway connection that has not identified (or resumed) by then is closed with 4003."""
    gateway_connections_per_address: int = 250
    gateway_presence_window_seconds: float = 20.0
    """Each user's presence reaches others at most 5 times per this window; more are coalesced."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed; none by default."""
    http_header_timeout_seconds: float = 10.0
    http_keep_alive_seconds: int = 5
    max_json_body_bytes: int = 256 * 1024
    max_upload_request_bytes: int = 25 * 1024 * 1024
    """A message's files sent with it (`multipart/form-data`), all together."""
    max_file_bytes: int = 2 * 1024**3
    """One file through a resumable upload (`/api/v10/uploads`)."""
    upload_expiry_seconds: int = 24 * 3600
    """An unfinished resumable upload untouched this long is removed."""
    files_dir: Path | None = None
    """None means `<data_dir>/files`; also holds `staging/` for uploads in progress."""
    storage_url: str | None = None
    """None means the local `files_dir`; `s3://bucket/prefix` keeps files in S3-compatible
    storage (endpoint from `TOWNHALL_S3_ENDPOINT_URL`, credentials the usual `AWS_*` way)."""
    s3_endpoint_url: str | None = None
    scan: Scanning = Scanning.OFF
    clamd_socket: str = "/run/clamav/clamd.ctl"
    max_image_pixels: int = 50_000_000
    """Images claiming more pixels are kept as plain files, never decoded (decompression bombs)."""
    user_storage_quota_bytes: int = 10 * 1024**3
    """What one person's files may take in all (0: no limit)."""
    guild_storage_quota_bytes: int = 100 * 1024**3
    """What one community's files may take in all (0: no limit)."""
    sign_in_failures: int = 5
    """Failed sign-ins per account within `sign_in_window_seconds` before backoff starts."""
    sign_in_window_seconds: int = 30 * 60
    sign_in_backoff_seconds: float = 60.0
    """The first backoff; each further failure doubles it, up to the window."""
    voice_addresses: tuple[str, ...] = ()
    """Where the SFU offers ICE host candidates; empty means every interface but loopback."""
    voice_ports: tuple[int, int] | None = None
    """An inclusive UDP port range for media (`50000-50999`), for firewalls; None: any port."""
    voice_audio_slots: int = 3
    """How many of the loudest speakers each listener hears at once."""
    voice_workers: int | None = None
    """Processes that carry voice rooms (0: inside the server process). None: one per core but
    one on machines with four cores or more, none on smaller ones (a second process only pays
    once one core is near full; see docs/decisions/0011-embedded-sfu.md)."""
    turn_urls: tuple[str, ...] = ()
    """STUN/TURN servers the browsers use to reach the SFU (`turn:host:3478?transport=udp`)."""
    turn_secret: str | None = None
    """coturn's `static-auth-secret`: TURN credentials are minted with it (domain/voice.py)."""
    turn_ttl_seconds: int = 12 * 3600
    """How long minted TURN credentials last; a voice connection gets fresh ones at READY."""
    call_ring_seconds: int = 60
    """A call rings those who neither join nor decline for this long."""
    media_backend: MediaBackendKind = MediaBackendKind.EMBEDDED
    janus_urls: tuple[str, ...] = ()
    """Janus HTTP API addresses (`http://host:8088/janus`), the same list on every node."""
    janus_admin_key: str | None = None
    janus_api_secret: str | None = None
    janus_token_secret: str | None = None
    push_contact: str | None = None
    """The VAPID `sub` push services may reach the operator at (`mailto:…` or `https://…`);
    None: the public URL if it is https, else `mailto:townhall@localhost` (some services,
    Apple's among them, refuse that: set it in production)."""
    push_allow_loopback: bool = False
    """Accept push subscriptions whose endpoint is on this machine (http too): tests and
    development only, as the server POSTs to whatever endpoint a subscription names."""
    visitors_per_address: int = 20
    """Anonymous sessions (visitors of public channels) one client address may hold on a node."""
    visitors_per_node: int = 2000
    """Anonymous sessions a node holds in all; members are never refused for them."""
    visitor_reads: int = 40
    """Tokenless reads of public channels per client address per `visitor_reads_seconds`."""
    visitor_reads_seconds: float = 10.0

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'townhall.sqlite3').resolve()}"

    @property
    def effective_files_dir(self) -> Path:
        return self.files_dir or self.data_dir / "files"

    @property
    def effective_voice_workers(self) -> int:
        if self.voice_workers is not None:
            return self.voice_workers
        cores = os.cpu_count() or 1
        return cores - 1 if cores >= 4 else 0

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
            replay_buffer_bytes=_env_int("TOWNHALL_REPLAY_BUFFER_BYTES", cls.replay_buffer_bytes),
            gateway_identify_timeout_seconds=_env_float(
                "TOWNHALL_GATEWAY_IDENTIFY_TIMEOUT_SECONDS", cls.gateway_identify_timeout_seconds
            ),
            gateway_connections_per_address=_env_int(
                "TOWNHALL_GATEWAY_CONNECTIONS_PER_ADDRESS", cls.gateway_connections_per_address
            ),
            gateway_presence_window_seconds=_env_float(
                "TOWNHALL_GATEWAY_PRESENCE_WINDOW_SECONDS", cls.gateway_presence_window_seconds
            ),
            trusted_proxies=_env_list("TOWNHALL_TRUSTED_PROXIES"),
            http_header_timeout_seconds=_env_float(
                "TOWNHALL_HTTP_HEADER_TIMEOUT_SECONDS", cls.http_header_timeout_seconds
            ),
            http_keep_alive_seconds=_env_int(
                "TOWNHALL_HTTP_KEEP_ALIVE_SECONDS", cls.http_keep_alive_seconds
            ),
            max_json_body_bytes=_env_int("TOWNHALL_MAX_JSON_BODY_BYTES", cls.max_json_body_bytes),
            max_upload_request_bytes=_env_int(
                "TOWNHALL_MAX_UPLOAD_REQUEST_BYTES", cls.max_upload_request_bytes
            ),
            max_file_bytes=_env_int("TOWNHALL_MAX_FILE_BYTES", cls.max_file_bytes),
            upload_expiry_seconds=_env_int(
                "TOWNHALL_UPLOAD_EXPIRY_SECONDS", cls.upload_expiry_seconds
            ),
            files_dir=Path(env["TOWNHALL_FILES_DIR"]) if env.get("TOWNHALL_FILES_DIR") else None,
            storage_url=env.get("TOWNHALL_STORAGE_URL") or None,
            s3_endpoint_url=env.get("TOWNHALL_S3_ENDPOINT_URL") or None,
            scan=Scanning(env.get("TOWNHALL_SCAN", cls.scan)),
            clamd_socket=env.get("TOWNHALL_CLAMD_SOCKET", cls.clamd_socket),
            max_image_pixels=_env_int("TOWNHALL_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            user_storage_quota_bytes=_env_int(
                "TOWNHALL_USER_STORAGE_QUOTA_BYTES", cls.user_storage_quota_bytes
            ),
            guild_storage_quota_bytes=_env_int(
                "TOWNHALL_GUILD_STORAGE_QUOTA_BYTES", cls.guild_storage_quota_bytes
            ),
            sign_in_failures=_env_int("TOWNHALL_SIGN_IN_FAILURES", cls.sign_in_failures),
            sign_in_window_seconds=_env_int(
                "TOWNHALL_SIGN_IN_WINDOW_SECONDS", cls.sign_in_window_seconds
            ),
            sign_in_backoff_seconds=_env_float(
                "TOWNHALL_SIGN_IN_BACKOFF_SECONDS", cls.sign_in_backoff_seconds
            ),
            voice_addresses=_env_list("TOWNHALL_VOICE_ADDRESSES"),
            voice_ports=_port_range(env.get("TOWNHALL_VOICE_PORTS")),
            voice_audio_slots=_env_int("TOWNHALL_VOICE_AUDIO_SLOTS", cls.voice_audio_slots),
            voice_workers=(
                _env_int("TOWNHALL_VOICE_WORKERS", 0) if env.get("TOWNHALL_VOICE_WORKERS") else None
            ),
            turn_urls=_ice_urls(
                env.get("TOWNHALL_TURN_URLS"), env.get("TOWNHALL_TURN_SECRET") or None
            ),
            turn_secret=env.get("TOWNHALL_TURN_SECRET") or None,
            turn_ttl_seconds=_env_int("TOWNHALL_TURN_TTL_SECONDS", cls.turn_ttl_seconds),
            call_ring_seconds=_env_int("TOWNHALL_CALL_RING_SECONDS", cls.call_ring_seconds),
            media_backend=MediaBackendKind(env.get("TOWNHALL_MEDIA_BACKEND", cls.media_backend)),
            janus_urls=_env_list("TOWNHALL_JANUS_URLS"),
            janus_admin_key=env.get("TOWNHALL_JANUS_ADMIN_KEY") or None,
            janus_api_secret=env.get("TOWNHALL_JANUS_API_SECRET") or None,
            janus_token_secret=env.get("TOWNHALL_JANUS_TOKEN_SECRET") or None,
            push_contact=env.get("TOWNHALL_PUSH_CONTACT") or None,
            push_allow_loopback=_env_bool("TOWNHALL_PUSH_ALLOW_LOOPBACK", cls.push_allow_loopback),
            visitors_per_address=_env_int(
                "TOWNHALL_VISITORS_PER_ADDRESS", cls.visitors_per_address
            ),
            visitors_per_node=_env_int("TOWNHALL_VISITORS_PER_NODE", cls.visitors_per_node),
            visitor_reads=_env_int("TOWNHALL_VISITOR_READS", cls.visitor_reads),
            visitor_reads_seconds=_env_float(
                "TOWNHALL_VISITOR_READS_SECONDS", cls.visitor_reads_seconds
            ),
        )
        return replace(settings, **{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
