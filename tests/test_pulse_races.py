"""Races between answering and closing, forced at the points between an answer's transactions: no answer
lands after a survey's results went out, and anonymity's two-transaction rule still holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.container import Container
from bot.services.pulse import answering
from bot.services.pulse.answering import Answering
from jobs.pulse import run_pulse_surveys
from storage.models import Survey, SurveyParticipation, SurveyResponse
from tests.conftest import OWNER
from tests.pulse_helpers import Respondent, launch, people
from tests.slack_requests import TEAM_ID, SlackDriver, final_answer
from tests.slack_standin import SlackStandIn


def counts(container: Container, survey_id: int) -> tuple[int, int]:
    with container.sessions.begin() as s:
        took_part = s.scalar(
            select(func.count())
            .select_from(SurveyParticipation)
            .where(SurveyParticipation.survey_id == survey_id)
        )
        responses = s.scalar(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey_id)
        )
    return took_part or 0, responses or 0


def results_reports(slack: SlackStandIn) -> list[str]:
    return [
        json.dumps(m["blocks"], ensure_ascii=False)
        for m in slack.messages(OWNER)
        if "answered" in json.dumps(m["blocks"])
        and "Survey" in json.dumps(m["blocks"])
        and "on its way" not in json.dumps(m["blocks"])
    ]


def owner_closes(driver: SlackDriver, slack: SlackStandIn, survey_id: int) -> str:
    """What the owner is told (the ack says "working on it"; the outcome comes through response_url)."""
    return str(final_answer(slack, driver.command("/pulse", f"close {survey_id}", user=OWNER)).get("text"))


@pytest.fixture
def survey(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> tuple[int, list[str], dict[str, Respondent]]:
    """Six asked, five answered (10, 9, 8, 7, 6); the first one's DM (with their token) is kept."""
    team = people(slack, 6)
    survey_id = launch(driver, container)
    container.outbox.drain()
    answered: dict[str, Respondent] = {}
    for user, score in zip(team[:5], [10, 9, 8, 7, 6], strict=True):
        respondent = Respondent.from_dm(driver, slack, user)
        respondent.click("q1", score)
        answered[user] = respondent
    return survey_id, team, answered


def test_a_close_between_participation_and_answer_waits_for_the_answer(
    driver: SlackDriver,
    container: Container,
    clock: FixedClock,
    slack: SlackStandIn,
    survey: tuple[int, list[str], dict[str, Respondent]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey_id, team, _ = survey
    told: list[str] = []
    real = answering.apply_answer

    def close_in_between(*args: Any) -> Any:  # runs after the participation commit, before the answer's
        told.append(owner_closes(driver, slack, survey_id))
        return real(*args)

    monkeypatch.setattr(answering, "apply_answer", close_in_between)
    late = Respondent.from_dm(driver, slack, team[5])
    late.click("q1", 0)
    monkeypatch.undo()

    assert "is closing" in told[0]
    assert counts(container, survey_id) == (6, 6)  # the answer in flight landed, with its participation
    assert container.pulse.info(TEAM_ID, survey_id).state == "closing"
    container.outbox.drain()
    assert results_reports(slack) == []  # nothing went out while the answer was in flight

    run_pulse_surveys(container)  # the close job finishes the close
    container.outbox.drain()
    assert container.pulse.info(TEAM_ID, survey_id).state == "closed"
    (report,) = results_reports(slack)
    assert "6 of 6" in report
    # The results include the late answer (a 0: one more detractor): eNPS (2-2)/6 = 0.
    assert "eNPS *0*" in report or "eNPS *+0*" in report


def test_a_close_between_the_open_check_and_participation_refuses_the_answer(
    driver: SlackDriver,
    container: Container,
    slack: SlackStandIn,
    survey: tuple[int, list[str], dict[str, Respondent]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey_id, team, _ = survey
    real: Callable[..., Any] = Answering._first_answer

    def close_first(self: Answering, *args: Any) -> Any:
        owner_closes(driver, slack, survey_id)
        return real(self, *args)

    monkeypatch.setattr(Answering, "_first_answer", close_first)
    late = Respondent.from_dm(driver, slack, team[5])
    late.click("q1", 0)
    monkeypatch.undo()
    assert "has closed" in late.last_reply_text()
    assert counts(container, survey_id) == (5, 5)
    container.outbox.drain()
    (report,) = results_reports(slack)
    assert "5 of 6" in report


def test_a_changed_answer_after_the_close_is_refused_and_the_stored_one_stays(
    driver: SlackDriver,
    container: Container,
    slack: SlackStandIn,
    survey: tuple[int, list[str], dict[str, Respondent]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey_id, team, answered = survey
    changer = answered[team[0]]
    real: Callable[..., Any] = Answering._change

    def close_first(self: Answering, *args: Any) -> Any:
        owner_closes(driver, slack, survey_id)
        return real(self, *args)

    monkeypatch.setattr(Answering, "_change", close_first)
    changer.click("q1", 0)
    monkeypatch.undo()
    assert "has closed" in changer.last_reply_text()
    with container.sessions.begin() as s:
        scores = sorted(a["q1"] for a in s.scalars(select(SurveyResponse.answers)))
    assert scores == [6, 7, 8, 9, 10]


def test_an_answer_cut_short_by_a_crash_delays_the_close_by_the_grace_only(
    driver: SlackDriver,
    container: Container,
    clock: FixedClock,
    slack: SlackStandIn,
    survey: tuple[int, list[str], dict[str, Respondent]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    survey_id, team, _ = survey

    def die(*_args: Any) -> Any:
        raise SystemExit("killed between the two transactions")

    monkeypatch.setattr(answering, "apply_answer", die)
    with pytest.raises(SystemExit):
        container.pulse.answer(TEAM_ID, survey_id, team[5], None, "q1", 0)
    monkeypatch.undo()
    with container.sessions.begin() as s:
        assert s.get(Survey, survey_id).answers_in_flight == 1  # type: ignore[union-attr]

    assert "is closing" in owner_closes(driver, slack, survey_id)
    clock.advance(seconds=30)
    run_pulse_surveys(container)
    assert container.pulse.info(TEAM_ID, survey_id).state == "closing"
    clock.advance(seconds=31)
    run_pulse_surveys(container)
    assert container.pulse.info(TEAM_ID, survey_id).state == "closed"
    assert counts(container, survey_id) == (6, 5)  # counted as taking part; no answer was stored
