"""Settings: read once from the environment (and `.env`), validated into a frozen dataclass.

Every error names the setting and says how to fix it, because the person reading it is often a
volunteer who has never seen a Python traceback.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values

from bot.shards import ShardSet

DEFAULT_DATABASE_PATH = Path("data") / "peer-support-bot.sqlite3"
# The health endpoint (bot/health.py): on by default, on this machine only.
DEFAULT_HEALTH_HOST = "127.0.0.1"
DEFAULT_HEALTH_PORT = 8790
_HOST_SHAPE = re.compile(r"^[A-Za-z0-9.:-]+$")  # a name, an IPv4 or an IPv6 address
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
ANON_SECRET_MIN_LENGTH = 32
ANON_SECRET_MIN_BITS = 128
MAKE_SECRET_HINT = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'

# Words people put in secrets (English and Spanish, and this bot's own words). A secret made of
# them is guessed long before its length suggests.
_COMMON_WORDS = frozenset(
    """
    password passwort contrasena contraseña secret secreto clave letmein welcome bienvenido
    admin administrator root login qwerty azerty asdf zxcv iloveyou monkey dragon master
    shadow sunshine princess football baseball superman batman trustno1 changeme default
    example test testing anon anonymous discord token bot peer support group cancer charity
    hello hola world mundo summer winter spring autumn love amor grupo apoyo ayuda cancer
    vote votes poll feedback member members server private privado please change this
    """.split()
)
_SEQUENCES = (
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
)


def secret_bits(secret: str) -> float:
    """A cautious estimate of how many bits of entropy a secret carries.

    Each character is worth log2 of the alphabet it seems drawn from (hex 16, base64 64, ...,
    never more than the next power of two above the number of different characters it uses).
    Runs of one character, runs along the alphabet or a keyboard row (forwards or backwards),
    common words, and stretches that repeat an earlier part are each worth only a few bits, as
    a guesser who tries them first would pay. `secrets.token_urlsafe(32)` scores about 200;
    128 random bits written in hex score 128."""
    if not secret:
        return 0.0
    distinct = len(set(secret))
    classes = 0
    if any(c.islower() for c in secret):
        classes += 26
    if any(c.isupper() for c in secret):
        classes += 26
    if any(c.isdigit() for c in secret):
        classes += 10
    if any(not c.isalnum() for c in secret):
        classes += 33
    if all(c in "0123456789abcdef" for c in secret) or all(c in "0123456789ABCDEF" for c in secret):
        classes = 16
    alphabet = min(classes, 2 ** math.ceil(math.log2(max(distinct, 2))))
    per_char = math.log2(alphabet)
    lowered = secret.lower()
    bits, i = 0.0, 0
    while i < len(secret):
        pattern = _pattern_at(lowered, i)
        if pattern >= 4:
            bits += per_char + math.log2(pattern) + 2  # its start, its length, its kind
            i += pattern
        else:
            bits += per_char
            i += 1
    return bits


def _pattern_at(text: str, i: int) -> int:
    """The length of the longest guessable stretch starting at i (0 when there is none)."""
    longest = 0
    run = 1  # the same character again (from five on: four happen by chance now and then)
    while i + run < len(text) and text[i + run] == text[i]:
        run += 1
    if run >= 5:
        longest = run
    for sequence in _SEQUENCES:
        for order in (sequence, sequence[::-1]):
            at = order.find(text[i])
            n = 0
            while at >= 0 and at + n < len(order) and i + n < len(text):
                if text[i + n] != order[at + n]:
                    break
                n += 1
            if n >= 5:  # four in a row happen by chance in random text now and then
                longest = max(longest, n)
    for word in _COMMON_WORDS:
        if text.startswith(word, i):
            longest = max(longest, len(word))
    for size in range(len(text) - i, 4, -1):  # a stretch seen before
        if size <= longest:
            break
        if text[i : i + size] in text[:i]:
            longest = size
            break
    return longest


def weak_secret_problem(secret: str) -> str | None:
    """Why ANON_SECRET is too weak to keep votes anonymous, or None when it is strong enough."""
    if len(secret) < ANON_SECRET_MIN_LENGTH:
        return (
            f"ANON_SECRET is too short ({len(secret)} characters; at least "
            f"{ANON_SECRET_MIN_LENGTH} are needed). Make one with: {MAKE_SECRET_HINT}"
        )
    bits = secret_bits(secret)
    if bits < ANON_SECRET_MIN_BITS:
        return (
            f"ANON_SECRET is too easy to guess (about {int(bits)} bits of randomness; at "
            f"least {ANON_SECRET_MIN_BITS} are needed): it looks like words, a repeated or "
            "sequential pattern, or too few different characters. Whoever guesses it can tell "
            "who voted in polls. Make a random one with: "
            f"{MAKE_SECRET_HINT}"
        )
    return None


class SettingsError(Exception):
    """One or more settings are missing or wrong; the message says which and what to do."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Settings:
    discord_token: str
    database_path: Path
    dev_guild_id: int | None
    log_level: str
    anon_secret: str | None
    api_base: str | None
    gateway_url: str | None
    # The health endpoint (bot/health.py). Built by code (the tests), it is off unless asked
    # (None); `load_settings` turns it on at DEFAULT_HEALTH_PORT. 0: a free port, chosen at start.
    health_host: str = DEFAULT_HEALTH_HOST
    health_port: int | None = None
    database_url: str | None = None  # postgresql://...: PostgreSQL instead of the SQLite file
    # Discord's shards (bot/shards.py): None, None is one process for every server.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    def __repr__(self) -> str:  # never print the token, the secret or a database password
        return (
            f"Settings(database={self.database_shown!r}, "
            f"dev_guild_id={self.dev_guild_id!r}, log_level={self.log_level!r}, "
            f"api_base={self.api_base!r}, gateway_url={self.gateway_url!r}, "
            f"health_host={self.health_host!r}, health_port={self.health_port!r}, "
            f"shard_count={self.shard_count!r}, shard_ids={self.shard_ids!r})"
        )

    @property
    def shards(self) -> ShardSet:
        """Which servers this process handles (bot/shards.py)."""
        return ShardSet(self.shard_count, self.shard_ids)

    @property
    def database(self) -> Path | str:
        """What `Database.open` opens: the PostgreSQL URL if one is set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def database_shown(self) -> str:
        """The database, as a log line or `check` may show it: a URL without its password."""
        if self.database_url is None:
            return str(self.database_path)
        shown = re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", self.database_url)
        return re.sub(r"(password=)[^&]*", r"\1***", shown)

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def read_environment(env_file: Path | None = Path(".env")) -> dict[str, str]:
    """The process environment over the values of `.env` (the environment wins)."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ)
    return values


