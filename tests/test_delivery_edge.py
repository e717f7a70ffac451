"""The HTTP edge under abuse and outages: bounded bodies, malformed JSON, replays, honest health, 503s."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
from slack_bolt import App
from sqlalchemy import event, func, select

from bot.config import EnvConfig
from bot.container import Container, build_container
from bot.domain.actor import Actor
from bot.web import INGEST_MAX_BODY, MAX_BODY, build_web_app
from handlers import ingest
from jobs.housekeeping import forget_seen_slack_requests
from storage.db import create_db_engine
from storage.models import Feedback, Kudos, SeenSlackRequest
from tests.conftest import OWNER, SIGNING_SECRET
from tests.http_client import HttpResult, call_wsgi
from tests.intake_helpers import secret_and_token
from tests.slack_requests import TEAM_ID, event_envelope, sign, slash_command_body
from tests.slack_standin import SlackStandIn


class Unreadable:
    """A request body that must not be read: the edge has to decide from the headers alone."""

    def read(self, *_args: Any) -> bytes:
        raise AssertionError("the body was read")


def _call_unread(web: Any, path: str, length: int) -> tuple[str, bytes]:
    environ: dict[str, Any] = {}
    setup_testing_defaults(environ)
    environ.update(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "CONTENT_LENGTH": str(length),
            "CONTENT_TYPE": "application/json",
            "wsgi.input": Unreadable(),
        }
    )
    seen: list[str] = []
    body = b"".join(web(environ, lambda status, _headers: seen.append(status)))
    return seen[0], body


@pytest.mark.parametrize(
    ("path", "length"),
    [
        ("/slack/events", 300 * 1024 * 1024),
        ("/slack/events", MAX_BODY + 1),
        ("/feedback/ingest", 300 * 1024 * 1024),
        ("/feedback/ingest", INGEST_MAX_BODY + 1),
    ],
)
def test_an_oversized_body_is_refused_by_its_length_without_reading_it(
    app: App, container: Container, path: str, length: int
) -> None:
    web = build_web_app(container, app, extra_routes=ingest.routes(container))
    status, body = _call_unread(web, path, length)
    assert status.startswith("413") and json.loads(body)["error"]


def _post_slack(web: Any, body: str, headers: dict[str, str], content_type: str) -> HttpResult:
    return call_wsgi(web, "POST", "/slack/events", body.encode(), {"Content-Type": content_type, **headers})


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[" * 20000 + "]" * 20000, "application/json"),
        ("payload=" + "%5B" * 20000, "application/x-www-form-urlencoded"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_or_too_deep_json_is_a_400_and_unsigned_a_401_never_a_traceback(
    app: App, container: Container, slack: SlackStandIn, caplog: Any, body: str, content_type: str
) -> None:
    web = build_web_app(container, app)
    caplog.set_level(logging.WARNING)
    signed = _post_slack(web, body, sign(body, SIGNING_SECRET), content_type)
    assert signed.status == 400 and signed.json()["error"] == "malformed body"
    unsigned = _post_slack(web, body, {}, content_type)
    assert unsigned.status == 401
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a client's error"
    assert slack.calls == []


def _kudos_count(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(Kudos)) or 0


def test_a_replayed_signed_command_is_refused(app: App, container: Container, slack: SlackStandIn) -> None:
    slack.add_user("UANA0001", "ana")
    web = build_web_app(container, app)
    body = slash_command_body("/kudos", "<@UANA0001|ana> for the onboarding call", user=OWNER)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SIGNING_SECRET)}
    first = call_wsgi(web, "POST", "/slack/events", body.encode(), headers)
    assert first.status == 200 and _kudos_count(container) == 1
    for _ in range(2):
        again = call_wsgi(web, "POST", "/slack/events", body.encode(), headers)
        assert again.status == 401 and again.json()["error"] == "request already received"
    assert _kudos_count(container) == 1


def test_slacks_own_event_retry_is_not_refused(app: App, container: Container, slack: SlackStandIn) -> None:
    web = build_web_app(container, app)
    body = json.dumps(
        event_envelope({"type": "app_home_opened", "user": "UEMPLOYEE", "channel": "D1", "tab": "home"})
    )
    headers = sign(body, SIGNING_SECRET)
    assert _post_slack(web, body, headers, "application/json").status == 200
    retry = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert _post_slack(web, body, retry, "application/json").status == 200
    resigned = sign(body, SIGNING_SECRET, int(time.time()) + 1)  # a retry Slack signs afresh
    assert _post_slack(web, body, {**resigned, "X-Slack-Retry-Num": "2"}, "application/json").status == 200


def test_seen_signatures_are_forgotten_by_a_job_never_by_a_request(
    app: App, container: Container, slack: SlackStandIn
) -> None:
    """A request only inserts its signature: deleting expired rows in every request made concurrent
    requests wait for each other's commit on PostgreSQL (the same expired rows, locked by each DELETE)."""
    web = build_web_app(container, app)
    body = json.dumps({"token": "t", "challenge": "abc", "type": "url_verification"})
    with container.sessions.begin() as s:
        s.add(SeenSlackRequest(signature="v0=old", request_ts=int(time.time()) - 3600))
        s.add(SeenSlackRequest(signature="v0=recent", request_ts=int(time.time()) - 60))
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(container.engine, "before_cursor_execute", note)
    try:
        assert _post_slack(web, body, sign(body, SIGNING_SECRET), "application/json").status == 200
    finally:
        event.remove(container.engine, "before_cursor_execute", note)
    assert not [x for x in statements if x.lstrip().upper().startswith("DELETE")]
    assert forget_seen_slack_requests(container) == 1
    with container.sessions() as s:
        assert s.get(SeenSlackRequest, "v0=old") is None
        assert s.get(SeenSlackRequest, "v0=recent") is not None, "still inside the replay window"


