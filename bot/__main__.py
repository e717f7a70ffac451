"""The empathy-bot command line: run, migrate, manifest, check (and the capabilities' data commands).

Start-up speed: only argparse and the capabilities' argument definitions load before a subcommand is
chosen; what a subcommand needs (Slack SDK, SQLAlchemy, TextBlob, matplotlib…) is imported when it runs,
so `empathy-bot --help` answers at once.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any

from bot import data_commands, feedback_import
from bot.config import ConfigError, EnvConfig, env_file, with_secret_key

log = logging.getLogger("empathy_bot")

# After SIGTERM: requests already received get this long to be answered; the process is gone by
# SHUTDOWN_DEADLINE whatever still runs (a job's Slack call: outbox leases make cutting it short safe).
REQUEST_GRACE = 5.0
SHUTDOWN_DEADLINE = 9.0
# Pooled database connections opened before listening: the first burst of requests finds them ready.
WARM_CONNECTIONS = 8


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (the README's command table is checked against it)."""
    parser = argparse.ArgumentParser(
        prog="empathy-bot",
        description="empathy-bot: a Slack bot for feedback, pulse surveys, kudos and a weekly digest.",
        epilog="Configuration comes from the environment or .env (see .env.example); `check` tests it.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser(
        "run",
        help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT)",
        description="Run the bot: Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT "
        "(POST /slack/events); GET /healthz in both. Applies pending migrations, checks the tokens "
        "with Slack first (one line per problem, exit 1), runs the scheduler, stops cleanly on SIGTERM.",
    )
    sub.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Apply pending database migrations to DATABASE_URL (creates a SQLite file if needed).",
    )
    sub.add_parser(
        "check",
        help="test everything `run` needs: config, database, tokens, scopes, owners, channels",
        description="Test everything `run` will need, one line each (OK, FAILED or TO DO, with the fix): "
        "configuration, database (never created here), bot token and its scopes, app token (Socket "
        "Mode), signing secret (HTTP mode), survey key, owners, channels. Exit 1 if anything FAILED.",
    )
    manifest = sub.add_parser(
        "manifest",
        help="print the Slack app manifest (YAML)",
        description="Print the Slack app manifest (YAML): Socket Mode, or HTTP mode with --request-url.",
    )
    manifest.add_argument(
        "--request-url",
        type=_public_url,
        metavar="URL",
        help="public base URL for HTTP mode, e.g. https://bot.example.com (default: %(default)s, "
        "i.e. Socket Mode)",
    )
    feedback_import.add_commands(sub)
    data_commands.add_commands(sub)
    _explain_defaults(parser)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("empathy-bot")
    except PackageNotFoundError:
        return "unknown"


def _public_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(f"not an http(s) base URL like https://bot.example.com: {value!r}")
    return value.rstrip("/")


