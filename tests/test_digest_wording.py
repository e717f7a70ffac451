"""What the digest, the pulse launch form and the Home tab say, as people read them in Slack."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.clock import FixedClock
from bot.container import Container
from bot.domain.feedback import FeedbackInput
from bot.views import ids
from storage.models import Feedback
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer
from tests.slack_standin import SlackStandIn

MANAGER, CAT, ANA, GIVER = "UMANAGER1", "UCAT0001", "UANA0001", "UGIVER01"


@pytest.fixture
def configured(container: Container, slack: SlackStandIn) -> Container:
    container.workspaces.ensure(TEAM_ID)
    container.workspace_settings.update(
        container.actors.of(TEAM_ID, OWNER),
        {
            "digest_channel": "CDIGEST1",
            "managers": [MANAGER],
            "feedback_channel": "CFEED01",
            "kudos_channel": "CKUDOS1",
        },
    )
    for user, name in ((CAT, "cat"), (ANA, "ana"), (GIVER, "gina")):
        slack.add_user(user, name)
    return container


def test_the_digest_links_open_items_to_their_cards_says_today_minutes_and_singulars(
    configured: Container, driver: SlackDriver, slack: SlackStandIn, clock: FixedClock
) -> None:
    item, _ = configured.feedback.ingest(
        TEAM_ID,
        FeedbackInput(
            source="api", external_id="n-1", text="The refund never arrived, awful and rude service"
        ),
    )
    assert item.label == "negative"
    configured.outbox.drain()
    with configured.sessions() as s:
        channel, ts = s.execute(select(Feedback.channel_id, Feedback.ts).where(Feedback.id == item.id)).one()
    assert channel == "CFEED01" and ts
    clock.advance(minutes=12)
    driver.action(ids.FEEDBACK_ACKNOWLEDGE, user=CAT, value=str(item.id), channel="CFEED01")
    driver.command("/kudos", f"<@{ANA}|ana> for calming the customer down", user=GIVER)

    text = json.dumps(
        final_answer(slack, driver.command("/digest", "this-week", user=MANAGER)), ensure_ascii=False
    )

    link = f"https://slack.com/archives/CFEED01/p{ts.replace('.', '')}"
    assert f"• <{link}|#{item.id}>, received today, nobody yet:" in text
    assert "day(s)" not in text and "0 day" not in text
    assert "1 negative item still open" in text
    assert "First response: median 12 min, 90th percentile 12 min (of 1 item)" in text
    assert "median 0 h" not in text
    assert "1 kudos for 1 person" in text


def test_the_pulse_launch_form_labels_its_template_choice(driver: SlackDriver, slack: SlackStandIn) -> None:
    assert driver.command("/pulse", "", user=OWNER).status == 200
    first = slack.calls_to("views.open")[-1]["view"]["blocks"][0]
    assert first["block_id"] == ids.PULSE_TEMPLATE_BLOCK
    assert first["type"] == "section" and first["text"]["text"].startswith("*Template*")
    assert first["accessory"]["action_id"] == ids.PULSE_TEMPLATE


def test_a_members_home_tab_summarises_privacy_in_two_lines_and_points_to_the_full_statement(
    driver: SlackDriver, slack: SlackStandIn
) -> None:
    driver.event({"type": "app_home_opened", "user": "UMEMBER1", "channel": "D1", "tab": "home"})
    [publish] = slack.calls_to("views.publish")
    blocks = publish["view"]["blocks"]
    shown = json.dumps(blocks)
    summary = next(b for b in blocks if "Privacy: what empathy-bot keeps" in json.dumps(b))
    assert summary["text"]["text"].count("\n") == 2  # the heading and two lines
    assert "`/empathy privacy`" in shown
    assert "keyed hash" not in shown and "What the bot never does" not in shown  # the full statement
    privacy_at = blocks.index(summary)
    pointer, after = blocks[privacy_at + 1], blocks[privacy_at + 2]
    assert pointer["type"] == "context" and "`/empathy privacy`" in json.dumps(pointer)
    assert after["type"] == "divider"  # two blocks in all, where the statement took six
