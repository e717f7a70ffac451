"""Customer feedback relay end to end: signed webhook, routing, inert cards, triage, first response."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.container import Container
from bot.domain.actor import Actor
from bot.views import ids
from bot.web import build_web_app
from handlers import ingest
from storage.models import Feedback, FeedbackEvent
from tests.conftest import OWNER
from tests.http_client import HttpResult, call_wsgi
from tests.intake_helpers import secret_and_token
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import BOT_USER_ID, SlackStandIn

NEGATIVE = "This is terrible. The app crashed again and support was useless, I want a refund."


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01", "escalation_channel": "CESCAL1"}
    )
    return container


@pytest.fixture
def source(configured: Container) -> tuple[str, str]:
    return secret_and_token(configured, Actor.operator(TEAM_ID), "zendesk")


def post(container: Container, body: Any, headers: dict[str, str]) -> HttpResult:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    web = build_web_app(container, None, extra_routes=ingest.routes(container))
    return call_wsgi(web, "POST", ingest.PATH, raw, {"Content-Type": "application/json", **headers})


def signed(
    secret: str, body: Any, *, source: str = "zendesk", timestamp: int | None = None
) -> dict[str, str]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ts = str(timestamp if timestamp is not None else int(time.time()))
    return {
        "X-Empathy-Source": source,
        "X-Empathy-Timestamp": ts,
        "X-Empathy-Signature": ingest.signature(secret, ts, raw),
    }


def count(container: Container) -> int:
    with container.sessions() as s:
        return s.scalar(select(func.count()).select_from(Feedback)) or 0


def ingest_one(container: Container, secret: str, text: str = NEGATIVE, ext: str = "T-1") -> HttpResult:
    body = {"id": ext, "text": text, "customer": "ACME", "rating": 1}
    ts = int(container.clock.now().timestamp())
    return post(container, body, signed(secret, body, timestamp=ts))


def test_signed_negative_review_posts_a_card_in_the_routed_and_escalation_channels(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    secret, _ = source
    result = ingest_one(configured, secret)
    assert result.status == 201, result.body
    configured.outbox.drain()
    [card] = slack.messages("CFEED01")
    [escalated] = slack.messages("CESCAL1")
    assert "Negative customer feedback" in json.dumps(card["blocks"])
    assert escalated["blocks"] == card["blocks"]
    with configured.sessions() as s:
        fb = s.scalars(select(Feedback)).one()
        assert fb.label == "negative" and fb.ts and fb.escalation_ts
        assert fb.polarity < 0


def test_replaying_the_same_request_stores_nothing_new(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    secret, _ = source
    body = {"id": "T-9", "text": NEGATIVE}
    headers = signed(secret, body, timestamp=int(configured.clock.now().timestamp()))
    assert post(configured, body, headers).status == 201
    again = post(configured, body, headers)
    assert again.status == 200 and again.json()["created"] is False
    configured.outbox.drain()
    assert count(configured) == 1
    assert len(slack.messages("CFEED01")) == 1


def test_bearer_token_is_accepted_and_positive_feedback_is_not_escalated(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    _, token = source
    body = {"id": 7, "text": "Wonderful support, thank you so much!", "tags": ["Billing"]}
    result = post(configured, body, {"X-Empathy-Source": "zendesk", "Authorization": f"Bearer {token}"})
    assert result.status == 201
    configured.outbox.drain()
    [card] = slack.messages("CFEED01")
    assert "Positive customer feedback" in json.dumps(card["blocks"])
    assert slack.messages("CESCAL1") == []


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", "sign", 400),
        ({"id": "x"}, "sign", 422),
        ({"id": "x", "text": "   "}, "sign", 422),
        ({"text": "no id"}, "sign", 422),
        ({"id": "x", "text": "hi", "rating": "five"}, "sign", 422),
        ({"id": "x", "text": "a" * (65 * 1024)}, "sign", 413),
        ({"id": "x", "text": "hi"}, "unknown", 401),
        ({"id": "x", "text": "hi"}, "badsig", 401),
        ({"id": "x", "text": "hi"}, "stale", 401),
        ({"id": "x", "text": "hi"}, "badtoken", 401),
    ],
)
def test_bad_requests_get_a_json_error_and_nothing_is_stored(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, body: Any, headers: str, status: int
) -> None:
    secret, _ = source
    now = int(configured.clock.now().timestamp())
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    chosen = {
        "sign": signed(secret, raw, timestamp=now),
        "unknown": signed(secret, raw, source="nobody", timestamp=now),
        "badsig": signed("wrong", raw, timestamp=now),
        "stale": signed(secret, raw, timestamp=now - 301),
        "badtoken": {"X-Empathy-Source": "zendesk", "Authorization": "Bearer nope"},
    }[headers]
    result = post(configured, raw, chosen)
    assert result.status == status
    assert result.json()["ok"] is False and result.json()["error"]
    configured.outbox.drain()
    assert count(configured) == 0
    assert slack.messages() == []


def test_mentions_and_disguised_links_are_posted_inert(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    secret, _ = source
    nasty = "Hey <!channel> and <@U123>, log in at <https://evil|bank> now"
    assert ingest_one(configured, secret, text=nasty).status == 201
    configured.outbox.drain()
    [card] = slack.messages("CFEED01")
    rendered = json.dumps(card["blocks"]) + card["text"]
    assert "<!channel>" not in rendered and "<@U123>" not in rendered and "<https://evil" not in rendered
    assert "&lt;!channel&gt;" in rendered and "&lt;https://evil|bank&gt;" in rendered


def test_long_text_is_truncated_on_the_card_with_the_full_text_in_the_thread(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    secret, _ = source
    long_text = "The export is slow. " * 200
    assert ingest_one(configured, secret, text=long_text).status == 201
    configured.outbox.drain()
    card, thread = slack.messages("CFEED01")
    assert "… (full text in thread)" in json.dumps(card["blocks"], ensure_ascii=False)
    assert thread["thread_ts"]


def _card(slack: SlackStandIn) -> tuple[int, dict[str, Any]]:
    card = slack.messages("CFEED01")[0]
    actions = next(b for b in card["blocks"] if b["type"] == "actions")
    return int(actions["elements"][0]["value"]), card


def test_acknowledge_take_and_resolve_update_card_and_record_and_second_clicks_are_harmless(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    for action in (ids.FEEDBACK_ACKNOWLEDGE, ids.FEEDBACK_ACKNOWLEDGE):
        assert driver.action(action, user="UAGENT1", value=str(feedback_id), channel="CFEED01").status == 200
    configured.outbox.drain()
    assert len(slack.calls_to("chat.update")) == 2  # the card and its escalated copy, once
    assert "Acknowledged" in json.dumps(slack.calls_to("chat.update")[0]["blocks"])

    for _ in range(2):
        driver.action(ids.FEEDBACK_TAKE, user="UAGENT1", value=str(feedback_id), channel="CFEED01")
    configured.outbox.drain()
    assert len(slack.calls_to("chat.update")) == 4
    assert "&lt;@UAGENT1&gt;" not in json.dumps(slack.calls_to("chat.update")[-1]["blocks"])
    assert "<@UAGENT1>" in json.dumps(slack.calls_to("chat.update")[-1]["blocks"])

    driver.action(ids.FEEDBACK_RESOLVE, user="UAGENT1", value=str(feedback_id), channel="CFEED01")
    [modal] = slack.calls_to("views.open")
    assert modal["view"]["callback_id"] == ids.FEEDBACK_RESOLVE_MODAL
    form = {
        ids.FEEDBACK_RESOLUTION_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Refunded"}
        },
        ids.FEEDBACK_ROOT_CAUSE_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Crash"}},
    }
    for _ in range(2):
        response = driver.submit(
            ids.FEEDBACK_RESOLVE_MODAL, form, user="UAGENT1", private_metadata=str(feedback_id)
        )
        assert response.status == 200
    configured.outbox.drain()
    assert len(slack.calls_to("chat.update")) == 6
    final = json.dumps(slack.calls_to("chat.update")[-1]["blocks"])
    assert "Resolved" in final and "Refunded" in final and ids.FEEDBACK_TAKE not in final
    with configured.sessions() as s:
        fb = s.get(Feedback, feedback_id)
        assert fb is not None and fb.state == "resolved" and fb.assignee == "UAGENT1"
        assert fb.root_cause == "crash" and fb.first_response_at is not None
        kinds = s.scalars(select(FeedbackEvent.kind).order_by(FeedbackEvent.id)).all()
    assert kinds == ["received", "acknowledged", "taken", "resolved"]


def test_resolve_without_a_resolution_is_refused_in_the_modal(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    form = {ids.FEEDBACK_RESOLUTION_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": " "}}}
    response = driver.submit(
        ids.FEEDBACK_RESOLVE_MODAL, form, user="UAGENT1", private_metadata=str(feedback_id)
    )
    assert json.loads(response.body)["response_action"] == "errors"
    assert configured.feedback.get(TEAM_ID, feedback_id).state == "new"


def test_label_correction_is_recorded_and_shown(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    driver.action(
        ids.FEEDBACK_RELABEL,
        user="UAGENT1",
        channel="CFEED01",
        action={"type": "static_select", "selected_option": {"value": f"{feedback_id}:neutral"}},
    )
    configured.outbox.drain()
    assert configured.feedback.get(TEAM_ID, feedback_id).label == "neutral"
    assert "label corrected by <@UAGENT1>" in json.dumps(slack.calls_to("chat.update")[-1]["blocks"])


def test_reaction_or_thread_reply_on_a_card_is_the_first_response_other_messages_are_ignored(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    with configured.sessions() as s:
        fb = s.get(Feedback, feedback_id)
        assert fb is not None
        ts = fb.ts
    driver.event({"type": "message", "channel": "CFEED01", "user": "UX", "text": "hi", "ts": "5.5"})
    driver.event(
        {"type": "message", "channel": "COTHER1", "user": "UX", "text": "x", "ts": "5.6", "thread_ts": ts}
    )
    assert configured.feedback.events(TEAM_ID, feedback_id) == [(None, "received")]
    driver.event(
        {"type": "message", "channel": "CFEED01", "user": "UX", "text": "on it", "ts": "5.7", "thread_ts": ts}
    )
    assert configured.feedback.events(TEAM_ID, feedback_id)[-1] == ("UX", "responded")


@pytest.mark.parametrize("subtype", ["thread_broadcast", "file_share"])
def test_a_reply_also_sent_to_the_channel_or_with_a_file_counts_and_an_edit_does_not(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver, subtype: str
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    with configured.sessions() as s:
        ts = s.get(Feedback, feedback_id).ts  # type: ignore[union-attr]
    edited = {"type": "message", "subtype": "message_changed", "channel": "CFEED01", "ts": "5.8"}
    edited["message"] = {"type": "message", "user": "UX", "text": "edit", "ts": "5.7", "thread_ts": ts}
    assert driver.event(edited).status == 200
    assert configured.feedback.events(TEAM_ID, feedback_id) == [(None, "received")]
    reply = {"type": "message", "subtype": subtype, "channel": "CFEED01", "user": "UY", "text": "on it"}
    assert driver.event({**reply, "ts": "5.9", "thread_ts": ts}).status == 200
    assert configured.feedback.events(TEAM_ID, feedback_id)[-1] == ("UY", "responded")


def test_reaction_on_the_escalated_card_counts_too(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    with configured.sessions() as s:
        fb = s.get(Feedback, feedback_id)
        assert fb is not None
        ts = fb.escalation_ts
    driver.event(
        {
            "type": "reaction_added",
            "user": "UX",
            "reaction": "eyes",
            "item": {"type": "message", "channel": "CESCAL1", "ts": ts},
        }
    )
    assert configured.feedback.events(TEAM_ID, feedback_id)[-1] == ("UX", "responded")


def test_routing_rules_pick_the_channel_and_are_named_on_the_card(
    configured: Container, source: tuple[str, str], slack: SlackStandIn
) -> None:
    configured.feedback.add_rule(Actor.operator(TEAM_ID), "keyword", "refund", "CBILL01", position=1)
    configured.feedback.add_rule(Actor.operator(TEAM_ID), "source", "other", "COTHER1", position=0)
    ingest_one(configured, source[0])
    configured.outbox.drain()
    [card] = slack.messages("CBILL01")
    assert "keyword “refund”" in json.dumps(card["blocks"], ensure_ascii=False)
    assert slack.messages("CFEED01") == [] and len(slack.messages("CESCAL1")) == 1


def test_feedback_command_opens_the_modal_and_submitting_logs_it(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    driver.command("/feedback", user="UAGENT1")
    [modal] = slack.calls_to("views.open")
    assert modal["view"]["callback_id"] == ids.FEEDBACK_LOG_MODAL
    form = {
        ids.FEEDBACK_LOG_TEXT_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Love it!"}},
        ids.FEEDBACK_LOG_CUSTOMER_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Bob"}},
    }
    assert driver.submit(ids.FEEDBACK_LOG_MODAL, form, user="UAGENT1").status == 200
    configured.outbox.drain()
    assert "Positive customer feedback" in json.dumps(slack.messages("CFEED01")[0]["blocks"])


def test_feedback_command_text_fills_the_form_and_help_explains(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    # as Slack sends it: &, < and > escaped
    driver.command(
        "/feedback", "Customer on the phone: the &lt;b&gt;refund&lt;/b&gt; took 3 weeks", user="UAGENT1"
    )
    [modal] = slack.calls_to("views.open")
    [text_input] = [b for b in modal["view"]["blocks"] if b["block_id"] == ids.FEEDBACK_LOG_TEXT_BLOCK]
    assert text_input["element"]["initial_value"] == "Customer on the phone: the <b>refund</b> took 3 weeks"
    body = response_json(driver.command("/feedback", "help", user="UAGENT1"))
    assert body["response_type"] == "ephemeral" and "Log as customer feedback" in body["text"] + json.dumps(
        body["blocks"]
    )
    assert len(slack.calls_to("views.open")) == 1


def test_feedback_without_a_channel_is_refused_and_not_stored(
    container: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    form = {ids.FEEDBACK_LOG_TEXT_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Meh"}}}
    response = driver.submit(ids.FEEDBACK_LOG_MODAL, form, user="UAGENT1")
    assert "No feedback channel" in json.dumps(json.loads(response.body)["errors"])
    assert count(container) == 0


def test_message_shortcut_logs_the_message_with_a_link_back_once(
    configured: Container, slack: SlackStandIn, driver: SlackDriver
) -> None:
    payload = {
        "type": "message_action",
        "callback_id": ids.FEEDBACK_LOG_SHORTCUT,
        "trigger_id": "trigger.shortcut",
        "team": {"id": TEAM_ID, "domain": "example"},
        "user": {"id": "UAGENT1", "team_id": TEAM_ID},
        "channel": {"id": "CSUPPORT", "name": "support"},
        "message": {"type": "message", "ts": "1700000000.000100", "text": "Customer says the app is awful"},
        "response_url": f"{slack.base}/respond",
    }
    assert driver.interactive(payload).status == 200
    [modal] = slack.calls_to("views.open")
    assert "the app is awful" in json.dumps(modal["view"])
    form = {
        ids.FEEDBACK_LOG_TEXT_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Customer says the app is awful"}
        }
    }
    meta = modal["view"]["private_metadata"]
    for _ in range(2):
        driver.submit(ids.FEEDBACK_LOG_MODAL, form, user="UAGENT1", private_metadata=meta)
    configured.outbox.drain()
    [card] = slack.messages("CFEED01")
    assert "https://example.slack.com/archives/CSUPPORT/p1700000000000100" in json.dumps(card["blocks"])
    assert count(configured) == 1


def test_resolving_feedback_someone_else_owned_offers_the_resolver_a_kudos_for_them(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    ingest_one(configured, source[0])
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    driver.action(ids.FEEDBACK_TAKE, user="UAGENT1", value=str(feedback_id), channel="CFEED01")
    form = {
        ids.FEEDBACK_RESOLUTION_BLOCK: {ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "Refunded"}}
    }
    for _ in range(2):
        driver.submit(ids.FEEDBACK_RESOLVE_MODAL, form, user="ULEAD01", private_metadata=str(feedback_id))
    configured.outbox.drain()
    [offer] = slack.messages("ULEAD01")
    assert "<@UAGENT1>" in json.dumps(offer["blocks"]) and ids.KUDOS_FROM_FEEDBACK in json.dumps(
        offer["blocks"]
    )
    assert slack.messages("UAGENT1") == []  # the offer goes to the resolver only, once


def test_positive_feedback_naming_an_employee_offers_the_clicker_a_kudos_for_them(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    slack.add_user("UANA0001", "ana", real_name="Ana Lopez", profile={"display_name": "ana"})
    slack.add_user("UBEN0001", "ben", real_name="Ben Okafor", profile={"display_name": "Ben"})
    slack.add_user("UBEN0002", "ben2", real_name="Ben Smith", profile={"display_name": "bens"})
    configured.directory.fill_step(configured.slack.for_team(TEAM_ID), TEAM_ID)  # the install-time fill
    ingest_one(configured, source[0], text="Ana was wonderful and so kind, thank you! Ben too.", ext="P-1")
    configured.outbox.drain()
    feedback_id, _ = _card(slack)
    listed = len(slack.calls_to("users.list"))
    for _ in range(2):
        driver.action(ids.FEEDBACK_ACKNOWLEDGE, user="UAGENT1", value=str(feedback_id), channel="CFEED01")
    assert len(slack.calls_to("users.list")) == listed, "names come from the people directory"
    configured.outbox.drain()
    [offer] = slack.messages("UAGENT1")
    assert "<@UANA0001>" in json.dumps(offer["blocks"])  # "Ben" names two people: nobody is guessed


def test_a_card_for_a_channel_the_bot_left_is_kept_the_owner_told_and_it_goes_out_once_invited(
    configured: Container, source: tuple[str, str], slack: SlackStandIn, driver: SlackDriver
) -> None:
    slack.fail_next("chat.postMessage", "not_in_channel", times=2)  # the card and its escalated copy
    ingest_one(configured, source[0], ext="L-1")
    configured.outbox.drain()
    assert slack.messages("CFEED01") == [] and slack.messages("CESCAL1") == []
    told = sorted(m["text"] for m in slack.messages(OWNER))
    assert len(told) == 2 and "<#CESCAL1>" in told[0] and "<#CFEED01>" in told[1]
    assert "/invite @empathy-bot" in told[1]
    slack.fail_next("chat.postMessage", "not_in_channel", times=2)
    ingest_one(configured, source[0], ext="L-2")
    configured.outbox.drain()
    assert len(slack.messages(OWNER)) == 2, "one note a day per channel, not one per failed message"

    driver.event({"type": "member_joined_channel", "user": "UNEWHIRE", "channel": "CFEED01"})
    configured.outbox.drain()
    assert slack.messages("CFEED01") == [], "someone else joining changes nothing"
    driver.event({"type": "member_joined_channel", "user": BOT_USER_ID, "channel": "CFEED01"})
    configured.outbox.drain()
    cards = slack.messages("CFEED01")
    assert len(cards) == 2 and all("customer feedback" in c["text"].lower() for c in cards)
    assert slack.messages("CESCAL1") == [], "only what was meant for the channel the bot joined"
    with configured.sessions() as s:
        assert s.scalars(select(Feedback.ts).where(Feedback.external_id == "L-1")).one(), "card recorded"
