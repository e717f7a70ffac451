"""OAuth distribution: two workspaces install through Bolt's flow against the stand-in's oauth.v2.access."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from bot.app import create_app
from bot.clock import FixedClock
from bot.config import EnvConfig
from bot.container import Container, build_container
from bot.domain.actor import Actor
from bot.web import WebApp, build_web_app
from tests.conftest import SIGNING_SECRET
from tests.http_client import call_wsgi
from tests.slack_requests import SlackDriver
from tests.slack_standin import SlackStandIn

INSTALLS = {
    "code-a": ("T0AAAAA", "Team A", "xoxb-team-a", "UBOTA"),
    "code-b": ("T0BBBBB", "Team B", "xoxb-team-b", "UBOTB"),
}


@pytest.fixture
def oauth_container(settings: EnvConfig, clock: FixedClock, engine: Engine, slack: SlackStandIn) -> Container:
    def access(params: dict) -> dict:  # type: ignore[type-arg]
        team_id, name, token, bot_user = INSTALLS[params["code"]]
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "chat:write,commands",
            "bot_user_id": bot_user,
            "app_id": "AAPP1",
            "team": {"id": team_id, "name": name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        }

    slack.respond_with("oauth.v2.access", access)
    oauth = replace(settings, bot_token=None, client_id="111.222", client_secret="client-secret")
    return build_container(oauth, clock=clock, engine=engine)


def _install(web: WebApp, code: str) -> None:
    page = call_wsgi(web, "GET", "/slack/install")
    assert page.status == 200
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    state = cookie.split("=", 1)[1]
    assert re.search(r"oauth/v2/authorize\?[^\"']*state=" + re.escape(state), page.body.decode())
    done = call_wsgi(
        web, "GET", "/slack/oauth_redirect", headers={"Cookie": cookie}, query=f"code={code}&state={state}"
    )
    assert done.status == 200, done.body


def test_two_workspaces_install_and_each_gets_its_own_token(
    oauth_container: Container, slack: SlackStandIn
) -> None:
    web = build_web_app(oauth_container, create_app(oauth_container, process_before_response=True))
    _install(web, "code-a")
    _install(web, "code-b")
    assert sorted(oauth_container.workspaces.active_team_ids()) == ["T0AAAAA", "T0BBBBB"]
    oauth_container.slack.for_team("T0AAAAA").auth_test()
    oauth_container.slack.for_team("T0BBBBB").auth_test()
    assert [c.token for c in slack.calls_to("auth.test")][-2:] == ["xoxb-team-a", "xoxb-team-b"]


def test_a_reused_state_is_refused(oauth_container: Container) -> None:
    web = build_web_app(oauth_container, create_app(oauth_container, process_before_response=True))
    page = call_wsgi(web, "GET", "/slack/install")
    cookie = page.headers["set-cookie"].split(";", 1)[0]
    state = cookie.split("=", 1)[1]
    first = call_wsgi(
        web, "GET", "/slack/oauth_redirect", headers={"Cookie": cookie}, query=f"code=code-a&state={state}"
    )
    again = call_wsgi(
        web, "GET", "/slack/oauth_redirect", headers={"Cookie": cookie}, query=f"code=code-b&state={state}"
    )
    assert first.status == 200 and again.status >= 400
    assert oauth_container.workspaces.active_team_ids() == ["T0AAAAA"]


def test_uninstall_stops_the_workspace_and_forgets_its_token(oauth_container: Container) -> None:
    app = create_app(oauth_container, process_before_response=True)
    _install(build_web_app(oauth_container, app), "code-a")
    driver = SlackDriver(app, SIGNING_SECRET)
    response = driver.event({"type": "app_uninstalled"}, team="T0AAAAA")
    assert response.status == 200
    assert oauth_container.workspaces.active_team_ids() == []
    assert oauth_container.installations is not None
    assert oauth_container.installations.find_bot(enterprise_id=None, team_id="T0AAAAA") is None


def test_two_installed_workspaces_each_get_their_own_digest_with_only_their_own_data(
    oauth_container: Container, slack: SlackStandIn
) -> None:
    from bot.domain.feedback import FeedbackInput
    from jobs.digest import send_weekly_digests

    web = build_web_app(oauth_container, create_app(oauth_container, process_before_response=True))
    _install(web, "code-a")
    _install(web, "code-b")
    texts = {
        "T0AAAAA": ["Terrible, the parcel never came.", "Awful support, rude and slow."],
        "T0BBBBB": ["Lovely service, thank you so much!"],
    }
    for team, items in texts.items():
        oauth_container.workspace_settings.update(
            Actor.operator(team), {"digest_channel": f"CDIG{team[-1]}01"}
        )
        for n, text in enumerate(items):
            received = oauth_container.clock.now() - timedelta(days=3)
            oauth_container.feedback.ingest(
                team, FeedbackInput("email", f"{team}-{n}", text, received_at=received), post_cards=False
            )
    assert send_weekly_digests(oauth_container) == 2
    assert send_weekly_digests(oauth_container) == 0
    oauth_container.outbox.drain()
    [digest_a] = slack.messages("CDIGA01")
    [digest_b] = slack.messages("CDIGB01")
    assert digest_a.token == "xoxb-team-a" and digest_b.token == "xoxb-team-b"
    text_a = json.dumps(digest_a["blocks"], ensure_ascii=False)
    text_b = json.dumps(digest_b["blocks"], ensure_ascii=False)
    assert "2 items" in text_a and "2 negative" in text_a and "positive (0%)" in text_a
    assert "1 item ·" in text_b and "1 positive (100%)" in text_b and "parcel" not in text_b
