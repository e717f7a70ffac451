"""The fatigue governor: people away, at most one survey a week per person across series, a series'
next round waiting for the owner's response note (or an explicit skip), and a warning to the owner when
participation falls two rounds running."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from bot import policy
from bot.domain.actor import Actor
from bot.domain.errors import UserFacingError
from bot.domain.outgoing import Post
from bot.domain.pulse import (
    MAX_AWAY_DAYS,
    PER_PERSON_GAP,
    FatigueWarning,
    NoteNeeded,
    NoteSkipped,
    participation_falling,
    participation_rate,
)
from bot.policy import Permission
from bot.services.pulse.core import PulseCore
from storage.models import Survey
from storage.repositories import pulse as repo
from storage.repositories import pulse_people as people_repo


class Governor:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def set_away(self, actor: Actor, until: date | None) -> date | None:
        """Snooze surveys for the person themselves until `until` (inclusive); None ends the snooze."""
        today = self._core.today(actor.team_id)
        if until is not None and not today <= until <= today + timedelta(days=MAX_AWAY_DAYS):
            raise UserFacingError(
                "Pick a day from today to a year ahead, like "
                f"`/pulse away until {today + timedelta(days=14)}`."
            )
        with self._core.sessions.begin() as s:
            people_repo.set_away(s, actor.team_id, actor.user_id, until)
        return until

    def leave_out(
        self, s: Session, team_id: str, people: list[str], now: datetime, series_id: int | None
    ) -> tuple[list[str], int, int]:
        """(who to ask, how many are away, how many were asked this week by another series or survey).
        The weekly cap applies to a series' later rounds (a launch by hand is the owner's call)."""
        away = people_repo.away(s, team_id, self._core.today(team_id)) & set(people)
        recent: set[str] = set()
        if series_id is not None:
            recent = people_repo.asked_since(s, team_id, now - PER_PERSON_GAP, series_id) & (
                set(people) - away
            )
        asked = [p for p in people if p not in away and p not in recent]
        return asked, len(away), len(recent)

    def skip_note(self, actor: Actor, survey_id: int) -> int:
        """The owner explicitly skips the response note; everyone asked sees that. Returns how many."""
        policy.require(actor, Permission.WRITE_RESPONSE_NOTE)
        with self._core.sessions.begin() as s:
            survey = self._core.survey(s, actor.team_id, survey_id)
            if survey.state != "closed":
                raise UserFacingError(
                    f"Survey {survey_id} is still open; it can be skipped once it has closed."
                )
            if survey.follow_up is not None or survey.note_skipped:
                raise UserFacingError(f"Survey {survey_id} already has its response note (or was skipped).")
            survey.note_skipped = True
            skipped = NoteSkipped(self._core.info(survey))
            people = repo.invitees(s, survey_id)
            self._core.postbox.send(
                s,
                actor.team_id,
                *(Post(to=u, content=skipped, key=f"pulse:{survey_id}:skipped:{u}") for u in people),
            )
            return len(people)

    def waits_for_note(self, s: Session, survey: Survey) -> bool:
        """A series' next round waits while its last round closed with results shown and the owner has
        neither shared a response note nor skipped it; the owner is told once."""
        if survey.state != "closed" or survey.follow_up is not None or survey.note_skipped:
            return False
        if survey.anonymous and repo.participation_count(s, survey.id) < survey.min_responses:
            return False  # no results were shown: nothing to respond to
        needed = NoteNeeded(self._core.info(survey))
        self._core.postbox.send(
            s,
            survey.team_id,
            Post(to=survey.created_by, content=needed, key=f"pulse:{survey.id}:note-needed"),
        )
        return True

    def check_fatigue(self, s: Session, survey: Survey) -> None:
        """After a round closed: tell the owner, once per series, when participation fell twice running."""
        if survey.series_id is None:
            return
        rounds = people_repo.series_rounds(s, survey.team_id, survey.series_id)
        rates = [participation_rate(n, x.invited_count) for x, n in rounds if x.state == "closed"]
        if not participation_falling(rates) or not people_repo.mark_fatigue_told(s, survey.series_id):
            return
        warning = FatigueWarning(self._core.info(survey), tuple(rates[-3:]))
        self._core.postbox.send(
            s,
            survey.team_id,
            Post(to=survey.created_by, content=warning, key=f"pulse:series:{survey.series_id}:fatigue"),
        )
