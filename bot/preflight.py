"""What `check` tests and `run` refuses to start without: one line per finding, each with its fix."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.clock import SystemClock
from bot.config import EnvConfig, secret_key_file, sqlite_path
from bot.manifest import BOT_SCOPES

OK, FAILED, TODO = "OK", "FAILED", "TO DO"
NON_JSON = "Received a response in a non-JSON format"
_quiet = logging.getLogger("empathy_bot.preflight")
_quiet.addHandler(logging.NullHandler())
_quiet.propagate = False  # slack_sdk's own lines (retries, errors) stay out of the report


@dataclass(frozen=True)
class Finding:
    subject: str
    status: str  # OK, FAILED, or TO DO (works, but something is left to set up)
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.status} ({self.detail})"


@dataclass(frozen=True)
class Workspace:
    team_id: str
    name: str
    bot_user_id: str | None
    scopes: frozenset[str]


def quiet_client(settings: EnvConfig, token: str) -> WebClient:
    """A client that asks once (no retries, no log lines): a check reports, it does not wait."""
    return WebClient(token=token, base_url=settings.api_url, timeout=10, retry_handlers=[], logger=_quiet)


def _slack_problem(settings: EnvConfig, exc: Exception, variable: str, fix: str) -> str:
    """Say what went wrong without blaming a token for what a wrong SLACK_API_URL did."""
    if isinstance(exc, SlackApiError):
        error = str(exc.response.get("error") or "")
        if error.startswith(NON_JSON):
            return (
                f"{settings.api_url} answered HTTP {exc.response.status_code} with something that is not the "
                "Slack API (not JSON): check SLACK_API_URL, or leave it empty for https://slack.com/api/"
            )
        return f"Slack refused {variable} ({error}): {fix}"
    return (
        f"cannot reach Slack at {settings.api_url} ({type(exc).__name__}: {exc}): "
        "check the network and SLACK_API_URL"
    )


def bot_token(settings: EnvConfig, *, client: WebClient | None = None) -> tuple[Finding, Workspace | None]:
    assert settings.bot_token is not None
    try:
        response = (client or quiet_client(settings, settings.bot_token)).auth_test()
    except (SlackApiError, OSError) as exc:
        fix = "copy it again from Slack app settings > OAuth & Permissions > Bot User OAuth Token"
        return Finding("Bot token", FAILED, _slack_problem(settings, exc, "SLACK_BOT_TOKEN", fix)), None
    header = response.headers.get("x-oauth-scopes") or response.headers.get("X-OAuth-Scopes") or ""
    scopes = frozenset(s.strip() for s in header.split(",") if s.strip())
    workspace = Workspace(response["team_id"], response.get("team") or "", response.get("user_id"), scopes)
    return (
        Finding(
            "Bot token",
            OK,
            f"workspace {workspace.name} {workspace.team_id}, bot user {workspace.bot_user_id}",
        ),
        workspace,
    )


def scopes(workspace: Workspace) -> Finding:
    if not workspace.scopes:
        return Finding(
            "Scopes", TODO, "Slack did not say which scopes the token has; compare with the manifest"
        )
    missing = sorted(set(BOT_SCOPES) - workspace.scopes)
    if missing:
        return Finding(
            "Scopes",
            FAILED,
            f"the token lacks {', '.join(missing)}: update the app from `empathy-bot manifest` "
            "(App Manifest in Slack app settings) and reinstall it, then copy the new xoxb- token",
        )
    return Finding("Scopes", OK, f"all {len(set(BOT_SCOPES))} the manifest asks for")


def app_token(settings: EnvConfig) -> Finding:
    """apps.connections.open proves the xapp- token and its connections:write scope; the socket URL it
    hands out is simply not used (nothing connects, nothing stays open)."""
    assert settings.app_token is not None
    try:
        quiet_client(settings, settings.app_token).apps_connections_open(app_token=settings.app_token)
    except (SlackApiError, OSError) as exc:
        return Finding("App token", FAILED, app_token_problem(settings, exc))
    return Finding("App token", OK, "Socket Mode can connect")


def app_token_problem(settings: EnvConfig, exc: Exception) -> str:
    fix = (
        "Socket Mode needs SLACK_APP_TOKEN (xapp-…) with the connections:write scope: "
        "Basic Information > App-Level Tokens; put it in .env (see .env.example)"
    )
    return _slack_problem(settings, exc, "SLACK_APP_TOKEN", fix)


def mode(settings: EnvConfig) -> Finding:
    if settings.socket_mode:
        return Finding("Mode", OK, "Socket Mode: no public URL needed")
    if not settings.signing_secret:
        return Finding(
            "Mode", FAILED, "HTTP mode needs SLACK_SIGNING_SECRET: Basic Information > App Credentials"
        )
    return Finding(
        "Mode",
        OK,
        f"HTTP mode on port {settings.port}, signing secret set; "
        "Slack must reach https://<your host>/slack/events",
    )


def secret_key(settings: EnvConfig) -> Finding:
    if settings.secret_key is not None:
        return Finding("Survey key", OK, "EMPATHY_SECRET_KEY is set")
    path = sqlite_path(settings.database_url)
    if path is None:
        return Finding("Survey key", FAILED, "EMPATHY_SECRET_KEY is required with PostgreSQL")
    key = secret_key_file(path)
    if key.exists():
        return Finding("Survey key", OK, f"{key}: back it up with the database")
    return Finding("Survey key", OK, f"{key} is created at the first run: back it up with the database")


def database(settings: EnvConfig) -> tuple[Finding, Any]:
    """The database as it is: a missing SQLite file is reported, never created. Returns the engine
    (for the settings lines) when the schema is current, else None."""
    from sqlalchemy.exc import SQLAlchemyError

    from storage import migrate as migrations
    from storage.db import create_db_engine, ping

    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        return (
            Finding(
                "Database",
                OK,
                f"sqlite; {path} does not exist yet: `empathy-bot run` or `migrate` creates it",
            ),
            None,
        )
    engine = create_db_engine(settings.database_url)
    try:
        ping(engine)
        pending = migrations.pending(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1]
        return (
            Finding(
                "Database", FAILED, f"{type(exc).__name__}: {first[0] if first else ''}: check DATABASE_URL"
            ),
            None,
        )
    if pending:
        engine.dispose()
        state = f"{len(pending)} migration(s) pending: `empathy-bot migrate` (or `run`) applies them"
        return Finding("Database", OK, f"{engine.dialect.name}; {state}"), None
    return Finding("Database", OK, f"{engine.dialect.name}; schema current"), engine


CHANNELS = ("feedback_channel", "kudos_channel", "digest_channel")


def workspace_settings(
    settings: EnvConfig, engine: Any, workspace: Workspace | None, client: WebClient | None
) -> list[Finding]:
    """Owners set, channels set and the bot a member of each."""
    owners: tuple[str, ...] = settings.owners
    chosen: dict[str, str] = {}
    if engine is not None and workspace is not None:
        from bot.services.settings import SettingsService
        from storage.db import make_sessions

        stored = SettingsService(
            make_sessions(engine), SystemClock(), timezone=settings.timezone, env_owners=settings.owners
        ).get(workspace.team_id)
        owners = stored.owners
        chosen = {name: getattr(stored, name) for name in CHANNELS if getattr(stored, name)}
    findings = [
        Finding("Owners", OK, ", ".join(owners))
        if owners
        else Finding(
            "Owners",
            TODO,
            "none yet: the first person to open the bot's Home tab can claim ownership, "
            "or put your member ID in EMPATHY_OWNERS",
        )
    ]
    if not chosen:
        findings.append(
            Finding("Channels", TODO, "none set: an owner picks them in App Home > Open settings")
        )
        return findings
    for name, channel in chosen.items():
        findings.append(_channel(name, channel, client))
    return findings


def _channel(name: str, channel: str, client: WebClient | None) -> Finding:
    label = name.replace("_", " ").capitalize()
    if client is None:
        return Finding(label, TODO, f"{channel} set; membership not checked (no bot token)")
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except (SlackApiError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        return Finding(label, FAILED, f"{channel}: {error}: pick it again in App Home > Open settings")
    if not info.get("is_member"):
        return Finding(label, FAILED, f"the bot is not in {channel}: `/invite @empathy-bot` there")
    return Finding(label, OK, f"{channel}, the bot is a member")


def check_all(settings: EnvConfig, emit: Callable[[Finding], None]) -> bool:
    """Every finding, in the order a new owner fixes them; True when nothing FAILED."""
    findings: list[Finding] = []

    def note(finding: Finding) -> None:
        findings.append(finding)
        emit(finding)

    note(mode(settings))
    db, engine = database(settings)
    note(db)
    note(secret_key(settings))
    workspace = None
    client = None
    try:
        if settings.bot_token:
            client = quiet_client(settings, settings.bot_token)
            found, workspace = bot_token(settings, client=client)
            note(found)
            if workspace is not None:
                note(scopes(workspace))
        else:
            note(Finding("Bot token", OK, "OAuth: each workspace's token comes with its installation"))
        if settings.socket_mode:
            note(app_token(settings))
        for finding in workspace_settings(settings, engine, workspace, client if workspace else None):
            note(finding)
    finally:
        if engine is not None:
            engine.dispose()
    return all(f.status != FAILED for f in findings)
