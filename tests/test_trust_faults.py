"""The one error handler: user-facing errors and a database outage reach the user kindly."""

from __future__ import annotations

import json

from bot.app import create_app
from bot.config import EnvConfig
from bot.container import build_container
from bot.views import ids
from handlers.errors import DB_DOWN
from storage.db import create_db_engine
from tests.conftest import OWNER, SIGNING_SECRET
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn


def _driver_with_broken_database(settings: EnvConfig, slack: SlackStandIn, tmp_path) -> SlackDriver:  # type: ignore[no-untyped-def]
    url = (
        f"sqlite:///{tmp_path}/missing/dir/db.sqlite"
        if settings.is_sqlite
        else "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
    )
    container = build_container(settings, engine=create_db_engine(url))
    app = create_app(container, process_before_response=True)
    return SlackDriver(app, SIGNING_SECRET, response_url=f"{slack.base}/respond")


def test_database_outage_during_a_button_click_says_try_again(
    settings: EnvConfig, slack: SlackStandIn, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    driver = _driver_with_broken_database(settings, slack, tmp_path)
    driver.action(ids.OPEN_SETTINGS, user=OWNER, view={"id": "VHOME", "type": "home"}, response_url=None)
    [modal] = slack.calls_to("views.open")
    assert DB_DOWN in json.dumps(modal["view"])


def test_database_outage_during_a_modal_submission_keeps_the_modal_and_says_so(
    settings: EnvConfig, slack: SlackStandIn, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    driver = _driver_with_broken_database(settings, slack, tmp_path)
    response = driver.submit(ids.SETTINGS_MODAL, {}, user=OWNER)
    body = json.loads(response.body)
    assert body["response_action"] == "update"
    assert DB_DOWN in json.dumps(body["view"])


def test_database_outage_on_home_open_is_logged_not_crashed(
    settings: EnvConfig, slack: SlackStandIn, tmp_path, caplog
) -> None:  # type: ignore[no-untyped-def]
    driver = _driver_with_broken_database(settings, slack, tmp_path)
    driver.event({"type": "app_home_opened", "user": OWNER, "channel": "D1", "tab": "home"})
    assert slack.calls_to("views.publish") == []
    assert "database unavailable" in caplog.text
