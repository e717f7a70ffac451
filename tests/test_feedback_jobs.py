"""Feedback reminders: the SLA nudge fires once per stage, only in working time, only for untouched items."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.feedback import FeedbackInput, business_hours_between
from jobs.feedback import send_feedback_nudges
from tests.conftest import OWNER, START
from tests.slack_requests import TEAM_ID
from tests.slack_standin import SlackStandIn

ANGRY = "Terrible experience, the app is broken and support is useless."


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01", "sla_hours": 4}
    )
    return container


def _ingest(container: Container, ext: str) -> int:
    item, _ = container.feedback.ingest(TEAM_ID, FeedbackInput(source="api", external_id=ext, text=ANGRY))
    container.outbox.drain()
    return item.id


def _nudges(slack: SlackStandIn) -> list:  # type: ignore[type-arg]
    return [m for m in slack.messages("CFEED01") if "no response for" in m["text"]]


def test_sla_nudge_fires_once_for_untouched_negative_feedback_and_not_for_touched(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    untouched = _ingest(configured, "a")
    touched = _ingest(configured, "b")
    configured.feedback.acknowledge(TEAM_ID, touched, "UAGENT1")
    clock.advance(hours=3)  # 14:00 in Berlin: 3 working hours
    send_feedback_nudges(configured)
    configured.outbox.drain()
    assert _nudges(slack) == []
    clock.advance(hours=1, minutes=30)
    for _ in range(2):
        send_feedback_nudges(configured)
        configured.outbox.drain()
    [nudge] = _nudges(slack)
    card = configured.feedback.get(TEAM_ID, untouched)
    assert nudge["thread_ts"] and card.state == "new"


def test_no_nudge_in_quiet_hours_and_the_next_stage_fires_the_next_working_day(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    _ingest(configured, "a")
    clock.set(START.replace(hour=20))  # 21:00 in Berlin: quiet
    send_feedback_nudges(configured)
    configured.outbox.drain()
    assert _nudges(slack) == []
    clock.set(START + timedelta(days=1))  # Tuesday 11:00 Berlin: 6.5 + 2 = 8.5 working hours
    send_feedback_nudges(configured)
    configured.outbox.drain()
    [nudge] = _nudges(slack)
    assert "second reminder" in nudge["text"]


def test_follow_up_reminder_after_resolve_goes_to_the_resolver_once(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    feedback_id = _ingest(configured, "a")
    configured.feedback.resolve(TEAM_ID, feedback_id, "UAGENT1", "Refunded", None)
    clock.advance(days=3)
    for _ in range(2):
        send_feedback_nudges(configured)
        configured.outbox.drain()
    [dm] = slack.messages("UAGENT1")
    assert "fix held" in dm["text"]


def test_business_hours_skip_nights_and_weekends(configured: Container) -> None:
    ws = configured.workspace_settings.get(TEAM_ID)
    friday_4pm = START.replace(hour=15) + timedelta(days=4)  # Fri 16:00 Berlin
    monday_10am = friday_4pm + timedelta(days=3) - timedelta(hours=6)  # Mon 10:00 Berlin
    assert business_hours_between(friday_4pm, monday_10am, ws) == pytest.approx(2.5)
