"""Launching a survey: the checks a launch makes, storing it, and one invitation per person asked."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from bot import policy
from bot.domain import pulse_stats
from bot.domain.actor import Actor
from bot.domain.outgoing import Post
from bot.domain.pulse import Invitation, SurveyDraft, audience_problem, launch_problem
from bot.policy import Permission
from bot.services.pulse.core import PulseCore
from storage.models import Survey
from storage.repositories import pulse as repo


class Launch:
    def __init__(self, core: PulseCore) -> None:
        self._core = core

    def check_audience(self, team_id: str, anonymous: bool, invitees: Sequence[str]) -> None:
        minimum = pulse_stats.effective_minimum(self._core.settings.get(team_id).pulse_min_responses)
        problem = audience_problem(anonymous, len(invitees), minimum)
        if problem is not None:
            raise problem

    def validate(self, actor: Actor, draft: SurveyDraft, invitees: Sequence[str]) -> None:
        """Everything a launch checks, without storing anything (the modal shows these next to inputs)."""
        policy.require(actor, Permission.LAUNCH_SURVEY)
        problem = launch_problem(draft, self._core.clock.now())
        if problem is not None:
            raise problem
        self.check_audience(actor.team_id, draft.anonymous, sorted(set(invitees)))

    def launch(self, actor: Actor, draft: SurveyDraft, invitees: Sequence[str]) -> int:
        """Store the survey and queue one invitation per person; returns the survey id."""
        self.validate(actor, draft, invitees)
        now = self._core.clock.now()
        people = sorted(set(invitees))
        with self._core.sessions.begin() as s:
            survey = self.create(
                s, actor.team_id, actor.user_id, draft, people, now, series_id=None, round_=1
            )
            return survey.id

    def create(
        self,
        s: Session,
        team_id: str,
        owner_id: str,
        draft: SurveyDraft,
        people: list[str],
        now: datetime,
        *,
        series_id: int | None,
        round_: int,
    ) -> Survey:
        """Store a survey (a first launch or a series' next round) and queue its invitations."""
        ws = self._core.settings.get(team_id)
        survey = repo.add_survey(
            s,
            Survey(
                team_id=team_id,
                title=draft.title,
                template=draft.template,
                questions=[q.as_dict() for q in draft.questions],
                audience=draft.audience,
                anonymous=draft.anonymous,
                min_responses=pulse_stats.effective_minimum(ws.pulse_min_responses),
                comment_min_responses=pulse_stats.comment_minimum(
                    ws.pulse_comment_min_responses, ws.pulse_min_responses
                ),
                state="open",
                created_by=owner_id,
                created_at=now,
                closes_at=draft.closes_at,
                reminders=draft.reminders,
                reminders_sent=0,
                recurrence=draft.recurrence,
                series_id=series_id,
                round=round_,
                next_round_launched=False,
                invited_count=len(people),
            ),
            people,
        )
        invitation = Invitation(self._core.info(survey))
        self._core.postbox.send(
            s,
            team_id,
            *(
                Post(to=user_id, content=invitation, key=f"pulse:{survey.id}:invite:{user_id}")
                for user_id in people
            ),
        )
        return survey
