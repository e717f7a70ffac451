"""One workspace can never see or change another's data, even with crafted payloads carrying its ids."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.container import Container
from bot.domain.feedback import FeedbackInput
from bot.views import ids
from storage.models import Feedback, Kudos, SurveyResponse
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, answer_value, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer, response_json
from tests.slack_standin import SlackStandIn

OTHER = "T0OTHER"


def test_another_workspace_cannot_touch_feedback_surveys_or_settings(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    container.feedback.ingest(TEAM_ID, FeedbackInput("email", "A-1", "Awful, the order never came."))
    with container.sessions.begin() as s:
        feedback_id = s.scalar(select(Feedback.id))
    team = people(slack, 5)
    survey_id = launch(driver, container)
    container.outbox.drain()
    Respondent.from_dm(driver, slack, team[0]).click("q1", 7)
    before = len(slack.calls)

    # Feedback buttons with our feedback id, sent from the other workspace (same user ids, even).
    for action in (ids.FEEDBACK_ACKNOWLEDGE, ids.FEEDBACK_TAKE):
        driver.action(action, user=OWNER, team=OTHER, value=str(feedback_id), channel="CFEED01")
    with container.sessions.begin() as s:
        item = s.get(Feedback, feedback_id)
        assert item is not None and item.state == "new" and item.assignee is None

    # Survey results, closing and answering by id from the other workspace.
    for sub in ("results", "close", "respond"):
        answer = json.dumps(
            final_answer(slack, driver.command("/pulse", f"{sub} {survey_id}", user=OWNER, team=OTHER))
        )
        assert f"There is no survey {survey_id} in this workspace" in answer
    assert container.pulse.info(TEAM_ID, survey_id).state == "open"
    blocks = Respondent.from_dm(driver, slack, team[1]).blocks
    driver.action(
        f"{ids.PULSE_ANSWER_PREFIX}3",
        user=team[1],
        team=OTHER,
        value=answer_value(blocks, "q1", 3),
        channel="D" + team[1][1:],
    )
    with container.sessions.begin() as s:
        assert [r.answers for r in s.scalars(select(SurveyResponse))] == [{"q1": 7}]

    # A kudos here cannot get a +1 from there, and the other workspace's Home shows none of ours.
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"kudos_channel": "CKUDOS1"})
    driver.command(
        "/kudos", f"<@{team[2]}|p> for calming a customer down #calmed-a-tense-moment", user=team[3]
    )
    with container.sessions.begin() as s:
        kudos_id = s.scalar(select(Kudos.id))
    driver.action(ids.KUDOS_PLUS_ONE, user=team[4], team=OTHER, value=str(kudos_id), channel="CKUDOS1")
    assert container.kudos.get(TEAM_ID, kudos_id).plus_ones == 0
    assert (
        container.kudos.home(OTHER, team[2]).received == 0
        and container.kudos.home(OTHER, team[2]).latest == ()
    )
    assert container.kudos.home(TEAM_ID, team[2]).received == 1

    # Settings changed in the other workspace stay there.
    container.workspace_settings.update(container.actors.of(OTHER, OWNER), {"feedback_channel": "COTHER1"})
    assert container.workspace_settings.get(TEAM_ID).feedback_channel == "CFEED01"
    listing = json.dumps(response_json(driver.command("/pulse", "list", user=OWNER, team=OTHER)))
    assert "No surveys yet" in listing
    # Nothing was posted or updated for our workspace by any of it (only refusals to the sender).
    changed = [c for c in slack.calls[before:] if c.method in ("chat.update", "chat.postMessage")]
    assert changed == []  # the kudos above is queued, not sent: the outbox was not worked