_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")


def _token(raw: str, problems: list[str], require: bool) -> str:
    token = raw.strip()
    if not token:
        if require:
            problems.append(
                "DISCORD_TOKEN is not set. Create an application at "
                "https://discord.com/developers/applications, open Bot > Reset Token, and put "
                "the token in the .env file as DISCORD_TOKEN=... (see README.md)."
            )
        return ""
    if token.lower().startswith("bot "):
        problems.append(
            "DISCORD_TOKEN starts with 'Bot '. Put only the token itself in .env, "
            "without the word 'Bot'."
        )
    elif not _TOKEN_SHAPE.match(token):
        problems.append(
            "DISCORD_TOKEN does not look like a bot token (three parts separated by dots). "
            "Copy it again from Bot > Reset Token in the Developer Portal; do not use the "
            "client secret or the public key."
        )
    return token


def _snowflake(name: str, raw: str, problems: list[str]) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or not 15 <= len(raw) <= 21:
        problems.append(
            f"{name} must be a server id: a number of 17 to 20 digits. In Discord, turn on "
            "Settings > Advanced > Developer Mode, right-click the server and choose 'Copy "
            f"Server ID'. Leave {name} empty to register commands globally."
        )
        return None
    return int(raw)


def _url(name: str, raw: str, schemes: tuple[str, ...], example: str, problems: list[str]):
    raw = raw.strip()
    if not raw:
        return None
    if not raw.startswith(tuple(f"{s}://" for s in schemes)):
        problems.append(
            f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}, "
            f"for example {example}. Leave it empty to talk to Discord directly."
        )
        return None
    return raw.rstrip("/")


def _health(env: Mapping[str, str], problems: list[str]) -> tuple[str, int | None]:
    host = env.get("HEALTH_HOST", "").strip() or DEFAULT_HEALTH_HOST
    if not _HOST_SHAPE.match(host):
        problems.append(
            f"HEALTH_HOST must be an address of this machine, such as 127.0.0.1 (the default: "
            f"only programs on this machine can ask), or 0.0.0.0 inside a container (it is "
            f"{host!r})."
        )
    raw = env.get("HEALTH_PORT", "").strip().lower()
    if not raw:
        return host, DEFAULT_HEALTH_PORT
    if raw in ("off", "no", "false", "none"):
        return host, None
    if not raw.isdigit() or not 0 <= int(raw) <= 65535:
        problems.append(
            f"HEALTH_PORT must be a port number (1 to 65535) or off (it is {raw!r}). Leave it "
            f"empty for the default, {DEFAULT_HEALTH_PORT}."
        )
        return host, None
    return host, int(raw)