def _read_only_url(settings: EnvConfig) -> str:
    if settings.is_sqlite:
        path = settings.database_url.removeprefix("sqlite:///")
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    separator = "&" if "?" in settings.database_url else "?"
    return f"{settings.database_url}{separator}options=-c%20default_transaction_read_only%3Don"


def test_healthz_is_503_when_the_database_is_read_only(
    settings: EnvConfig, container: Container, app: App
) -> None:
    assert call_wsgi(build_web_app(container, app), "GET", "/healthz").status == 200
    read_only = create_db_engine(_read_only_url(settings))
    try:
        frozen = build_container(settings, clock=container.clock, engine=read_only)
        result = call_wsgi(build_web_app(frozen, None), "GET", "/healthz")
    finally:
        read_only.dispose()
    assert result.status == 503
    assert result.json() == {"status": "unavailable", "database": "not writable"}


def test_healthz_reports_how_late_the_outbox_runs(container: Container, app: App) -> None:
    with container.sessions.begin() as s:
        container.outbox.enqueue(
            s, team_id=TEAM_ID, key="x", method="chat.postMessage", payload={"channel": "C1", "text": "x"}
        )
    container.clock.advance(seconds=42)  # type: ignore[attr-defined]
    outbox = call_wsgi(build_web_app(container, app), "GET", "/healthz").json()["outbox"]
    assert outbox["pending"] == 1 and outbox["oldest_due_seconds"] == 42


def test_ingest_with_the_database_down_is_503_with_retry_after_and_nothing_is_lost(
    settings: EnvConfig, container: Container, tmp_path: Any
) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    secret, _token = secret_and_token(container, Actor.operator(TEAM_ID), "zendesk")
    body = json.dumps({"id": "T-1", "text": "The export button does nothing."}).encode()
    ts = str(int(container.clock.now().timestamp()))
    headers = {
        "Content-Type": "application/json",
        "X-Empathy-Source": "zendesk",
        "X-Empathy-Timestamp": ts,
        "X-Empathy-Signature": ingest.signature(secret, ts, body),
    }
    broken_url = (
        f"sqlite:///{tmp_path}/missing/dir/db.sqlite"
        if settings.is_sqlite
        else "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    )
    down = build_container(settings, clock=container.clock, engine=create_db_engine(broken_url))
    result = call_wsgi(
        build_web_app(down, None, extra_routes=ingest.routes(down)), "POST", ingest.PATH, body, headers
    )
    assert result.status == 503 and result.headers["retry-after"].isdigit()
    assert "Traceback" not in result.body.decode()
    back = call_wsgi(
        build_web_app(container, None, extra_routes=ingest.routes(container)),
        "POST",
        ingest.PATH,
        body,
        headers,
    )
    assert back.status in (200, 201, 202)
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Feedback)) == 1