def _explain_defaults(parser: argparse.ArgumentParser) -> None:
    """Every subcommand gets a description and every option states its default, also options the
    capabilities add (their help text is kept; the default is appended where it does not say one)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, child in action.choices.items():
                if not child.description and helps.get(name):
                    child.description = str(helps[name])[:1].upper() + str(helps[name])[1:] + "."
                _explain_defaults(child)
        elif action.option_strings and action.help not in (None, argparse.SUPPRESS):
            if action.default is not argparse.SUPPRESS and "default" not in action.help:
                shown = "off" if action.default is False else "%(default)s"
                action.help = f"{action.help} (default: {shown})"
        elif action.option_strings and action.help is None and action.dest.endswith("_column"):
            what = action.dest.removesuffix("_column").replace("_", " ")
            action.help = f"the CSV column holding the {what} (default: %(default)s)"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)

    if args.command == "manifest":
        from bot.manifest import manifest_yaml

        sys.stdout.write(manifest_yaml(args.request_url))
        return 0

    from dotenv import load_dotenv

    load_dotenv(env_file(os.environ))
    try:
        settings = EnvConfig.from_env(os.environ, require_slack=args.command in ("run", "check"))
    except ConfigError as exc:
        for problem in exc.problems:
            prefix = "Configuration: FAILED " if args.command == "check" else "empathy-bot: "
            print(f"{prefix}{problem}", file=sys.stdout if args.command == "check" else sys.stderr)
        return 2

    # Read once: Bolt would read these again from the environment, where an empty SLACK_CLIENT_ID from a
    # copied .env.example turns on its file-based OAuth flow (ignoring the bot token) and SLACK_BOT_TOKEN
    # beside the client we give it makes it warn. Child processes need them no more than Bolt does.
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"):
        os.environ.pop(name, None)

    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    if args.command == "migrate":
        return migrate(settings)
    if args.command == "check":
        return check(settings)
    data = args.command in feedback_import.COMMANDS or args.command in data_commands.COMMANDS
    if data and args.team is None and not learn_workspace(settings):
        return 2
    if args.command in feedback_import.COMMANDS:
        return feedback_import.main(args, settings)
    if args.command in data_commands.COMMANDS:
        return data_commands.main(args, settings)
    return run(settings)


def learn_workspace(settings: EnvConfig) -> bool:
    """A data command before the bot ever ran: the bot token's auth.test names the workspace, so the
    command need not ask for --team. False (after one line saying why) when Slack could not be asked."""
    if not settings.bot_token:
        return True
    from bot import preflight
    from bot.clock import SystemClock
    from bot.services.workspaces import Workspaces
    from storage import migrate as migrations
    from storage.db import create_db_engine, make_sessions

    engine = create_db_engine(settings.database_url)
    try:
        migrations.upgrade(engine)
        finding: list[preflight.Finding] = []

        def ask() -> tuple[str, str, str | None]:
            found, workspace = preflight.bot_token(settings)
            if workspace is None:
                finding.append(found)
                raise LookupError(found.detail)
            return workspace.team_id, workspace.name, workspace.bot_user_id

        try:
            Workspaces(make_sessions(engine), SystemClock()).learn(ask)
        except LookupError:
            print(f"empathy-bot: cannot tell the workspace: {finding[0].detail}", file=sys.stderr)
            return False
        return True
    finally:
        engine.dispose()


def migrate(settings: EnvConfig) -> int:
    from storage import migrate as migrations
    from storage.db import create_db_engine

    engine = create_db_engine(settings.database_url)
    try:
        applied = migrations.upgrade(engine)
    except Exception as exc:  # noqa: BLE001 - any failure here is reported as one line and exit 1
        print(f"empathy-bot: migration failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"Applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "Database is up to date."
    )
    return 0


def check(settings: EnvConfig) -> int:
    from bot import preflight

    print(f"Configuration: OK (Slack API {settings.api_url}; time zone {settings.timezone})")
    ok = preflight.check_all(settings, print)
    print(
        "All set: `empathy-bot run`." if ok else "Fix what FAILED above, then run `empathy-bot check` again."
    )
    return 0 if ok else 1


def run(settings: EnvConfig) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import create_app
    from bot.container import build_container
    from bot.web import Server, build_web_app
    from handlers import ingest as feedback_ingest
    from jobs import build_scheduler, stop_scheduler
    from storage import migrate as migrations
    from storage.db import open_connections

    problems, workspace = _preflight(settings)
    if problems:
        for problem in problems:
            print(f"empathy-bot: {problem}", file=sys.stderr)
        return 1
    settings = with_secret_key(settings)  # after the checks: a refused start leaves no file behind
    container = build_container(settings)
    try:
        applied = migrations.upgrade(container.engine)
    except SQLAlchemyError as exc:
        first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[:1]
        print(f"empathy-bot: database: {type(exc).__name__}: {first[0] if first else ''}", file=sys.stderr)
        container.close()
        return 1
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    container.sources.seal_legacy()
    if workspace is not None:
        container.workspaces.record_installation(workspace.team_id, workspace.name, workspace.bot_user_id)
        log.info("connected to workspace %s (%s)", workspace.name, workspace.team_id)

    try:
        app = create_app(container, check_token_now=not settings.oauth_enabled)
    except (BoltError, OSError) as exc:  # the token passed the checks a moment ago: Slack fails right now
        print(f"empathy-bot: Slack refused the bot token at start: {exc}", file=sys.stderr)
        container.close()
        return 1
    open_connections(container.engine, WARM_CONNECTIONS)
    # Everything built so far lives as long as the process: out of the collector's sight, a full
    # collection no longer walks it (one such pass, ~10 s into a busy start, held every request ~60 ms).
    gc.collect()
    gc.freeze()
    scheduler = build_scheduler(container)
    try:
        server = Server(
            build_web_app(
                container,
                None if settings.socket_mode else app,
                extra_routes=feedback_ingest.routes(container),
            ),
            host=settings.host,
            port=settings.port,
        )
    except OSError as exc:
        print(
            f"empathy-bot: cannot listen on {settings.host}:{settings.port} ({exc.strerror}): "
            "another program uses that port; set PORT (and HOST) in .env to a free one",
            file=sys.stderr,
        )
        container.close()
        return 1
    socket_handler = SocketModeHandler(app, settings.app_token) if settings.socket_mode else None

    def stop(signum: int, _frame: FrameType | None) -> None:
        """Only flags (safe in a signal handler): the server loop and the outbox notice within 0.25 s."""
        log.info("received %s, shutting down", signal.Signals(signum).name)
        container.outbox.stop()
        server.stop()
        _exit_by(SHUTDOWN_DEADLINE)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if settings.scheduler_enabled:
            scheduler.start()
        if socket_handler is not None:
            try:
                socket_handler.connect()
            except (SlackApiError, OSError) as exc:
                from bot.preflight import app_token_problem

                print(f"empathy-bot: {app_token_problem(settings, exc)}", file=sys.stderr)
                return 1
            log.info("Socket Mode connected; health check on port %s", server.effective_port)
        else:
            log.info(
                "HTTP mode: listening on %s:%s (POST /slack/events)", settings.host, server.effective_port
            )
        server.serve(grace=REQUEST_GRACE)
    finally:
        stop_scheduler(scheduler, container)
        if socket_handler is not None:
            socket_handler.close()
        container.close()
        log.info("stopped")
    return 0


def _preflight(settings: EnvConfig) -> tuple[list[str], Any]:
    """The Slack half of `check`, before anything starts: one line per problem, never a traceback."""
    from bot import preflight

    problems: list[str] = []
    workspace = None
    if settings.bot_token:
        found, workspace = preflight.bot_token(settings)
        if workspace is None:
            problems.append(found.detail)
    if settings.socket_mode:
        found = preflight.app_token(settings)
        if found.status == preflight.FAILED:
            problems.append(found.detail)
    return problems, workspace


def _exit_by(seconds: float) -> None:
    """A watchdog: if threads (a job mid-call, a listener) still hold the process after `seconds`,
    leave anyway. Nothing is lost: claimed outbox rows go back to the queue when their lease ends."""

    def watchdog() -> None:
        threading.Event().wait(seconds)
        log.warning("shutdown: work still running after %.0fs, exiting anyway", seconds)
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)

    threading.Thread(target=watchdog, name="shutdown-watchdog", daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
