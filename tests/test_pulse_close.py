"""Closing a survey: every invitation DM updated in place, the list's actual close time, honest messages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from bot.clock import FixedClock
from bot.container import Container
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer, response_json
from tests.slack_standin import SlackStandIn


def blocks_of(call: dict[str, Any]) -> list[dict[str, Any]]:
    raw = call.get("blocks")
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])


def test_closing_early_updates_every_invitation_lists_the_real_close_time_and_says_withheld_up_front(
    driver: SlackDriver, container: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    team = people(slack, 6)
    survey_id = launch(driver, container)  # closes in three days
    closes_at = container.pulse.info(TEAM_ID, survey_id).closes_at
    container.outbox.drain()
    assert sorted(m["channel"] for m in slack.messages() if m["channel"] in team) == team
    for user in team[:2]:
        Respondent.from_dm(driver, slack, user).click("q1", 9)

    clock.advance(hours=5)
    said = str(final_answer(slack, driver.command("/pulse", f"close {survey_id}", user=OWNER)).get("text"))
    # Two answered: withheld, and said so now, not "results on their way" followed by "withheld".
    assert "is closed" in said and "withheld" in said and "on their way" not in said

    container.outbox.drain()
    updates = slack.calls_to("chat.update")
    # One chat.update per invitation, in each person's DM with the bot (where the receipt said it landed).
    assert sorted(u["channel"] for u in updates) == ["D" + user[1:] for user in team]
    assert len({u["ts"] for u in updates}) == 6
    for update in updates:
        shown = json.dumps(blocks_of(update))
        assert "closed" in shown and "thank you" in shown
        assert not [b for b in blocks_of(update) if b["type"] == "actions"]  # no buttons left
    container.outbox.drain()
    assert len(slack.calls_to("chat.update")) == 6  # once each

    listing = json.dumps(response_json(driver.command("/pulse", "list", user=OWNER)))
    assert f"closed <!date^{int(clock.now().timestamp())}^" in listing
    assert str(int(closes_at.timestamp())) not in listing  # not the planned time, which is still ahead
    assert clock.now() < closes_at - timedelta(days=2)
