"""Pulse surveys: launch, anonymous answers, results, reminders and rounds, and the owner's response note.

How anonymity holds (see storage/models/pulse.py for the schema side): taking part is recorded as an
HMAC of survey and person, in its own transaction, separate from the answers' transaction; answers are
found again only through a random token that lives in the person's own DM message; on close both tables
are rewritten in random order in one transaction, so neither row order nor PostgreSQL's transaction ids
can pair a participation with a response afterwards.

`PulseService` is the one face the rest of the bot sees; each part lives in its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import Actor
from bot.domain.pulse import RESPONSE_NOTE_DUE_DAYS, Answered, SurveyDraft, SurveyInvalid
from bot.domain.pulse_bank import BankItem
from bot.domain.pulse_preview import LaunchPreview
from bot.domain.pulse_questions import Question
from bot.domain.pulse_stats import SurveyInfo, SurveyResults
from bot.services.ports import Postbox
from bot.services.pulse.answering import Answering
from bot.services.pulse.bank import Bank
from bot.services.pulse.core import PulseCore
from bot.services.pulse.governor import Governor
from bot.services.pulse.launch import Launch
from bot.services.pulse.response_note import ResponseNotes
from bot.services.pulse.results import Results
from bot.services.pulse.rounds import AudienceResolver, Rounds
from bot.services.settings import SettingsService

# The digest's view still imports the old name (bot/views/digest.py); the glossary word is "response note".
FOLLOW_UP_DUE_DAYS = RESPONSE_NOTE_DUE_DAYS

__all__ = [
    "FOLLOW_UP_DUE_DAYS",
    "RESPONSE_NOTE_DUE_DAYS",
    "Answered",
    "AudienceResolver",
    "PulseService",
    "SurveyDraft",
    "SurveyInvalid",
]


class PulseService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        secret_key: str | None,
    ) -> None:
        self._core = PulseCore(sessions, clock, settings, postbox, secret_key)
        self._bank = Bank(self._core)
        self._governor = Governor(self._core)
        self._launch = Launch(self._core, self._bank, self._governor)
        self._answering = Answering(self._core)
        self._results = Results(self._core, self._governor)
        self._rounds = Rounds(self._core, self._launch)
        self._notes = ResponseNotes(self._core)

    # Launch

    def check_audience(self, team_id: str, anonymous: bool, invitees: Sequence[str]) -> None:
        self._launch.check_audience(team_id, anonymous, invitees)

    def validate(self, actor: Actor, draft: SurveyDraft) -> None:
        """Everything a launch checks before storing (the modal shows these next to inputs)."""
        self._launch.validate(actor, draft)

    def launch_preview(self, actor: Actor, draft: SurveyDraft, resolve: AudienceResolver) -> LaunchPreview:
        """What the owner would see of this draft before launching it (see Launch.preview)."""
        return self._launch.preview(actor, draft, resolve)

    def launch(self, actor: Actor, draft: SurveyDraft) -> int:
        """Store the survey with its audience still to resolve (see `resolve_launches`); its id."""
        return self._launch.launch(actor, draft)

    def resolve_launches(self, resolve: AudienceResolver) -> int:
        """Settle stored launches: audience asked of Slack, then invitations queued or the owner told why."""
        return self._launch.resolve_launches(resolve)

    # The question bank

    def bank_items(self, team_id: str) -> list[BankItem]:
        """The open bank's items and the workspace's own."""
        return self._bank.items(team_id)

    def add_bank_item(self, actor: Actor, theme: str, scale: str, text: str, reverse: bool) -> BankItem:
        return self._bank.add(actor, theme, scale, text, reverse)

    # Answering

    def answer(
        self, team_id: str, survey_id: int, user_id: str, token: str | None, key: str, value: Any
    ) -> Answered:
        return self._answering.answer(team_id, survey_id, user_id, token, key, value)

    def text_question(
        self, team_id: str, survey_id: int, key: str, token: str | None
    ) -> tuple[Question, str]:
        return self._answering.text_question(team_id, survey_id, key, token)

    def participant_hash(self, team_id: str, survey_id: int, user_id: str) -> str:
        return self._core.participant_hash(team_id, survey_id, user_id)

    # Results and closing

    def info(self, team_id: str, survey_id: int) -> SurveyInfo:
        with self._core.sessions.begin() as s:
            return self._core.info(self._core.survey(s, team_id, survey_id))

    def results_for(self, actor: Actor, survey_id: int) -> SurveyResults:
        return self._results.results_for(actor, survey_id)

    def list_for(self, actor: Actor, limit: int = 15) -> list[tuple[SurveyInfo, int]]:
        return self._results.list_for(actor, limit)

    def latest_closed_results(self, team_id: str, start: datetime, end: datetime) -> SurveyResults | None:
        return self._results.latest_closed_results(team_id, start, end)

    def enps_rounds(self, team_id: str, start: datetime, end: datetime) -> list[tuple[datetime, int, int]]:
        return self._results.enps_rounds(team_id, start, end)

    def close(self, actor: Actor, survey_id: int) -> SurveyResults:
        return self._results.close(actor, survey_id)

    def close_due(self) -> int:
        return self._results.close_due()

    def charts_due(self) -> list[tuple[str, SurveyResults, str]]:
        return self._results.charts_due()

    # Reminders and rounds

    def send_reminders(self) -> int:
        return self._rounds.send_reminders()

    def launch_next_rounds(self, resolve: AudienceResolver) -> int:
        return self._rounds.launch_next_rounds(resolve)

    # The fatigue governor

    def set_away(self, actor: Actor, until: date | None) -> date | None:
        """The person snoozes surveys until `until` (inclusive); None: back."""
        return self._governor.set_away(actor, until)

    def skip_response_note(self, actor: Actor, survey_id: int) -> int:
        """The owner skips the response note (everyone asked sees it), unblocking the series' next round."""
        return self._governor.skip_note(actor, survey_id)

    # Response notes

    def write_response_note(self, actor: Actor, survey_id: int, text: str) -> int:
        return self._notes.write(actor, survey_id, text)

    def awaiting_response_note(
        self, team_id: str, now: datetime, days: int = RESPONSE_NOTE_DUE_DAYS, limit: int = 3
    ) -> list[SurveyInfo]:
        return self._notes.awaiting(team_id, now, days, limit)

    def response_notes(self, team_id: str, start: datetime, end: datetime) -> list[tuple[SurveyInfo, str]]:
        return self._notes.shared(team_id, start, end)

    # The digest (bot/services/digest.py) still calls these by their old names.
    awaiting_follow_up = awaiting_response_note
    follow_ups = response_notes
