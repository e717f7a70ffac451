"""The first hour of a new owner: `check` finds every setup mistake, one line each, with its fix."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import preflight
from bot.app import create_app
from bot.config import EnvConfig, with_secret_key
from bot.container import Container, build_container
from bot.manifest import BOT_SCOPES
from bot.services.settings import FIRST_OWNER
from bot.views import ids
from storage import migrate as migrations
from storage.db import create_db_engine
from storage.models import Workspace, WorkspaceSetting
from tests.conftest import SIGNING_SECRET
from tests.slack_requests import SlackDriver
from tests.slack_standin import TEAM_ID, SlackStandIn

REPO = Path(__file__).resolve().parent.parent


def cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "EMPATHY_ENV_FILE": str(cwd / "none.env")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def socket_env(slack: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": "xoxb-first-hour",
        "SLACK_APP_TOKEN": "xapp-1-first-hour",
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
    }


def test_check_tests_the_app_token_and_says_how_to_fix_a_refused_one(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    slack.scopes = ",".join(BOT_SCOPES)
    slack.fail_next("apps.connections.open", "invalid_auth")
    result = cli("check", env=socket_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 1, result.stdout
    [line] = [x for x in result.stdout.splitlines() if x.startswith("App token")]
    assert line.startswith("App token: FAILED (Slack refused SLACK_APP_TOKEN (invalid_auth)")
    assert "Basic Information > App-Level Tokens; put it in .env (see .env.example)" in line
    assert result.stderr == "", "no slack_sdk log lines mixed into the report"
    assert "xapp-1-first-hour" not in result.stdout


def test_check_passes_with_a_good_app_token_and_lists_what_is_left_to_do(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    slack.scopes = ",".join(BOT_SCOPES)
    slack.socket_url = "ws://127.0.0.1:9/never-opened"
    result = cli("check", env=socket_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "App token: OK (Socket Mode can connect)" in result.stdout
    assert "Scopes: OK" in result.stdout
    assert "Owners: TO DO (none yet: the first person to open the bot's Home tab can claim" in result.stdout
    assert "Channels: TO DO" in result.stdout
    assert "c.db.secret is created at the first run: back it up" in result.stdout
    assert all(": " in line for line in result.stdout.splitlines()[:-1]), "one finding per line"


def test_check_names_the_missing_scopes(tmp_path: Path, slack: SlackStandIn) -> None:
    slack.scopes = "chat:write"
    slack.socket_url = "ws://127.0.0.1:9/never-opened"
    result = cli("check", env=socket_env(slack, tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("Scopes")]
    assert "FAILED" in line and "commands" in line and "empathy-bot manifest" in line


@pytest.fixture
def not_slack() -> Iterator[str]:
    """A wrong SLACK_API_URL: some web server that answers HTML."""

    class Html(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            self.send_response(404)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<html><body>Not Found</body></html>")

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


def test_a_non_json_answer_is_blamed_on_the_url_not_the_token(tmp_path: Path, not_slack: str) -> None:
    env = {
        "SLACK_BOT_TOKEN": "xoxb-first-hour",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": not_slack,
        "DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
    }
    result = cli("check", env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = [x for x in result.stdout.splitlines() if x.startswith("Bot token")]
    assert (
        "answered HTTP 404 with something that is not the Slack API (not JSON): check SLACK_API_URL" in line
    )
    assert "refused SLACK_BOT_TOKEN" not in line


def test_check_finds_a_channel_the_bot_is_not_in_and_the_owners_set(
    settings: EnvConfig, clock: Any, slack: SlackStandIn, scratch_database_url: str
) -> None:
    from bot.domain.actor import Actor

    settings = replace(settings, database_url=scratch_database_url)
    engine = create_db_engine(scratch_database_url)
    migrations.upgrade(engine)
    container = build_container(settings, clock=clock, engine=engine)
    slack.scopes = ",".join(BOT_SCOPES)
    container.workspaces.record_installation(TEAM_ID, "Example Co", "UBOT")
    container.workspace_settings.update(
        Actor.operator(TEAM_ID), {"feedback_channel": "CFEEDBACK", "kudos_channel": "CKUDOS"}
    )
    slack.outside.add("CKUDOS")
    found: list[preflight.Finding] = []
    assert preflight.check_all(settings, found.append) is False, found
    lines = {f.subject: f for f in found}
    assert lines["Owners"].status == preflight.OK
    assert lines["Feedback channel"].status == preflight.OK
    assert lines["Kudos channel"].status == preflight.FAILED
    assert "`/invite @empathy-bot`" in lines["Kudos channel"].detail
    assert "Database" in lines and lines["Database"].detail.endswith("schema current")
    engine.dispose()


def test_pending_migrations_are_counted_one_by_one(tmp_path: Path) -> None:
    engine = create_db_engine(f"sqlite:///{tmp_path}/p.db")
    try:
        every = migrations.pending(engine)
        assert len(every) > 6 and every[0].startswith("0001")
        assert len(every) == len(migrations.upgrade(engine))
        assert migrations.pending(engine) == []
    finally:
        engine.dispose()


def test_a_data_command_on_a_fresh_database_learns_the_workspace_from_the_bot_token(
    tmp_path: Path, slack: SlackStandIn, scratch_database_url: str
) -> None:
    (tmp_path / "f.csv").write_text("id,text\nA1,Lovely app\n")
    env = {
        "SLACK_BOT_TOKEN": "xoxb-first-hour",
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": scratch_database_url,
    }
    result = cli("import-feedback", str(tmp_path / "f.csv"), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Imported 1" in result.stdout
    assert [c.token for c in slack.calls_to("auth.test")] == ["xoxb-first-hour"]
    engine = create_db_engine(scratch_database_url)
    with Session(engine) as s:
        assert s.scalars(select(Workspace.team_id)).all() == [TEAM_ID]
    engine.dispose()


def test_the_key_file_is_git_ignored_and_only_its_owner_can_read_it(tmp_path: Path) -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "empathy-bot.db.secret"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert ignored.returncode == 0, "`git add .` must not commit the survey anonymity key"
    old = os.umask(0o022)
    try:
        settings = EnvConfig(database_url=f"sqlite:///{tmp_path}/empathy-bot.db")
        assert with_secret_key(settings).secret_key
    finally:
        os.umask(old)
    assert (tmp_path / "empathy-bot.db.secret").stat().st_mode & 0o777 == 0o600


# --- first owner ---------------------------------------------------------------------------------------


@pytest.fixture
def ownerless(settings: EnvConfig, clock: Any, engine: Any) -> Container:
    return build_container(replace(settings, owners=()), clock=clock, engine=engine)


def test_with_no_owner_everyone_sees_the_claim_and_the_first_claim_wins(
    ownerless: Container, slack: SlackStandIn
) -> None:
    driver = SlackDriver(create_app(ownerless, process_before_response=True), SIGNING_SECRET)
    driver.event({"type": "app_home_opened", "user": "UFIRST01", "channel": "D1", "tab": "home"})
    [home] = slack.calls_to("views.publish")
    assert "No owner yet: claim ownership" in json.dumps(home["view"])
    assert ids.CLAIM_OWNERSHIP in json.dumps(home["view"])

    driver.action(
        ids.CLAIM_OWNERSHIP, user="UFIRST01", view={"id": "VHOME", "type": "home"}, response_url=None
    )
    driver.action(
        ids.CLAIM_OWNERSHIP, user="ULATE001", view={"id": "VHOME", "type": "home"}, response_url=None
    )
    assert ownerless.workspace_settings.get(TEAM_ID).owners == ("UFIRST01",)
    first, late = slack.calls_to("views.publish")[1:]
    assert ids.OPEN_SETTINGS in json.dumps(first["view"]) and ids.CLAIM_OWNERSHIP not in json.dumps(
        first["view"]
    )
    assert ids.OPEN_SETTINGS not in json.dumps(late["view"]) and ids.CLAIM_OWNERSHIP not in json.dumps(
        late["view"]
    )
    with ownerless.sessions() as s:
        claim = s.get(WorkspaceSetting, (TEAM_ID, FIRST_OWNER))
        assert claim is not None and claim.value == "UFIRST01" and claim.updated_by == "UFIRST01"


def test_simultaneous_claims_cannot_both_win(ownerless: Container) -> None:
    ownerless.workspaces.ensure(TEAM_ID)
    barrier = threading.Barrier(4)
    won: list[str] = []

    def claim(user: str) -> None:
        barrier.wait()
        if ownerless.workspace_settings.claim_first_owner(TEAM_ID, user):
            won.append(user)

    threads = [threading.Thread(target=claim, args=(f"UCLAIM0{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1
    assert ownerless.workspace_settings.get(TEAM_ID).owners == (won[0],)


def test_a_configured_owner_means_nothing_to_claim(container: Container) -> None:
    assert container.workspace_settings.claim_first_owner(TEAM_ID, "UGRABBY1") is False


def test_with_oauth_the_installer_is_the_first_owner(ownerless: Container) -> None:
    from bot.oauth import oauth_settings

    captured: list[tuple[str, str]] = []

    def record(team_id: str, user_id: str) -> bool:
        captured.append((team_id, user_id))
        return ownerless.workspace_settings.claim_first_owner(team_id, user_id)

    settings = replace(ownerless.config, client_id="1.2", client_secret="c", bot_token=None)
    store = _FakeInstallationStore()
    oauth = oauth_settings(
        settings, ownerless.engine, store, ownerless.workspaces.record_installation, record
    )
    args = _success_args(oauth)
    oauth.callback_options.success(args)  # type: ignore[union-attr]
    assert captured == [(TEAM_ID, "UINSTALL")]
    assert ownerless.workspace_settings.get(TEAM_ID).owners == ("UINSTALL",)


class _FakeInstallationStore:
    pass


def _success_args(oauth: Any) -> Any:
    from slack_bolt.oauth.callback_options import SuccessArgs
    from slack_sdk.oauth.installation_store import Installation

    class Default:
        @staticmethod
        def success(_args: Any) -> str:
            return "ok"

    installation = Installation(
        app_id="A1", team_id=TEAM_ID, team_name="Example Co", bot_user_id="UBOT", user_id="UINSTALL"
    )
    return SuccessArgs(
        request=None,  # type: ignore[arg-type]
        installation=installation,
        settings=oauth,
        default=Default(),  # type: ignore[arg-type]
    )


# --- quiet logs ----------------------------------------------------------------------------------------


def test_two_hundred_requests_log_no_warning(
    container: Container, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    app = create_app(container, process_before_response=True)
    driver = SlackDriver(app, SIGNING_SECRET, response_url=f"{slack.base}/respond")
    for i in range(100):
        assert (
            driver.event(
                {"type": "app_home_opened", "user": f"UEMP{i:05d}", "channel": "D1", "tab": "home"}
            ).status
            == 200
        )
        assert driver.command("/empathy", "help", user=f"UEMP{i:05d}").status == 200
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


class _Scheduler:
    """Just what the wake-up uses of APScheduler: listeners, modify_job, running."""

    running = True

    def __init__(self) -> None:
        self.listener: Any = None
        self.runs = 0

    def add_listener(self, fn: Any, _mask: int) -> None:
        self.listener = fn

    def modify_job(self, _job_id: str, **_changes: Any) -> None:
        self.runs += 1


def test_outbox_wake_ups_during_a_run_coalesce_into_one_run_after_it(container: Container) -> None:
    from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent

    from jobs import _coalesced_wake

    scheduler = _Scheduler()
    wake = _coalesced_wake(scheduler, container)  # type: ignore[arg-type]
    wake()
    assert scheduler.runs == 1, "idle: run now"
    scheduler.listener(JobEvent(EVENT_JOB_SUBMITTED, "work_outbox", "default"))
    for _ in range(50):
        wake()
    assert scheduler.runs == 1, "a run is going: no second instance (APScheduler would warn)"
    scheduler.listener(JobEvent(EVENT_JOB_EXECUTED, "work_outbox", "default"))
    assert scheduler.runs == 2, "once more right after, for what arrived during the run"
    scheduler.listener(JobEvent(EVENT_JOB_EXECUTED, "other_job", "default"))
    assert scheduler.runs == 2


def test_bolt_is_built_without_its_token_warning(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="slack_bolt")
    create_app(container)
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]


def test_log_format_json_writes_one_object_per_line_with_tokens_redacted() -> None:
    from bot.logs import JsonFormatter, RedactTokens

    record = logging.LogRecord("empathy_bot", logging.INFO, __file__, 1, "token %s", ("xoxb-1-secret",), None)
    RedactTokens().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "INFO" and entry["logger"] == "empathy_bot"
    assert entry["message"] == "token xoxb-***"
    assert (
        EnvConfig.from_env(
            {"SLACK_BOT_TOKEN": "xoxb-1", "LOG_FORMAT": "json"}, require_slack=False
        ).log_format
        == "json"
    )


# --- a CLI that explains itself --------------------------------------------------------------------------


def test_help_loads_no_heavy_module() -> None:
    """`--help` stays sub-second because parsing the command line imports no SDK, ORM or model."""
    code = "import sys, bot.__main__ as m; m.build_parser(); print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    modules = set(loaded.stdout.split())
    heavy = {
        "slack_sdk",
        "slack_bolt",
        "sqlalchemy",
        "alembic",
        "apscheduler",
        "textblob",
        "matplotlib",
        "waitress",
    }
    assert heavy.isdisjoint(modules), heavy & modules


def test_every_subcommand_has_a_description_and_every_option_says_its_default() -> None:
    import argparse

    from bot.__main__ import build_parser

    def walk(
        parser: argparse.ArgumentParser, path: str
    ) -> Iterator[tuple[str, argparse.Action, argparse.ArgumentParser]]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    assert child.description, f"{path} {name} has no description"
                    yield from walk(child, f"{path} {name}")
            else:
                yield path, action, parser

    for path, action, _ in walk(build_parser(), "empathy-bot"):
        if isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        assert action.help, f"{path} {action.dest} has no help"
        if action.option_strings:
            assert "default" in action.help, f"{path} {action.option_strings[0]} does not state its default"


def test_version_and_url_validation(tmp_path: Path) -> None:
    version = cli("--version", env={}, cwd=tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("empathy-bot ")
    bad = cli("manifest", "--request-url", "notaurl", env={}, cwd=tmp_path)
    assert bad.returncode == 2 and "not an http(s) base URL" in bad.stderr
    good = cli("manifest", "--request-url", "https://bot.example.com/", env={}, cwd=tmp_path)
    assert good.returncode == 0 and "https://bot.example.com/slack/events" in good.stdout


# --- the README's path, as a real process -----------------------------------------------------------------


def _env_file(tmp_path: Path, **values: str) -> Path:
    """.env.example copied and filled in, as the README's quick start says (empty lines stay empty)."""
    text = (REPO / ".env.example").read_text()
    for name, value in values.items():
        text = re.sub(rf"^{name}=.*$", f"{name}={value}", text, flags=re.MULTILINE)
    path = tmp_path / ".env"
    path.write_text(text)
    return path


