"""The empathy-bot command line: run, migrate, manifest, check (and the capabilities' data commands).

Start-up speed: only argparse and the capabilities' argument definitions load before a subcommand is
chosen; what a subcommand needs (Slack SDK, SQLAlchemy, TextBlob, matplotlib…) is imported when it runs,
so `empathy-bot --help` answers at once.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from bot import data_commands, feedback_import
from bot.config import ConfigError, EnvConfig, with_secret_key

log = logging.getLogger("empathy_bot")

# After SIGTERM: requests already received get this long to be answered; the process is gone by
# SHUTDOWN_DEADLINE whatever still runs (a job's Slack call: outbox leases make cutting it short safe).
REQUEST_GRACE = 5.0
SHUTDOWN_DEADLINE = 9.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="empathy-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (Socket Mode if SLACK_APP_TOKEN is set, else HTTP on PORT)")
    sub.add_parser("migrate", help="apply pending database migrations")
    sub.add_parser("check", help="validate configuration, database and the Slack token")
    manifest = sub.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument("--request-url", help="public base URL for HTTP mode, e.g. https://bot.example.com")
    feedback_import.add_commands(sub)
    data_commands.add_commands(sub)
    args = parser.parse_args(argv)

    if args.command == "manifest":
        from bot.manifest import manifest_yaml

        sys.stdout.write(manifest_yaml(args.request_url))
        return 0

    from dotenv import load_dotenv

    load_dotenv(os.environ.get("EMPATHY_ENV_FILE", ".env"))
    try:
        settings = EnvConfig.from_env(os.environ, require_slack=args.command in ("run", "check"))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"empathy-bot: {problem}", file=sys.stderr)
        return 2

    from bot.logs import setup_logging

    setup_logging(settings.log_level)
    if args.command == "migrate":
        return migrate(settings)
    if args.command == "check":
        return check(settings)
    if args.command in feedback_import.COMMANDS:
        return feedback_import.main(args, settings)
    if args.command in data_commands.COMMANDS:
        return data_commands.main(args, settings)
    return run(with_secret_key(settings))


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
    from slack_sdk.errors import SlackApiError
    from sqlalchemy.exc import SQLAlchemyError

    from bot.clock import SystemClock
    from bot.manifest import BOT_SCOPES
    from bot.slack import make_client
    from storage import migrate as migrations
    from storage.db import create_db_engine, ping

    ok = True
    mode = "Socket Mode" if settings.socket_mode else f"HTTP mode on port {settings.port}"
    print(f"Configuration: OK ({mode}; Slack API {settings.api_url}; time zone {settings.timezone})")
    engine = create_db_engine(settings.database_url)
    try:
        ping(engine)
        pending = migrations.heads() - migrations.current(engine)
        state = (
            f"{len(pending)} migration(s) pending (run `empathy-bot migrate`)"
            if pending
            else "schema current"
        )
        print(f"Database: OK ({engine.dialect.name}; {state})")
    except SQLAlchemyError as exc:
        print(f"Database: FAILED ({type(exc).__name__}: {str(exc).splitlines()[0]})")
        ok = False
    finally:
        engine.dispose()
    if settings.bot_token:
        try:
            response = make_client(settings, SystemClock(), settings.bot_token).auth_test()
            granted = set((response.headers.get("x-oauth-scopes") or "").replace(" ", "").split(",")) - {""}
            team, team_id, bot_user = response["team"], response["team_id"], response["user_id"]
            print(f"Slack: OK (workspace {team} {team_id}, bot user {bot_user})")
            missing = sorted(set(BOT_SCOPES) - granted) if granted else []
            if missing:
                print(f"Slack: missing scopes {', '.join(missing)}: reinstall from `empathy-bot manifest`")
                ok = False
        except SlackApiError as exc:
            print(f"Slack: FAILED ({exc.response.get('error')}): check SLACK_BOT_TOKEN")
            ok = False
        except OSError as exc:
            print(f"Slack: FAILED (cannot reach {settings.api_url}: {exc})")
            ok = False
    return 0 if ok else 1


def run(settings: EnvConfig) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from bot.app import create_app
    from bot.container import build_container
    from bot.web import Server, build_web_app
    from handlers import ingest as feedback_ingest
    from jobs import build_scheduler, stop_scheduler
    from storage import migrate as migrations

    container = build_container(settings)
    applied = migrations.upgrade(container.engine)
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    container.sources.seal_legacy()
    if settings.bot_token:
        try:
            auth = container.slack.base.auth_test()
        except SlackApiError as exc:
            print(
                f"empathy-bot: Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}); "
                "copy it again from Slack app settings > OAuth & Permissions.",
                file=sys.stderr,
            )
            return 1
        except OSError as exc:
            print(f"empathy-bot: cannot reach Slack at {settings.api_url}: {exc}", file=sys.stderr)
            return 1
        container.workspaces.record_installation(auth["team_id"], auth.get("team") or "", auth.get("user_id"))
        log.info("connected to workspace %s (%s)", auth.get("team"), auth["team_id"])

    app = create_app(container)
    scheduler = build_scheduler(container)
    server = Server(
        build_web_app(
            container, None if settings.socket_mode else app, extra_routes=feedback_ingest.routes(container)
        ),
        host=settings.host,
        port=settings.port,
    )
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
            socket_handler.connect()
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
