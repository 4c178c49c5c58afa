"""Everything one townhall process runs on, wired in one place.

`townhall serve` (through the ASGI lifespan), `townhall admin` and the benchmarks all start here:
settings → database (migrated) → a leased node id → the event log (in-process, or a Redis stream)
→ the outbox relay → the services actions use → and, for a server, the gateway hub and the job
runner. `stop` takes it all down in the opposite order.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass

from townhall.actions import (  # noqa: F401 (they declare jobs)
    attachments,
    file_scans,
    live_locations,
    maintenance,
    push,
    uploads,
    voice,
)
from townhall.actions.services import Services, password_hasher
from townhall.bus.log import EventLog, LocalLog
from townhall.bus.redis_stream import RedisStreamLog
from townhall.bus.relay import Relay
from townhall.config import MediaBackendKind, Settings
from townhall.domain.voice import VoiceTokens
from townhall.files import urls
from townhall.files.storage import LocalStorage, Storage
from townhall.gateway.hub import Hub
from townhall.media.backend import MediaBackend
from townhall.media.sfu import EmbeddedSfu
from townhall.media.workers import WorkerPoolSfu
from townhall.runtime.jobs import JobRunner
from townhall.runtime.lease import NodeLease
from townhall.store import secrets as secret_store
from townhall.store.database import Database, create_engine, migrate
from townhall.voice.rooms import VoiceRooms

log = logging.getLogger("townhall.runtime")


def make_log(settings: Settings) -> EventLog:
    """In-process by default; a Redis stream when `TOWNHALL_BUS_URL` is set."""
    if settings.bus_url:
        return RedisStreamLog(
            settings.bus_url,
            settings.bus_channel,
            retention_seconds=settings.bus_retention_seconds,
        )
    return LocalLog()


def make_storage(settings: Settings) -> Storage:
    """The local files directory by default; S3-compatible storage for `s3://` URLs."""
    url = settings.storage_url
    if url and url.startswith("s3://"):
        from townhall.files.s3 import S3Storage

        return S3Storage.from_url(url, endpoint_url=settings.s3_endpoint_url)
    if url:
        raise ValueError(f"TOWNHALL_STORAGE_URL must be an s3:// URL, not {url!r}")
    return LocalStorage(settings.effective_files_dir / "store")


async def make_media_backend(settings: Settings, db: Database) -> MediaBackend:
    """The SFU inside this process by default; Janus servers for scale-out media."""
    if settings.media_backend is MediaBackendKind.JANUS:
        from townhall.media.janus import JanusBackend

        if not settings.janus_urls:
            raise ValueError("TOWNHALL_MEDIA_BACKEND=janus needs TOWNHALL_JANUS_URLS")
        async with db.write() as conn:
            room_key = await secret_store.get_or_create(
                conn, "janus_rooms", secrets.token_bytes(32)
            )
        return JanusBackend(
            settings.janus_urls,
            admin_key=settings.janus_admin_key,
            api_secret=settings.janus_api_secret,
            token_secret=settings.janus_token_secret,
            room_key=room_key.hex(),
            bot_addresses=list(settings.voice_addresses) or None,
            bot_ports=settings.voice_ports,
        )
    if settings.effective_voice_workers:
        return WorkerPoolSfu(
            settings.effective_voice_workers,
            audio_slots=settings.voice_audio_slots,
            host_addresses=list(settings.voice_addresses) or None,
            port_range=settings.voice_ports,
        )
    return EmbeddedSfu(
        audio_slots=settings.voice_audio_slots,
        host_addresses=list(settings.voice_addresses) or None,
        port_range=settings.voice_ports,
    )


async def install_file_urls(db: Database, settings: Settings) -> None:
    """Sign file links with the key every node shares (made at the first start)."""
    async with db.write() as conn:
        key = await secret_store.get_or_create(conn, "file_urls", secrets.token_bytes(32))
    urls.install(urls.FileUrls(settings.base_url, key))


async def voice_tokens(db: Database) -> VoiceTokens:
    """Voice tokens are signed with a key every node shares, like file links."""
    async with db.write() as conn:
        key = await secret_store.get_or_create(conn, "voice_tokens", secrets.token_bytes(32))
    return VoiceTokens(key)


@dataclass
class Runtime:
    """One process's wiring. `serve=False` (the CLI) runs no gateway, no jobs and reads no log:
    its events wait in the outbox and a server adopts them once this process has stopped."""

    settings: Settings
    serve: bool = True

    async def start(self) -> Services:
        settings = self.settings
        engine = create_engine(settings.effective_database_url)
        await migrate(engine)
        self.db = Database(engine)
        self.lease = NodeLease(self.db)
        ids = await self.lease.acquire()
        await install_file_urls(self.db, settings)
        self.storage = make_storage(settings)
        self.log: EventLog | None = make_log(settings) if self.serve else None
        self.relay = Relay(self.log, self.db, self.lease.holder, _clock)
        self.services = services = Services(
            settings=settings,
            db=self.db,
            relay=self.relay,
            ids=ids,
            passwords=password_hasher(settings),
            renew_lease=self.lease.renew,
            storage=self.storage,
            voice_tokens=await voice_tokens(self.db),
        )
        self.relay.immediate.append(services.cache.on_envelope)
        await push.vapid_key(services)  # made at the first start; every node then shares it
        self.lease.start()
        self.hub: Hub | None = None
        self.voice: VoiceRooms | None = None
        self.jobs: JobRunner | None = None
        if self.log is not None:
            if not self.log.synchronous:
                # Other nodes' changes: their stale keys travel in the envelope (this node's own
                # were forgotten at commit, above; forgetting them again is harmless).
                self.log.subscribe(services.cache.on_envelope)
            self.log.on_gap(services.cache.clear)
            self.hub = hub = Hub(services)
            services.online = lambda user_id: hub.statuses.get(user_id, "offline") != "offline"
            if self.log.synchronous:  # on a stream the replica learns a commit a trip later
                services.replica_permissions = hub.member_permissions
            self.log.subscribe(self.hub.deliver)
            backend = await make_media_backend(settings, self.db)
            self.voice = VoiceRooms(services, backend)
            if isinstance(backend, WorkerPoolSfu):
                backend.on_room_lost = self.voice.media_lost
            self.log.subscribe(self.voice.on_envelope)
            self.log.on_gap(self.hub.resync)
            self.hub.start()
            await self.log.start()
            self.relay.start()
            await maintenance.schedule_recurring(services)
            attachments.staging_dir(settings).mkdir(parents=True, exist_ok=True)
            self.jobs = JobRunner(services, self.lease.holder)
            self.jobs.start()
        return services

    async def stop(self) -> None:
        if self.jobs is not None:
            await self.jobs.close()
        if self.voice is not None:
            await self.voice.close()
        if self.hub is not None:
            await self.hub.close()
        await self.relay.close()
        if self.log is not None:
            await self.log.close()
        await self.storage.close()
        await self.lease.release()
        await self.db.engine.dispose()


def _clock() -> int:
    return int(time.time() * 1000)