def test_from_a_copied_env_example_to_a_home_tab_and_a_claim_with_a_quiet_log(
    slack: SlackStandIn, scratch_database_url: str, tmp_path: Path
) -> None:
    from tests.slack_requests import block_actions_payload, event_envelope
    from tests.socket_standin import SocketModeStandIn
    from tests.test_run_process import _free_port, stop

    socket_mode = SocketModeStandIn()
    slack.socket_url = socket_mode.url
    env_file = _env_file(
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-readme",
        SLACK_APP_TOKEN="xapp-1-readme",
        SLACK_API_URL=slack.url,
        DATABASE_URL=scratch_database_url,
        EMPATHY_SECRET_KEY="k" * 64,
        PORT=str(_free_port()),
        HOST="127.0.0.1",
    )
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "EMPATHY_ENV_FILE": str(env_file)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        log = []
        for line in proc.stdout:
            log.append(line)
            if "Socket Mode connected" in line:
                break
        else:
            pytest.fail("".join(log))
        socket_mode.wait_connected()
        home = {"type": "app_home_opened", "user": "UNEW0001", "channel": "D1", "tab": "home"}
        socket_mode.ack_for(socket_mode.send("events_api", event_envelope(home)))
        [first] = slack.wait_for("views.publish")
        assert "No owner yet: claim ownership" in json.dumps(first["view"])
        claim = block_actions_payload(
            ids.CLAIM_OWNERSHIP, user="UNEW0001", view={"id": "VHOME", "type": "home"}, response_url=None
        )
        socket_mode.ack_for(socket_mode.send("interactive", claim))
        second = slack.wait_for("views.publish", 2)[1]
        assert ids.OPEN_SETTINGS in json.dumps(second["view"])
        assert [c.token for c in slack.calls_to("views.publish")] == ["xoxb-readme"] * 2
    finally:
        output = "".join(log) + stop(proc)
        socket_mode.close()
    assert " WARNING " not in output and "Traceback" not in output, output


def test_a_busy_port_is_one_line(slack: SlackStandIn, scratch_database_url: str, tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        env = {
            "SLACK_BOT_TOKEN": "xoxb-busy",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": scratch_database_url,
            "EMPATHY_SECRET_KEY": "k" * 64,
            "HOST": "127.0.0.1",
            "PORT": str(busy.getsockname()[1]),
        }
        result = cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("empathy-bot:")]
    assert "cannot listen on 127.0.0.1:" in line and "set PORT" in line
    assert "Traceback" not in result.stderr
