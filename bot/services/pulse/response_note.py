"""The response note: the owner's "you said, we're doing" after a survey closed, sent to everyone asked,
and what the digest shows of it (notes shared, surveys still waiting for one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import policy
from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError
from bot.domain.outgoing import Post
from bot.domain.pulse import RESPONSE_NOTE_DUE_DAYS, RESPONSE_NOTE_NAG_DAYS, ResponseNote, SurveyInvalid
from bot.domain.pulse_stats import SurveyInfo
from bot.policy import Permission
from bot.services.pulse.core import PulseCore
from storage.repositories import pulse as repo


class ResponseNotes:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def write(self, actor: Actor, survey_id: int, text: str) -> int:
        """Share the owner's response note with everyone invited; returns how many."""
        policy.require(actor, Permission.WRITE_RESPONSE_NOTE)
        text = text.strip()
        if not text:
            raise SurveyInvalid("response_note", "Please say what you heard and what you'll do about it.")
        with self._core.sessions.begin() as s:
            survey = self._core.survey(s, actor.team_id, survey_id)
            if survey.state != "closed":
                raise UserFacingError(
                    f"Survey {survey_id} is still open; share what's next once it has closed."
                )
            if survey.follow_up is not None:
                raise UserFacingError(f"You already shared a follow-up for survey {survey_id}.")
            repo.record_response_note(s, survey, text, actor.user_id, self._core.clock.now())
            note = ResponseNote(self._core.info(survey), text, actor.user_id)
            people = repo.invitees(s, survey_id)
            self._core.postbox.send(
                s,
                actor.team_id,
                *(
                    Post(to=user_id, content=note, key=f"pulse:{survey_id}:followup:{user_id}")
                    for user_id in people
                ),
            )
            return len(people)

    def awaiting(
        self, team_id: str, now: datetime, days: int = RESPONSE_NOTE_DUE_DAYS, limit: int = 3
    ) -> list[SurveyInfo]:
        """Closed surveys the owner has not answered with a response note within `days`, newest first.
        Only those closed in the last RESPONSE_NOTE_NAG_DAYS: a reminder, not a nag forever."""
        with self._core.sessions.begin() as s:
            surveys = repo.awaiting_response_note(
                s, team_id, now - timedelta(days=days), now - timedelta(days=RESPONSE_NOTE_NAG_DAYS), limit
            )
            return [self._core.info(x) for x in surveys]

    def shared(self, team_id: str, start: datetime, end: datetime) -> list[tuple[SurveyInfo, str]]:
        """The response notes shared in [start, end), for the digest."""
        with self._core.sessions.begin() as s:
            return [
                (self._core.info(x), x.follow_up or "")
                for x in repo.response_notes_between(s, team_id, start, end)
            ]
