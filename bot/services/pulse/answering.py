"""Answering a survey: the first answer, changes made with the person's own token, free-text questions.

Taking part is recorded as an HMAC of survey and person in its own transaction, separate from the
answers' transaction; the answers are found again only through a random token that lives in the
person's own DM message (the table keeps its SHA-256).
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.errors import NotAllowed, UserFacingError
from bot.domain.pulse import MAX_TEXT_ANSWER, Answered, apply_answer, token_hash
from bot.domain.pulse_questions import KIND_RANGES, Question
from bot.domain.pulse_stats import SurveyInfo
from bot.services.pulse.core import PulseCore
from storage.models import Survey
from storage.repositories import pulse as repo

NOT_IN_SURVEY = "That question is not part of this survey; please use the latest message."
CLOSED = "This survey has closed, so it no longer takes answers. Thank you all the same!"


class SurveyClosedMeanwhile(Exception):
    """The survey closed between an answer's participation and its response transaction."""


class Answering:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def answer(
        self, team_id: str, survey_id: int, user_id: str, token: str | None, key: str, value: Any
    ) -> Answered:
        """Record one answer (a scale point, or text for a free-text question or a comment)."""
        with self._core.sessions.begin() as s:
            survey = self._open_for(s, team_id, survey_id, user_id)
            info = self._core.info(survey)
            question = next((q for q in info.questions if q.key == key), None)
            if question is None:
                raise UserFacingError(NOT_IN_SURVEY)
            if question.scored:
                if not isinstance(value, int) or value not in KIND_RANGES[question.kind]:
                    raise UserFacingError("That answer is outside the scale; please pick one of the buttons.")
            else:
                value = str(value).strip()
                if len(value) > MAX_TEXT_ANSWER:
                    raise UserFacingError(f"Please keep it under {MAX_TEXT_ANSWER} characters.")
            anonymous = survey.anonymous
        if token:
            return self._change(team_id, info, token, question, value)
        return self._first_answer(team_id, info, user_id, anonymous, question, value)

    def _open_for(self, s: Session, team_id: str, survey_id: int, user_id: str) -> Survey:
        survey = self._core.survey(s, team_id, survey_id)
        if survey.state != "open" or survey.closes_at <= self._core.clock.now():
            raise UserFacingError(CLOSED)
        if not repo.is_invited(s, survey_id, user_id):
            raise NotAllowed("This survey wasn't sent to you, so it can't take your answer.")
        return survey

    def _first_answer(
        self, team_id: str, info: SurveyInfo, user_id: str, anonymous: bool, question: Question, value: Any
    ) -> Answered:
        participant = self._core.participant_hash(team_id, info.id, user_id)
        # Two transactions on purpose: participation and answers never share one (see module docstring).
        # The first counts the answer in flight, only if the survey is still open; the second lands it,
        # only if the survey has not closed meanwhile (a close waits for answers in flight), so no answer
        # arrives after the results went out.
        with self._core.sessions.begin() as s:
            if not repo.begin_answer(s, info.id, self._core.clock.now()):
                raise UserFacingError(CLOSED)
            if not repo.record_participation(s, info.id, participant):
                # Raised inside the transaction, so its count of answers in flight is rolled back too.
                raise UserFacingError(
                    "You have already answered this survey. To change an answer, use the buttons in your "
                    "latest survey message (they remember your answers; nobody else can)."
                )
        token = secrets.token_urlsafe(16)
        answers, comments = apply_answer({}, {}, question, value)
        try:
            with self._core.sessions.begin() as s:
                if not repo.end_answer(s, info.id):
                    raise SurveyClosedMeanwhile
                repo.add_response(
                    s,
                    response_id=str(uuid.uuid4()),
                    survey_id=info.id,
                    token_hash=token_hash(token),
                    anonymous=anonymous,
                    respondent_id=None if anonymous else user_id,
                    answers=answers,
                    comments=comments,
                    answered_on=self._core.today(team_id),
                )
        except SurveyClosedMeanwhile:
            # Only when the close stopped waiting (a process died mid-answer): counted, never read.
            raise UserFacingError(CLOSED) from None
        except Exception:
            with self._core.sessions.begin() as s:
                repo.forget_participation(s, info.id, participant)
                repo.end_answer(s, info.id)
            raise
        return Answered(info, token, answers, comments)

    def _change(self, team_id: str, info: SurveyInfo, token: str, question: Question, value: Any) -> Answered:
        with self._core.sessions.begin() as s:
            if not repo.still_open(s, info.id, self._core.clock.now()):
                raise UserFacingError(CLOSED)
            response = repo.response_by_token(s, info.id, token_hash(token))
            if response is None:
                raise UserFacingError(
                    "Your earlier answers could not be found; please use your latest survey message."
                )
            answers, comments = apply_answer(dict(response.answers), dict(response.comments), question, value)
            response.answers, response.comments = answers, comments
            response.answered_on = self._core.today(team_id)
        return Answered(info, token, answers, comments)

    def text_question(
        self, team_id: str, survey_id: int, key: str, token: str | None
    ) -> tuple[Question, str]:
        """A free-text question and the person's own current answer to it (found by their token)."""
        with self._core.sessions.begin() as s:
            info = self._core.info(self._core.survey(s, team_id, survey_id))
            question = next((q for q in info.questions if q.key == key and not q.scored), None)
            if question is None:
                raise UserFacingError(NOT_IN_SURVEY)
            current = repo.comments_by_token(s, survey_id, token_hash(token)).get(key, "") if token else ""
            return question, current
