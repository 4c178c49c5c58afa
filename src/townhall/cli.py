"""`townhall serve` and `townhall admin …`: the operator's entry points."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from townhall.config import Settings

T = TypeVar("T")


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from townhall import logs
    from townhall.api.app import create_app
    from townhall.api.http_timeouts import header_deadline_protocol
    from townhall.gateway.transport import DirectWebSocketProtocol

    settings = Settings.from_env(host=args.host, port=args.port, data_dir=args.data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    logs.configure(settings.log_level)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http=header_deadline_protocol(settings.http_header_timeout_seconds),
        ws=DirectWebSocketProtocol,
        # X-Forwarded-For only from the configured proxies (uvicorn would trust 127.0.0.1).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=list(settings.trusted_proxies) or None,
        timeout_keep_alive=settings.http_keep_alive_seconds,
        ws_per_message_deflate=False,
        ws_ping_interval=None,
        access_log=False,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    return 0


def _with_services(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    """Run one action against the configured database, outside a running server."""
    from townhall.actions.services import Services, password_hasher
    from townhall.bus.local import LocalBus
    from townhall.domain.snowflake import SnowflakeGenerator
    from townhall.gateway.encode import encode_event
    from townhall.store.database import create_engine, migrate

    async def run() -> T:
        engine = create_engine(settings.effective_database_url)
        try:
            await migrate(engine)
            services = Services(
                settings=settings,
                engine=engine,
                bus=LocalBus(encode_event),
                ids=SnowflakeGenerator(settings.worker_id, settings.process_id),
                passwords=password_hasher(settings),
            )
            return await work(services)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return getpass.getpass("Password: ")


def _admin(args: argparse.Namespace) -> int:
    from townhall.actions import accounts
    from townhall.actions.services import Services
    from townhall.domain.errors import TownhallError

    settings = Settings.from_env(data_dir=args.data_dir)
    try:
        if args.admin_command == "create-user":
            password = _password(args)

            async def create(s: Services) -> str:
                user = await accounts.create_user(
                    s, args.username, password, email=args.email, is_admin=args.admin
                )
                return str(user.id)

            print(_with_services(settings, create))
        elif args.admin_command in ("make-admin", "revoke-admin"):

            async def promote(s: Services) -> None:
                user_id = await accounts.find_user_id(s, args.user)
                await accounts.set_instance_admin(s, user_id, args.admin_command == "make-admin")

            _with_services(settings, promote)
        elif args.admin_command == "reset-password":
            password = _password(args)

            async def reset(s: Services) -> None:
                await accounts.reset_password(
                    s, await accounts.find_user_id(s, args.user), password
                )

            _with_services(settings, reset)
    except TownhallError as error:
        detail = getattr(error, "errors", None)
        print(f"error: {error.message}" + (f" {detail}" if detail else ""), file=sys.stderr)
        return 1
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="townhall", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the server")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default 8080)")
    serve.add_argument(
        "--data-dir", type=Path, default=None, help="data directory (default ./data)"
    )
    serve.set_defaults(run=_serve)

    admin = commands.add_parser("admin", help="operator commands")
    admin.add_argument("--data-dir", type=Path, default=None)
    admin_commands = admin.add_subparsers(dest="admin_command", required=True)
    create = admin_commands.add_parser("create-user", help="create an account")
    create.add_argument("username")
    create.add_argument("--email", default=None)
    create.add_argument("--admin", action="store_true", help="make the user an instance admin")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    for name, text in (
        ("make-admin", "make a user an instance admin"),
        ("revoke-admin", "take instance admin away"),
    ):
        command = admin_commands.add_parser(name, help=text)
        command.add_argument("user", help="username, email or id")
    reset = admin_commands.add_parser(
        "reset-password", help="set a new password, sign out everywhere"
    )
    reset.add_argument("user", help="username, email or id")
    reset.add_argument("--password-stdin", action="store_true")
    admin.set_defaults(run=_admin)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
