"""Command line: `python -m bot [run|migrate|check|invite|sync|health]` (run is the default).

Everything the bot needs is created here and passed in: settings, database, scheduler, clock.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

import discord

from bot import health, migrate
from bot.client import EXTENSIONS, Bot, bot_class, configure_endpoints
from bot.config import MAKE_SECRET_HINT, Settings, SettingsError, load_settings, secret_bits
from bot.db import Database
from bot.guild_settings import GuildSettingsRepository
from bot.log_privacy import hide_member_ids_in_libraries
from bot.outbox import OutboxRepository
from bot.permissions import REQUIRED_PERMISSIONS, describe_permissions
from bot.scheduler import create_scheduler

log = logging.getLogger("bot")

EXIT_OK, EXIT_PROBLEM, EXIT_SETTINGS = 0, 1, 2

INTENTS_HELP = (
    "Discord refused the connection because privileged intents are not switched on.\n"
    "Open https://discord.com/developers/applications, choose your application, go to "
    "Bot > Privileged Gateway Intents, switch on SERVER MEMBERS INTENT and MESSAGE CONTENT "
    "INTENT, save, and start the bot again. (README.md says why the bot needs them.)"
)
TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN: it is wrong, or it was reset.\n"
    "Open https://discord.com/developers/applications, choose your application, go to Bot > "
    "Reset Token, and put the new token in .env as DISCORD_TOKEN=..."
)


def _print_problems(problems: Sequence[str]) -> None:
    print("The bot can't start yet:", file=sys.stderr)
    for problem in problems:
        print(f"  - {problem}", file=sys.stderr)


# Libraries whose DEBUG output records raw data: discord.py every gateway event (which button a
# member pressed), aiosqlite every SQL statement with its parameters (vote tokens, the text of
# anonymous feedback). They never log below INFO, whatever LOG_LEVEL says.
QUIET_LIBRARIES = ("discord", "aiosqlite")


def quiet_libraries(level: str) -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))


def setup_logging(level: str) -> None:
    logging.basicConfig(
        level=logging.getLevelNamesMapping()[level],
        format="%(asctime)s %(levelname)-8s %(name)s: %(message)s",
    )
    quiet_libraries(level)
    hide_member_ids_in_libraries()  # bot/log_privacy.py


async def _open_database(settings: Settings) -> Database:
    db = await Database.open(settings.database)
    try:
        await migrate.apply_migrations(db)
    except BaseException:
        await db.close()
        raise
    return db


async def run_bot(settings: Settings) -> int:
    configure_endpoints(settings)
    db = await _open_database(settings)
    bot = bot_class(settings)(
        settings=settings, db=db, scheduler=create_scheduler(), extensions=EXTENSIONS
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):  # Windows has no signal handlers
            loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
    try:
        async with bot:
            await bot.start(settings.discord_token)
    except discord.LoginFailure:
        print(TOKEN_REFUSED, file=sys.stderr)
        return EXIT_SETTINGS
    except discord.PrivilegedIntentsRequired:
        print(INTENTS_HELP, file=sys.stderr)
        return EXIT_SETTINGS
    finally:
        await db.close()
    return EXIT_OK


async def sync_commands(settings: Settings) -> int:
    configure_endpoints(settings)
    db = await _open_database(settings)
    bot = Bot(
        settings=settings,
        db=db,
        scheduler=create_scheduler(),
        mode="sync",
        extensions=EXTENSIONS,
    )
    try:
        async with bot:
            await bot.login(settings.discord_token)
            commands = await bot.sync_commands()
    except discord.LoginFailure:
        print(TOKEN_REFUSED, file=sys.stderr)
        return EXIT_SETTINGS
    finally:
        await db.close()
    where = (
        f"to server {settings.dev_guild_id} (available at once)"
        if settings.dev_guild_id
        else "globally (Discord may take up to an hour to show them everywhere)"
    )
    print(f"Registered {len(commands)} commands {where}: " + ", ".join(c.name for c in commands))
    return EXIT_OK


async def migrate_database(settings: Settings) -> int:
    async with await Database.open(settings.database) as db:
        applied = await migrate.apply_migrations(db)
        current = await migrate.status(db)
    if applied:
        print(f"Applied {len(applied)} migrations: " + ", ".join(m.path.name for m in applied))
    else:
        print("The database is up to date.")
    print(f"Schema version: {current.version} ({settings.database_shown})")
    return EXIT_OK


async def check(settings: Settings) -> int:
    ok = True

    def line(good: bool, text: str) -> None:
        nonlocal ok
        ok = ok and good
        print(f"  [{'ok' if good else '!!'}] {text}")

    print("Settings")
    line(
        bool(settings.discord_token),
        "DISCORD_TOKEN is set"
        if settings.discord_token
        else "DISCORD_TOKEN is not set: put the bot's token in .env (see README.md)",
    )
    if settings.database_url:
        print(f"  [ok] DATABASE_URL = {settings.database_shown} (PostgreSQL)")
    else:
        print(f"  [ok] DATABASE_PATH = {settings.database_path}")
    print(f"  [ok] LOG_LEVEL = {settings.log_level}")
    if settings.dev_guild_id:
        print(f"  [ok] DEV_GUILD_ID = {settings.dev_guild_id} (sync registers commands there)")
    else:
        print("  [ok] DEV_GUILD_ID is empty (sync registers commands globally)")
    line(
        bool(settings.anon_secret),
        f"ANON_SECRET is set (about {int(secret_bits(settings.anon_secret))} bits of randomness)"
        if settings.anon_secret
        else f"ANON_SECRET is not set: the bot needs it to start. Make one: {MAKE_SECRET_HINT}",
    )
    if settings.api_base or settings.gateway_url:
        print(
            f"  [--] talking to {settings.api_base or 'Discord'} / "
            f"{settings.gateway_url or 'Discord gateway'} instead of Discord"
        )

    if settings.shard_count is not None:
        shards = settings.shards
        print(
            f"  [ok] this process runs Discord {shards.owner} (SHARD_IDS): other processes "
            "on the same PostgreSQL database run the rest"
            if shards.partial
            else f"  [ok] this process runs all {settings.shard_count} Discord shards"
        )
    url = health.probe_url(settings)
    print(f"  [ok] health endpoint: {url} and /metrics" if url else "  [--] health endpoint off")

    print("Database")
    async with await Database.open(settings.database) as db:
        applied = await migrate.apply_migrations(db)
        current = await migrate.status(db)
        if applied:
            print(f"  [ok] applied {len(applied)} new migrations")
        line(
            not current.pending,
            f"schema version {current.version}, {len(current.pending)} migrations pending",
        )
        line(
            not current.edited,
            "landed migrations unchanged"
            if not current.edited
            else f"migrations {current.edited} were edited after they were applied: "
            "migrations are forward-only, restore them and add a new one",
        )
        servers = await GuildSettingsRepository(db).count()
        print(f"  [ok] {servers} servers have run /setup")
        counts = await OutboxRepository(db).counts()
        print(f"  [ok] outbox: {counts.pending} waiting to be sent, {counts.sent} sent recently")
        line(
            counts.failed == 0,
            f"outbox: {counts.failed} messages Discord refused for good (see the log for why)",
        )
    print("All good." if ok else "Some things need attention (marked !!).")
    return EXIT_OK if ok else EXIT_PROBLEM


def application_id_from_token(token: str) -> int | None:
    """A bot token's first part is the bot's user id (== application id) in base64."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=False).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def invite(settings: Settings, client_id: int | None) -> int:
    app_id = client_id or application_id_from_token(settings.discord_token)
    if app_id is None:
        print(
            "I need the application id: pass --client-id (Developer Portal > General "
            "Information > Application ID), or set DISCORD_TOKEN.",
            file=sys.stderr,
        )
        return EXIT_SETTINGS
    url = discord.utils.oauth_url(
        app_id, permissions=REQUIRED_PERMISSIONS, scopes=("bot", "applications.commands")
    )
    print("Open this link to add the bot to your server:")
    print(url)
    print(f"\nPermissions integer {REQUIRED_PERMISSIONS.value}:")
    for name, why in describe_permissions():
        print(f"  - {name}: {why}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="peer-support-bot: a Discord bot for peer support groups"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="connect to Discord and run (the default)")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("check", help="validate settings and the database, and say what was found")
    inv = sub.add_parser("invite", help="print the link that adds the bot to a server")
    inv.add_argument("--client-id", type=int, default=None, help="the application id")
    sub.add_parser("sync", help="register the slash commands (globally, or to DEV_GUILD_ID)")
    sub.add_parser("health", help="ask the running bot whether it is healthy (its /healthz)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings(
            require_token=command in ("run", "sync"), require_secret=command == "run"
        )
    except SettingsError as error:
        _print_problems(error.problems)
        return EXIT_SETTINGS
    setup_logging(settings.log_level)
    try:
        if command == "invite":
            return invite(settings, args.client_id)
        if command == "migrate":
            return asyncio.run(migrate_database(settings))
        if command == "check":
            return asyncio.run(check(settings))
        if command == "sync":
            return asyncio.run(sync_commands(settings))
        if command == "health":
            return asyncio.run(health.probe(settings))
        return asyncio.run(run_bot(settings))
    except migrate.MigrationError as error:
        print(f"The database could not be updated: {error}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
