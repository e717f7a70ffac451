"""Feedback's pure rules and its service-level permission checks (the same for Slack, the CLI and jobs)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import FieldError, NotAllowed
from bot.domain.feedback import (
    FeedbackInvalid,
    FeedbackItem,
    RuleInvalid,
    fits_on_card,
    masked,
    quoted_length,
)
from bot.views.common import quote
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID

PIECES = st.sampled_from(["&", "<", ">", "\n", "\r\n", "\u2028", "x", " ", "jane@example.com"])


@given(st.text(max_size=200) | st.lists(PIECES, max_size=100).map("".join))
def test_the_domains_quoted_length_is_the_length_of_the_cards_quote(text: str) -> None:
    assert quoted_length(text) == len(quote(text))


def test_text_that_quotes_past_a_section_does_not_fit_on_a_card() -> None:
    assert fits_on_card("a" * 1200) and not fits_on_card("a" * 1201)
    assert not fits_on_card("<" * 1000), "1000 characters, but 4000 once escaped"


def test_masking_hides_emails_and_phone_numbers_of_text_and_customer_and_nothing_else() -> None:
    item = FeedbackItem(
        id=1,
        source="email",
        text="Write to jane.doe@example.com or call +49 151 2345 6712",
        customer="jane.doe@example.com",
        rating=None,
        tags=(),
        polarity=0.0,
        label="neutral",
        label_corrected_by=None,
        rule=None,
        state="new",
        assignee=None,
        resolution=None,
        root_cause=None,
    )
    hidden = masked(item)
    assert "jane.doe@example.com" not in hidden.text + (hidden.customer or "")
    assert "2345" not in hidden.text
    assert (hidden.id, hidden.source, hidden.label) == (item.id, item.source, item.label)


def test_a_rule_error_is_the_one_field_error_and_still_a_feedback_error() -> None:
    error = RuleInvalid("pattern", "Too long.")
    assert isinstance(error, FieldError) and isinstance(error, FeedbackInvalid)
    assert (error.field, error.message) == ("pattern", "Too long.")


def test_only_owners_edit_routing_or_create_sources_whoever_calls_the_service(container: Container) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    employee = Actor(TEAM_ID, "UEMPLOYEE")
    owner = container.actors.of(TEAM_ID, OWNER)
    rule = container.feedback.add_rule(owner, "keyword", "refund", "CBILL01")
    for attempt in (
        lambda: container.feedback.add_rule(employee, "keyword", "order", "CORDERS1"),
        lambda: container.feedback.delete_rule(employee, rule.id),
        lambda: container.feedback.move_rule_up(employee, rule.id),
        lambda: container.feedback.list_rules(employee),
        lambda: container.sources.add(employee, "zendesk"),
        lambda: container.sources.list_all(employee),
    ):
        with pytest.raises(NotAllowed, match="Only the workspace's empathy-bot owners"):
            attempt()
    assert container.feedback.list_rules(owner) == [rule]
    assert container.sources.list_all(owner) == []
    made = container.sources.add(Actor.operator(TEAM_ID), "zendesk")
    [stored] = container.sources.list_all(owner)
    assert (stored.team_id, stored.name, stored.url_id) == (TEAM_ID, "zendesk", made.source.url_id)
