"""The launch preview before a launch: pure rules, then the preview button through the real Bolt app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.container import Container
from bot.domain import pulse_preview as r
from bot.domain.errors import UserFacingError
from bot.domain.pulse_preview import ResponseRate, launch_preview, response_rate
from bot.domain.pulse_questions import parse_questions
from bot.domain.pulse_stats import SurveyInfo
from bot.views import ids
from bot.views.pulse_preview import preview_modal
from storage.models import OutboxMessage, Survey
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, launch_values, people
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

QUESTIONS = "[0-10] How likely are you to recommend working here?\n[1-5] I feel heard.\n[text] Why?"


def draft_info(anonymous: bool = True, recurrence: str = "none", minimum: int = 5) -> SurveyInfo:
    return SurveyInfo(
        id=0,
        title="Pulse",
        questions=tuple(parse_questions(QUESTIONS)),
        anonymous=anonymous,
        min_responses=minimum,
        closes_at=datetime(2026, 12, 4, tzinfo=UTC),
        timezone=ZoneInfo("UTC"),
        state="draft",
        recurrence=recurrence,
    )


def test_the_response_rate_pools_answers_and_leaves_out_surveys_that_asked_nobody() -> None:
    rate = response_rate([(10, 9), (30, 6), (0, 0)])
    assert (rate.invited, rate.responded, rate.surveys) == (40, 15, 2)
    assert rate.share == pytest.approx(0.375)  # not the mean of 90 % and 20 %
    assert response_rate([]).share is None


@pytest.mark.parametrize(
    ("asked", "rate", "anonymous", "recurrence", "outcome", "expected"),
    [
        (20, (10, 8), True, "none", r.SHOWN, 16),
        (8, (10, 7), True, "none", r.SCORES_ONLY, 6),  # 6 answers: scores (5), not comments (7)
        (12, (10, 3), True, "none", r.AT_RISK, 4),
        (12, (0, 0), True, "none", r.UNKNOWN_RATE, None),
        (3, (10, 8), True, "weekly", r.POOLED, 2),
        (3, (10, 8), True, "none", r.REFUSED, 2),
        (3, (10, 8), False, "none", r.ATTRIBUTED, 2),
        (0, (10, 8), False, "none", r.REFUSED, 0),  # nobody to ask, anonymous or not
        (None, (10, 8), True, "none", r.NOT_COUNTED, None),
    ],
)
def test_what_the_results_would_be(
    asked: int | None,
    rate: tuple[int, int],
    anonymous: bool,
    recurrence: str,
    outcome: str,
    expected: int | None,
) -> None:
    preview = launch_preview(
        draft_info(anonymous, recurrence),
        asked,
        rate=response_rate([rate]),
        comment_min_responses=7,
        not_counted=None if asked is not None else "Slack said ratelimited",
    )
    assert (preview.outcome, preview.expected) == (outcome, expected)
    if outcome == r.REFUSED:
        assert preview.refusal  # the launch's own words for it


def test_a_pooled_series_needs_at_least_the_pool_floor() -> None:
    preview = launch_preview(
        draft_info(recurrence="weekly"), 2, rate=ResponseRate(10, 8, 1), comment_min_responses=5
    )
    assert preview.outcome == r.REFUSED


# Through the real Bolt app ------------------------------------------------------------------------------


def filled(container: Container) -> None:
    """What the install-time job does: the workspace's people read into the directory."""
    container.directory.fill_step(container.slack.for_team(TEAM_ID), TEAM_ID)


def preview(driver: SlackDriver, slack: SlackStandIn, **values: Any) -> str:
    """Click "Preview what you'll see" in the launch form as it stands; the text of what was shown."""
    form = {"id": "VLAUNCH", "type": "modal", "callback_id": ids.PULSE_MODAL, "state": {"values": values}}
    before = len(slack.calls)
    response = driver.action(ids.PULSE_PREVIEW, user=OWNER, view=form, response_url=None)
    assert response.status == 200
    shown = [c for c in slack.calls[before:] if c.method in ("views.push", "views.update")]
    assert shown, "nothing was shown"
    return json.dumps(shown[-1]["view"]) if isinstance(shown[-1]["view"], dict) else str(shown[-1]["view"])


def stored_surveys(container: Container) -> int:
    with container.sessions() as s:
        return int(s.scalar(select(func.count()).select_from(Survey)) or 0)