def _shards(
    env: Mapping[str, str], problems: list[str]
) -> tuple[int | None, tuple[int, ...] | None]:
    raw_count = env.get("SHARD_COUNT", "").strip()
    raw_ids = env.get("SHARD_IDS", "").strip()
    count: int | None = None
    if raw_count:
        if not raw_count.isdigit() or not 1 <= int(raw_count) <= 16384:
            problems.append(
                f"SHARD_COUNT must be a whole number from 1 up (it is {raw_count!r}): how many "
                "shards the bot's servers are split into, the same in every process. Leave it "
                "empty to run one process for every server."
            )
            return None, None
        count = int(raw_count)
    if not raw_ids:
        return count, None
    if count is None:
        problems.append(
            "SHARD_IDS is set but SHARD_COUNT is not: give every process the same SHARD_COUNT "
            "(for example SHARD_COUNT=2) and each its own SHARD_IDS (SHARD_IDS=0 in one, "
            "SHARD_IDS=1 in the other)."
        )
        return None, None
    parts = [p.strip() for p in raw_ids.split(",")]
    if not all(p.isdigit() for p in parts):
        problems.append(
            f"SHARD_IDS must be shard numbers separated by commas, such as 0 or 0,1 (it is "
            f"{raw_ids!r})."
        )
        return count, None
    ids = tuple(int(p) for p in parts)
    wrong = [i for i in ids if i >= count]
    if wrong:
        problems.append(
            f"SHARD_IDS names shard {wrong[0]}, but with SHARD_COUNT={count} the shards are "
            f"0 to {count - 1}."
        )
    if len(set(ids)) != len(ids):
        problems.append(f"SHARD_IDS names a shard twice ({raw_ids!r}).")
    return count, tuple(sorted(set(ids)))


def load_settings(
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = True,
    require_secret: bool = True,
) -> Settings:
    """Validate settings. Raises SettingsError listing every problem at once.

    ANON_SECRET is required to run the bot (it keeps votes and feedback anonymous); commands
    that never record a vote (migrate, check, invite, sync) may do without it."""
    env = dict(read_environment() if environ is None else environ)
    problems: list[str] = []

    token = _token(env.get("DISCORD_TOKEN", ""), problems, require_token)

    db_raw = env.get("DATABASE_PATH", "").strip()
    database_path = Path(db_raw) if db_raw else DEFAULT_DATABASE_PATH
    if database_path.exists() and database_path.is_dir():
        problems.append(
            f"DATABASE_PATH points at a folder ({database_path}). Give a file name, "
            f"for example {database_path / 'peer-support-bot.sqlite3'}."
        )

    database_url = env.get("DATABASE_URL", "").strip() or None
    if database_url is not None and not database_url.startswith(("postgresql://", "postgres://")):
        problems.append(
            "DATABASE_URL must be a PostgreSQL address starting with postgresql://, for example "
            "postgresql://bot:password@localhost:5432/peersupport. Leave it empty to keep the "
            "data in the SQLite file of DATABASE_PATH."
        )
        database_url = None

    dev_guild_id = _snowflake("DEV_GUILD_ID", env.get("DEV_GUILD_ID", ""), problems)

    log_level = env.get("LOG_LEVEL", "").strip().upper() or "INFO"
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (it is {log_level!r}).")
        log_level = "INFO"

    anon_secret = env.get("ANON_SECRET", "").strip() or None
    if anon_secret is None and require_secret:
        problems.append(
            "ANON_SECRET is not set: it keeps anonymous poll votes and feedback anonymous. "
            f"Make one by running  {MAKE_SECRET_HINT}  and put what it prints in the .env "
            "file as ANON_SECRET=... (see README.md). Keep it: changing it later lets members "
            "vote a second time in polls that are open."
        )
    elif anon_secret is not None and (weak := weak_secret_problem(anon_secret)) is not None:
        problems.append(weak)

    api_base = _url(
        "DISCORD_API_BASE",
        env.get("DISCORD_API_BASE", ""),
        ("http", "https"),
        "http://127.0.0.1:8080/api/v10",
        problems,
    )
    gateway_url = _url(
        "DISCORD_GATEWAY_URL",
        env.get("DISCORD_GATEWAY_URL", ""),
        ("ws", "wss"),
        "ws://127.0.0.1:8080/",
        problems,
    )

    health_host, health_port = _health(env, problems)
    shard_count, shard_ids = _shards(env, problems)

    if problems:
        raise SettingsError(problems)
    return Settings(
        discord_token=token,
        database_path=database_path,
        dev_guild_id=dev_guild_id,
        log_level=log_level,
        anon_secret=anon_secret,
        api_base=api_base,
        gateway_url=gateway_url,
        health_host=health_host,
        health_port=health_port,
        database_url=database_url,
        shard_count=shard_count,
        shard_ids=shard_ids,
    )
