"""What every part of the pulse service shares: sessions, clock, settings, postbox, keyed hashes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.pulse_questions import Question
from bot.domain.pulse_stats import SurveyInfo
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from storage.models import Survey
from storage.repositories import pulse as repo


class PulseCore:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        secret_key: str | None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.settings = settings
        self.postbox = postbox
        self._secret = secret_key.encode() if secret_key else None

    def survey(self, s: Session, team_id: str, survey_id: int) -> Survey:
        """The survey, if it belongs to this workspace."""
        survey = repo.get_survey(s, survey_id)
        if survey is None or survey.team_id != team_id:
            raise NotFound(f"There is no survey {survey_id} in this workspace. `/pulse list` shows them.")
        return survey

    def info(self, survey: Survey) -> SurveyInfo:
        return SurveyInfo(
            id=survey.id,
            title=survey.title,
            questions=tuple(Question.from_dict(q) for q in survey.questions),
            anonymous=survey.anonymous,
            min_responses=survey.min_responses,
            closes_at=survey.closes_at,
            timezone=self.settings.get(survey.team_id).tz,
            state=survey.state,
            invited=survey.invited_count,
            round=survey.round,
            recurrence=survey.recurrence,
            closed_at=survey.closed_at,
        )

    def today(self, team_id: str) -> date:
        return self.clock.now().astimezone(self.settings.get(team_id).tz).date()

    def participant_hash(self, team_id: str, survey_id: int, user_id: str) -> str:
        return self.keyed("took-part", team_id, survey_id, user_id)

    def keyed(self, purpose: str, team_id: str, survey_id: int, user_id: str) -> str:
        """HMAC-SHA256 with the server secret; each purpose gets unrelated values."""
        if self._secret is None:
            raise RuntimeError("EMPATHY_SECRET_KEY is not set; surveys cannot record participation.")
        message = f"{purpose}:{team_id}:{survey_id}:{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()
