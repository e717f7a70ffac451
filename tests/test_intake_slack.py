"""Feedback sources through Slack and HTTP: owners add a source from App Home (credentials shown once in the
modal's update), "send a test" shows the last delivery and what it became, the source's rating scale and
tags fill in what the payload lacks, and Delighted's .updated redraws the posted card."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.feedback import FeedbackInput
from bot.domain.intake.source import NewSource
from bot.views import ids
from bot.web import build_web_app
from handlers import ingest
from storage.models import Feedback, FeedbackSource
from tests.conftest import OWNER
from tests.http_client import call_wsgi
from tests.intake_helpers import add_source, configure, deliver, fixture, send
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import SlackStandIn

HOME = {"id": "VHOME", "type": "home"}


def add_form(kind: str, name: str, scale: str | None = None, tags: str = "") -> dict[str, Any]:
    def select_value(value: str | None) -> dict[str, Any]:
        return {
            ids.SOURCES_VALUE: {
                "type": "static_select",
                "selected_option": {"value": value} if value else None,
            }
        }

    def text_value(value: str) -> dict[str, Any]:
        return {ids.SOURCES_VALUE: {"type": "plain_text_input", "value": value or None}}

    return {
        ids.SOURCES_KIND_BLOCK: select_value(kind),
        ids.SOURCES_NAME_BLOCK: text_value(name),
        ids.SOURCES_SCALE_BLOCK: select_value(scale),
        ids.SOURCES_TAGS_BLOCK: text_value(tags),
        ids.SOURCES_APP_ID_BLOCK: text_value(""),
        ids.SOURCES_COUNTRY_BLOCK: text_value(""),
    }


def test_only_owners_see_feedback_sources_on_app_home(driver: SlackDriver, slack: SlackStandIn) -> None:
    for user in (OWNER, "UEMPLOYEE"):
        driver.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    owner_home, employee_home = (json.dumps(c["view"]) for c in slack.calls_to("views.publish"))
    assert ids.SOURCES_OPEN in owner_home and ids.SOURCES_OPEN not in employee_home


def test_an_owner_adds_a_source_sees_its_credentials_once_and_a_delivery_makes_a_card(
    container: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    configure(container)
    driver.action(ids.SOURCES_OPEN, user=OWNER, view=HOME, response_url=None)
    [opened] = slack.calls_to("views.open")
    assert "No sources yet" in json.dumps(opened["view"])
    driver.action(ids.SOURCES_ADD, user=OWNER, view={"id": "VLIST", "type": "modal"}, response_url=None)
    [pushed] = slack.calls_to("views.push")
    assert pushed["view"]["callback_id"] == ids.SOURCES_ADD_MODAL
    body = response_json(
        driver.submit(
            ids.SOURCES_ADD_MODAL, add_form("zendesk", "support", "good-bad", "helpdesk"), user=OWNER
        )
    )
    assert body["response_action"] == "update"
    shown = json.dumps(body["view"])
    [row] = container.sources.list_all(Actor.operator(TEAM_ID))
    assert (row.kind, row.rating_scale, row.default_tags) == ("zendesk", "good-bad", ("helpdesk",))
    assert f"/feedback/ingest/zendesk?source={row.url_id}" in shown
    with container.sessions() as s:
        kept = s.scalars(select(FeedbackSource)).one()
    secret = shown.split("*Signing secret*\\n```")[1].split("```")[0]
    token = shown.split("*Bearer token*\\n```")[1].split("```")[0]
    assert secret not in json.dumps([kept.secret, kept.secret_sealed]) and token not in kept.token
    case = fixture("zendesk")
    result = send(container, case, NewSource(row, secret, token))
    assert result.status == 201, result.body
    container.outbox.drain()
    [card] = slack.messages("CFEED01")
    assert case["expect"]["text"][:30] in card["text"]
    with container.sessions() as s:
        item = s.scalars(select(Feedback)).one()
    assert "helpdesk" in item.tags


def test_employees_cannot_add_sources_from_a_forged_submission(
    container: Container, driver: SlackDriver
) -> None:
    body = response_json(
        driver.submit(ids.SOURCES_ADD_MODAL, add_form("typeform", "survey"), user="UEMPLOYEE")
    )
    assert "Only the workspace's empathy-bot owners" in json.dumps(body)
    assert "Signing secret" not in json.dumps(body)
    assert container.sources.list_all(Actor.operator(TEAM_ID)) == []


def test_a_bad_scale_or_kind_is_shown_beside_its_field(container: Container, driver: SlackDriver) -> None:
    body = response_json(driver.submit(ids.SOURCES_ADD_MODAL, add_form("myspace", "x"), user=OWNER))
    assert body["response_action"] == "errors" and "typeform" in body["errors"][ids.SOURCES_KIND_BLOCK]
    body = response_json(driver.submit(ids.SOURCES_ADD_MODAL, add_form("typeform", "x", "1-4"), user=OWNER))
    assert "1-5" in body["errors"][ids.SOURCES_SCALE_BLOCK]


def test_send_a_test_shows_the_last_payload_and_what_it_became_or_why_it_was_refused(
    container: Container, driver: SlackDriver, slack: SlackStandIn
) -> None:
    configure(container)
    source = add_source(container, "typeform", "survey")

    def last() -> str:
        driver.action(ids.SOURCES_TEST, user=OWNER, value="survey", view={"id": "V1", "type": "modal"})
        return json.dumps(slack.calls_to("views.push")[-1]["view"], ensure_ascii=False)

    assert "has received nothing yet" in last()
    case = fixture("typeform")
    raw = json.dumps(case["body"]).encode()
    refused = deliver(container, "typeform", source.source.url_id, raw, {"Typeform-Signature": "sha256=bad"})
    assert refused.status == 401
    assert "Refused (HTTP 401)" in last() and "form_response" in last()
    assert send(container, case, source).status == 201
    with container.sessions() as s:
        item_id = s.scalars(select(Feedback.id)).one()
    assert f"Stored as feedback #{item_id}" in last()
    assert send(container, case, source, {"event_type": "form_response", "form_response": 7}).status == 422
    assert "Refused (HTTP 422)" in last()


def test_the_sources_rating_scale_fills_in_when_the_payload_names_none(
    container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(container)
    made = container.sources.add(Actor.operator(TEAM_ID), "web", rating_scale="nps", options={"tags": "web"})
    assert made.source.rating_scale == "0-10"
    handed: list[FeedbackInput] = []
    ingest_item = container.feedback.ingest

    def recording(team_id: str, data: FeedbackInput) -> Any:
        handed.append(data)
        return ingest_item(team_id, data)

    monkeypatch.setattr(container.feedback, "ingest", recording)
    body = json.dumps({"id": "W-1", "text": "Okay I guess", "rating": 7}).encode()
    web = build_web_app(container, None, extra_routes=ingest.routes(container))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {made.token}"}
    result = call_wsgi(web, "POST", ingest.PATH, body, headers, query=f"source={made.source.url_id}")
    assert result.status == 201, result.body
    [data] = handed
    assert (data.rating, data.rating_scale, data.tags) == (7.0, "0-10", ("web",))


def test_delighted_update_redraws_the_posted_card(container: Container, slack: SlackStandIn) -> None:
    configure(container)
    case = fixture("delighted")
    source = add_source(container, "delighted")
    assert send(container, case, source, case["created_first"]).status == 201
    container.outbox.drain()
    [card] = slack.messages("CFEED01")
    assert "no comment" in card["text"]
    assert send(container, case, source).json()["revised"] is True
    container.outbox.drain()
    [redrawn] = slack.calls_to("chat.update")
    with container.sessions() as s:
        posted_at = s.scalars(select(Feedback.ts)).one()
    assert redrawn["ts"] == posted_at and "too many bugs" in json.dumps(redrawn["blocks"])
    assert send(container, case, source).json()["revised"] is False
    container.outbox.drain()
    assert len(slack.calls_to("chat.update")) == 1, "an unchanged delivery redraws nothing"
