"""Customers' emails and phone numbers: masked in Slack cards, and in the database unless owners keep them."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.pii import mask_pii
from storage.models import Feedback
from tests.conftest import OWNER
from tests.intake_helpers import secret_and_token
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn
from tests.test_feedback_relay import ingest_one


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail jane.doe@example.com please", "mail j***@example.com please"),
        ("<j.smith+shop@mail.example.co.uk>", "<j***@mail.example.co.uk>"),
        ("Call +49 151 2345 6712 today", "Call +49 *** *** 12 today"),
        ("call me: 0151 23456789", "call me: *** *** 89"),
        ("(555) 123-4567 after 5pm", "*** *** 67 after 5pm"),
        ("555-123-4567", "*** *** 67"),
        ("+1-202-555-0143.", "+1 *** *** 43."),
        ("0044 20 7946 0958", "*** *** 58"),
        ("tel 06.12.34.56.78", "tel *** *** 78"),
        ("my number is 01512345678", "my number is *** *** 78"),
    ],
)
def test_emails_and_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "Delivered on 2026-11-23, ordered 23.11.2026 and 11/23/2026",
        "order 2026-1234-5678 still missing",
        "Order #12345678 and invoice no. 4711-0815-22",
        "ticket 123 456 789 was closed",
        "I paid $1,299.99 and then €1.299,00",
        "It cost 1 299 000 EUR in total",
        "That is USD 12 345 678 for nothing",
        "Version 10.20.30.40 broke it",
        "Waited 3 weeks and 2 days, 10:30 to 17:45",
        "Rating 4.5 out of 5, 100% sure, 12345",
        "An @handle and user@localhost are not addresses",
        "",
    ],
)
def test_dates_order_numbers_prices_and_plain_text_are_kept(text: str) -> None:
    assert mask_pii(text) == text


PII_TEXT = (
    "Awful. Call me on +49 151 2345 6712 or write to jane.doe@example.com about order 2026-1234-5678 "
    "from 2026-11-20; I paid €1,299.00."
)


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    return container


def _card_and_stored(container: Container, slack: SlackStandIn) -> tuple[str, str]:
    secret, _ = secret_and_token(container, Actor.operator(TEAM_ID), "zendesk")
    assert ingest_one(container, secret, text=PII_TEXT).status == 201
    container.outbox.drain()
    [card] = slack.messages("CFEED01")
    with container.sessions() as s:
        stored = s.scalars(select(Feedback.text)).one()
    return json.dumps(card["blocks"], ensure_ascii=False) + card["text"], stored


def test_the_card_and_the_database_get_masked_text_by_default(
    configured: Container, slack: SlackStandIn
) -> None:
    card, stored = _card_and_stored(configured, slack)
    for text in (card, stored):
        assert "j***@example.com" in text and "+49 *** *** 12" in text
        assert "jane.doe" not in text and "2345 6712" not in text
        assert "order 2026-1234-5678" in text and "2026-11-20" in text and "€1,299.00" in text


def test_owners_can_keep_pii_in_the_database_but_cards_stay_masked(
    configured: Container, slack: SlackStandIn
) -> None:
    configured.workspace_settings.update(configured.actors.of(TEAM_ID, OWNER), {"keep_pii": True})
    card, stored = _card_and_stored(configured, slack)
    assert stored == PII_TEXT
    assert "j***@example.com" in card and "jane.doe" not in card and "2345 6712" not in card
