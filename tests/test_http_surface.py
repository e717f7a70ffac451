"""The HTTP surface: Slack signature checks before any side effect, and the health check."""

from __future__ import annotations

import json
import time

from slack_bolt import App
from sqlalchemy import func, select

from bot.config import EnvConfig
from bot.container import Container, build_container
from bot.web import build_web_app
from storage.db import create_db_engine
from storage.models import Workspace
from tests.conftest import SIGNING_SECRET
from tests.http_client import call_wsgi
from tests.slack_requests import event_envelope, sign
from tests.slack_standin import SlackStandIn

HOME_EVENT = json.dumps(
    event_envelope({"type": "app_home_opened", "user": "UEMPLOYEE", "channel": "D1", "tab": "home"})
)


def _post(web, body: str, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    return call_wsgi(
        web, "POST", "/slack/events", body.encode(), {"Content-Type": "application/json", **headers}
    )


def test_signed_event_over_http_is_answered_with_views_publish(
    app: App, container: Container, slack: SlackStandIn
) -> None:
    web = build_web_app(container, app)
    result = _post(web, HOME_EVENT, sign(HOME_EVENT, SIGNING_SECRET))
    assert result.status == 200
    assert len(slack.calls_to("views.publish")) == 1


def test_bad_signature_gets_401_and_no_side_effect(
    app: App, container: Container, slack: SlackStandIn
) -> None:
    web = build_web_app(container, app)
    result = _post(web, HOME_EVENT, sign(HOME_EVENT, "not-the-secret"))
    assert result.status == 401
    assert slack.calls == []
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Workspace)) == 0


def test_timestamp_older_than_five_minutes_gets_401(
    app: App, container: Container, slack: SlackStandIn
) -> None:
    web = build_web_app(container, app)
    result = _post(web, HOME_EVENT, sign(HOME_EVENT, SIGNING_SECRET, int(time.time()) - 6 * 60))
    assert result.status == 401
    assert slack.calls == []


def test_url_verification_challenge_is_answered(app: App, container: Container) -> None:
    body = json.dumps({"token": "t", "challenge": "abc123", "type": "url_verification"})
    result = _post(build_web_app(container, app), body, sign(body, SIGNING_SECRET))
    assert result.status == 200 and b"abc123" in result.body


def test_healthz_is_200_with_the_database_up(app: App, container: Container) -> None:
    result = call_wsgi(build_web_app(container, app), "GET", "/healthz")
    assert result.status == 200
    assert result.json()["database"] == "ok"


def test_healthz_is_503_with_the_database_down(settings: EnvConfig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    broken = (
        f"sqlite:///{tmp_path}/missing-dir/nested/db.sqlite"
        if settings.is_sqlite
        else "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    )
    container = build_container(
        settings, engine=create_db_engine(broken, **({} if settings.is_sqlite else {"pool_pre_ping": False}))
    )
    result = call_wsgi(build_web_app(container, None), "GET", "/healthz")
    assert result.status == 503
    assert result.json() == {"status": "unavailable", "database": "unreachable"}


def test_unknown_path_is_a_json_404(app: App, container: Container) -> None:
    result = call_wsgi(build_web_app(container, app), "GET", "/nope")
    assert result.status == 404 and "error" in result.json()