def test_the_preview_counts_who_would_be_asked_and_says_what_is_stored_and_sends_nothing(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    people(slack, 12)  # and three bots / deactivated accounts in the channel, left out as at launch
    filled(container)
    closes = container.clock.now() + timedelta(days=3)
    shown = preview(driver, slack, **launch_values(closes=closes, questions=QUESTIONS))
    pushed = slack.calls_to("views.push")
    assert "Counting who would be asked" in json.dumps(pushed[-1]["view"])  # at once: the trigger lasts 3 s
    updated = slack.calls_to("views.update")[-1]
    assert updated["view_id"] and ids.PULSE_PREVIEW_MODAL in shown
    assert "12 people today" in shown
    assert "no closed survey yet to go by" in shown and "at least 5 answers" in shown
    assert "eNPS (promoters 9-10 minus detractors 0-6)" in shown
    assert "the mean and how many chose each point" in shown and "word for word, without names" in shown
    assert "nothing in the database links a person to an answer" in shown
    assert "Your name is never stored with your answers" in shown  # what the invitation will say
    assert stored_surveys(container) == 0
    with container.sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert slack.messages() == []


def test_the_preview_predicts_answers_from_the_last_closed_surveys(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    team = people(slack, 10)
    first = launch(driver, container, questions="[0-10] Recommend us?")
    container.outbox.drain()
    for user in team[:6]:
        Respondent.from_dm(driver, slack, user).click("q1", 9)
    container.pulse.close(container.actors.of("T0TEAM1", OWNER), first)
    people(slack, 7, channel="CSMALL1", prefix="US")
    filled(container)
    closes = container.clock.now() + timedelta(days=3)
    shown = preview(driver, slack, **launch_values(channel="CSMALL1", closes=closes))
    assert "7 people today" in shown
    assert "about 4, at the 60% who answered this workspace's last 1 closed survey (6 of 10)" in shown
    assert "Likely withheld" in shown and "results need 5 answers" in shown
    big = preview(driver, slack, **launch_values(closes=closes))  # the 10 of the first survey: about 6
    assert "about 6, at the 60%" in big and "you will see totals without comments unless" not in big
    assert "you will see totals with comments" in big


def test_the_preview_says_when_the_launch_would_be_refused_or_pooled_or_slack_would_not_say(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    people(slack, 3, channel="CTRIO01")
    filled(container)
    closes = container.clock.now() + timedelta(days=3)
    once = preview(driver, slack, **launch_values(channel="CTRIO01", closes=closes))
    assert "This launch would be refused" in once and "at least 5 people" in once and "has 3" in once
    weekly = preview(driver, slack, **launch_values(channel="CTRIO01", closes=closes, recurrence="weekly"))
    assert "Pooled" in weekly and "never as one round" in weekly
    slack.fail_next("conversations.members", "not_in_channel")
    unseen = preview(driver, slack, **launch_values(channel="CTRIO01", closes=closes))
    assert "Slack would not say yet" in unseen and "invite me to it first" in unseen
    assert stored_surveys(container) == 0


def test_a_form_that_cannot_launch_is_not_previewed_and_says_what_to_fix(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    people(slack, 12)
    closes = container.clock.now() + timedelta(days=3)
    nobody = preview(driver, slack, **launch_values(channel=None, closes=closes))
    assert "Fix these in the form first" in nobody and "Choose exactly one audience" in nobody
    past = preview(driver, slack, **launch_values(closes=container.clock.now() - timedelta(hours=1)))
    assert "Fix these in the form first" in past
    assert not slack.calls_to("conversations.members") and stored_surveys(container) == 0


def test_before_the_directory_is_filled_or_when_slack_is_busy_the_preview_says_try_again(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    """A person is waiting: no paging of users.list (Tier 2), no waiting out a rate limit."""
    team = people(slack, 12)
    closes = container.clock.now() + timedelta(days=3)
    early = preview(driver, slack, **launch_values(closes=closes))
    assert "still reading this workspace's people" in early and "preview again shortly" in early
    assert not slack.calls_to("users.list") and not slack.calls_to("conversations.members")
    picked = preview(driver, slack, **launch_values(channel=None, people=team[:6], closes=closes))
    assert "6 people today" in picked  # picked people need no directory to be counted
    filled(container)
    slack.fail_next("conversations.members", "ratelimited")
    busy = preview(driver, slack, **launch_values(closes=closes))
    assert "preview again shortly" in busy and "ratelimited" not in busy


def test_a_preview_that_fails_after_the_waiting_view_says_so_there(
    driver: SlackDriver, container: Container, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The trigger is spent once the waiting view is pushed: the failure replaces it (no views.open with
    a used trigger, no view left spinning)."""
    people(slack, 12)
    filled(container)

    def broken(*_args: Any) -> None:
        raise RuntimeError("database went away")

    monkeypatch.setattr(container.pulse, "launch_preview", broken)
    closes = container.clock.now() + timedelta(days=3)
    shown = preview(driver, slack, **launch_values(closes=closes))
    assert "couldn't work out the preview just now" in shown
    assert not slack.calls_to("views.open")


def test_a_refusal_found_after_the_waiting_view_is_said_there_in_its_own_words(
    driver: SlackDriver, container: Container, slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    people(slack, 12)
    filled(container)

    def refused(*_args: Any) -> None:
        raise UserFacingError("Survey launches are paused by an owner.")

    monkeypatch.setattr(container.pulse, "launch_preview", refused)
    shown = preview(driver, slack, **launch_values(closes=container.clock.now() + timedelta(days=3)))
    assert "Survey launches are paused by an owner." in shown


def test_a_person_who_went_back_before_the_preview_was_ready_is_left_alone(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    people(slack, 12)
    filled(container)
    slack.fail_next("views.update", "not_found")
    form = {
        "id": "VLAUNCH",
        "type": "modal",
        "state": {"values": launch_values(closes=container.clock.now() + timedelta(days=3))},
    }
    response = driver.action(ids.PULSE_PREVIEW, user=OWNER, view=form, response_url=None)
    assert response.status == 200
    assert not slack.calls_to("views.open") and not slack.calls_to("chat.postEphemeral")


def test_an_attributed_survey_says_comments_carry_names_and_a_series_says_short_rounds_are_combined() -> None:
    attributed = launch_preview(
        draft_info(anonymous=False), 12, rate=ResponseRate(10, 8, 1), comment_min_responses=5
    )
    text = json.dumps(preview_modal(attributed))
    assert "the comments with who wrote each" in text and "without names" not in text
    series = launch_preview(
        draft_info(recurrence="weekly"), 12, rate=ResponseRate(10, 3, 1), comment_min_responses=5
    )
    assert series.outcome == r.AT_RISK
    assert "combined with the next rounds" in json.dumps(preview_modal(series))
