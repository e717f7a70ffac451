"""One frozen EnvConfig built from the environment (and .env); every problem reported at once."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class ConfigError(Exception):
    """Configuration is missing or malformed; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///empathy-bot.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
DEFAULT_ENV_FILE = ".env"
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

_WHERE = {
    "SLACK_BOT_TOKEN": "Slack app settings > OAuth & Permissions > Bot User OAuth Token (starts with xoxb-)",
    "SLACK_SIGNING_SECRET": "Slack app settings > Basic Information > App Credentials > Signing Secret",
    "SLACK_APP_TOKEN": (
        "Slack app settings > Basic Information > App-Level Tokens, "
        "with the connections:write scope (starts with xapp-)"
    ),
}


@dataclass(frozen=True)
class EnvConfig:
    """Process-wide configuration. Workspace-level choices (channels, owners, …) live in the database."""

    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "0.0.0.0"
    port: int = 3000
    log_level: str = "INFO"
    log_format: str = "text"
    timezone: str = "UTC"
    owners: tuple[str, ...] = ()
    scheduler_enabled: bool = True

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None

    @property
    def oauth_enabled(self) -> bool:
        return self.client_id is not None and self.client_secret is not None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, env: Mapping[str, str], *, require_slack: bool = True) -> EnvConfig:
        """Validate `env` into EnvConfig or raise ConfigError listing every problem, one line each.

        Secrets never appear in the messages, only the names of the variables that hold them.
        """
        problems: list[str] = []
        put_it = f"put it in {env_file(env)} (see .env.example)"

        def get(name: str) -> str | None:
            value = env.get(name, "").strip()
            return value or None

        bot_token = get("SLACK_BOT_TOKEN")
        signing_secret = get("SLACK_SIGNING_SECRET")
        app_token = get("SLACK_APP_TOKEN")
        client_id = get("SLACK_CLIENT_ID")
        client_secret = get("SLACK_CLIENT_SECRET")

        if (client_id is None) != (client_secret is None):
            problems.append(
                "SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (OAuth mode): set both or neither "
                "(Slack app settings > Basic Information > App Credentials)."
            )
        oauth = client_id is not None and client_secret is not None
        if require_slack:
            if bot_token is None and not oauth:
                problems.append(
                    f"SLACK_BOT_TOKEN is missing: copy it from {_WHERE['SLACK_BOT_TOKEN']}; {put_it}."
                )
            if signing_secret is None and oauth:
                problems.append(
                    f"HTTP mode (OAuth installs) needs SLACK_SIGNING_SECRET: copy it from "
                    f"{_WHERE['SLACK_SIGNING_SECRET']}; {put_it}."
                )
            elif signing_secret is None and app_token is None:
                # Socket Mode is the README's default: name its token first, HTTP mode as the alternative.
                problems.append(
                    "Socket Mode needs SLACK_APP_TOKEN (xapp-…): Basic Information > App-Level Tokens, "
                    f"with the connections:write scope; {put_it}. "
                    "(For HTTP mode instead, set SLACK_SIGNING_SECRET.)"
                )
        if bot_token is not None and not bot_token.startswith("xoxb-"):
            problems.append(
                f"SLACK_BOT_TOKEN does not look like a bot token (it should start with xoxb-): "
                f"copy it from {_WHERE['SLACK_BOT_TOKEN']}."
            )
        if app_token is not None and not app_token.startswith("xapp-"):
            problems.append(
                f"SLACK_APP_TOKEN does not look like an app-level token (it should start with xapp-): "
                f"create one at {_WHERE['SLACK_APP_TOKEN']}, or leave it unset for HTTP mode."
            )
        if app_token is not None and oauth:
            problems.append(
                "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID (OAuth installs) cannot be combined: "
                "OAuth distribution needs HTTP mode. Unset one of them."
            )

        api_url = get("SLACK_API_URL") or DEFAULT_API_URL
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            problems.append(
                f"SLACK_API_URL must be an http(s) URL such as {DEFAULT_API_URL} (got {api_url!r})."
            )
        elif not api_url.endswith("/"):
            # WebClient drops the path of a base URL that has no trailing slash.
            api_url += "/"

        database_url = normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)
        if not database_url.startswith(("sqlite", "postgresql")):
            problems.append(
                "DATABASE_URL must be a SQLite URL (sqlite:///path.db) or a PostgreSQL URL "
                "(postgresql://user@host/db)."
            )

        port = 3000
        if (raw_port := get("PORT")) is not None:
            if raw_port.isdigit() and 0 < int(raw_port) < 65536:
                port = int(raw_port)
            else:
                problems.append(f"PORT must be a number from 1 to 65535 (got {raw_port!r}).")

        log_level = (get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)} (got {log_level!r}).")

        log_format = (get("LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            problems.append(f"LOG_FORMAT must be text or json (got {log_format!r}).")

        timezone = get("EMPATHY_TIMEZONE") or "UTC"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            problems.append(
                f"EMPATHY_TIMEZONE must be an IANA time zone name such as Europe/Berlin (got {timezone!r})."
            )

        owners = tuple(o for o in re.split(r"[,\s]+", get("EMPATHY_OWNERS") or "") if o)
        bad_owners = [o for o in owners if not USER_ID.match(o)]
        if bad_owners:
            problems.append(
                "EMPATHY_OWNERS must be Slack user IDs separated by commas (like U012ABCDEF; in Slack: "
                f"profile > ⋮ > Copy member ID); not user IDs: {', '.join(bad_owners)}."
            )

        secret_key = get("EMPATHY_SECRET_KEY")
        if secret_key is not None and len(secret_key) < 32:
            problems.append(
                "EMPATHY_SECRET_KEY must be at least 32 characters; make one with "
                '`python -c "import secrets; print(secrets.token_hex(32))"`.'
            )
        if secret_key is None and database_url.startswith("postgresql") and require_slack:
            problems.append(
                "EMPATHY_SECRET_KEY is required with PostgreSQL (every bot process must share it); make one "
                'with `python -c "import secrets; print(secrets.token_hex(32))"`.'
            )

        scheduler = (get("EMPATHY_SCHEDULER") or "on").lower()
        if scheduler not in ("on", "off"):
            problems.append(f"EMPATHY_SCHEDULER must be on or off (got {scheduler!r}).")

        if problems:
            raise ConfigError(problems)
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            secret_key=secret_key,
            client_id=client_id,
            client_secret=client_secret,
            api_url=api_url,
            database_url=database_url,
            host=get("HOST") or "0.0.0.0",
            port=port,
            log_level=log_level,
            log_format=log_format,
            timezone=timezone,
            owners=owners,
            scheduler_enabled=scheduler == "on",
        )


def env_file(env: Mapping[str, str]) -> str:
    """The dotenv file the CLI reads (EMPATHY_ENV_FILE, default .env in the working directory)."""
    return env.get("EMPATHY_ENV_FILE", "").strip() or DEFAULT_ENV_FILE


def normalise_database_url(url: str) -> str:
    """Heroku-style postgres:// and plain postgresql:// both mean psycopg 3 here."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a SQLite URL, or None for in-memory databases and other engines."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url[len("sqlite:///") :].split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def with_secret_key(settings: EnvConfig) -> EnvConfig:
    """Fill in the server secret (keyed hashes for survey participation) when not configured.

    With SQLite the embedded setup keeps it in a file beside the database (mode 0600), created once;
    an in-memory database gets a throwaway key. PostgreSQL requires EMPATHY_SECRET_KEY (checked above).
    """
    if settings.secret_key is not None:
        return settings
    import secrets
    from dataclasses import replace

    path = sqlite_path(settings.database_url)
    if path is None:
        return replace(settings, secret_key=secrets.token_hex(32))
    key_file = secret_key_file(path)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once cannot both write a key; 0o600 whatever the umask.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as stream:
                stream.write(secrets.token_hex(32))
    return replace(settings, secret_key=key_file.read_text().strip())


def secret_key_file(database_path: Path) -> Path:
    """Where the SQLite setup keeps its survey anonymity key: beside the database, git-ignored."""
    return database_path.with_name(database_path.name + ".secret")
