"""Launching a survey: the checks a launch makes, storing it, and one invitation per person asked.

A launch is stored before the owner is told anything (state "resolving": that row is the queued work);
who is in the audience is asked of Slack afterwards, by a job, which then opens the survey, queues the
invitations and tells the owner how many were asked, in one transaction; or, when Slack refuses, marks
the launch refused and tells the owner why, having sent nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot import policy
from bot.domain import pulse_stats
from bot.domain.actor import Actor
from bot.domain.outgoing import Post, Sent
from bot.domain.pulse import (
    INVITATION_POSTED,
    AudienceRefused,
    AudienceUnavailable,
    Invitation,
    InvitationPosted,
    LaunchConfirmed,
    LaunchRefused,
    SurveyDraft,
    audience_problem,
    launch_problem,
)
from bot.domain.pulse_preview import RATE_SURVEYS, LaunchPreview, launch_preview, response_rate
from bot.domain.pulse_questions import tag_questions
from bot.domain.pulse_stats import SurveyInfo
from bot.policy import Permission
from bot.services.pulse.bank import Bank
from bot.services.pulse.core import PulseCore
from bot.services.pulse.governor import Governor
from storage.models import Survey
from storage.repositories import pulse as repo
from storage.repositories import pulse_people as people_repo

log = logging.getLogger(__name__)

AudienceResolver = Callable[[str, dict[str, Any]], list[str]]
# A preview whose audience Slack could not give just now (busy, or the directory still filling).
NOT_COUNTED_YET = (
    "Slack could not say just now, or I am still reading this workspace's people (a few minutes after "
    "install): preview again shortly."
)


class Launch:
    def __init__(self, core: PulseCore, bank: Bank, governor: Governor) -> None:
        self._core = core
        self._bank = bank
        self.governor = governor
        core.postbox.on_sent(INVITATION_POSTED, InvitationPosted, self._invitation_posted)

    def _invitation_posted(self, s: Session, receipt: InvitationPosted, sent: Sent) -> None:
        """Where the invitation landed, so that closing the survey can update it in place."""
        people_repo.record_invitation_message(s, receipt.survey_id, receipt.user_id, sent.channel, sent.ts)

    def check_audience(self, team_id: str, anonymous: bool, invitees: Sequence[str]) -> None:
        minimum = pulse_stats.effective_minimum(self._core.settings.get(team_id).pulse_min_responses)
        problem = audience_problem(anonymous, len(invitees), minimum)
        if problem is not None:
            raise problem

    def validate(self, actor: Actor, draft: SurveyDraft) -> None:
        """Everything a launch checks before it is stored (the modal shows these next to inputs); who is
        in the audience is checked once Slack has said (see `resolve_launches`)."""
        policy.require(actor, Permission.LAUNCH_SURVEY)
        problem = launch_problem(draft, self._core.clock.now())
        if problem is not None:
            raise problem

    def preview(self, actor: Actor, draft: SurveyDraft, resolve: AudienceResolver) -> LaunchPreview:
        """The launch preview of a draft, checked as its launch would be: who would be asked today
        (Slack asked through `resolve`, the away left out as at launch), how many answers the workspace's
        last closed surveys predict, and what its results would then show. Nothing is stored."""
        self.validate(actor, draft)
        ws = self._core.settings.get(actor.team_id)
        audience, not_counted = None, None
        try:
            audience = sorted(set(resolve(actor.team_id, draft.audience)))
        except AudienceRefused as refused:
            not_counted = str(refused)
        except AudienceUnavailable:
            not_counted = NOT_COUNTED_YET
        asked, away = None, 0
        with self._core.sessions() as s:
            if audience is not None:
                people, away, _ = self.governor.leave_out(
                    s, actor.team_id, audience, self._core.clock.now(), None
                )
                asked = len(people)
            rate = response_rate(repo.closed_response_counts(s, actor.team_id, RATE_SURVEYS))
        survey = SurveyInfo(
            id=0,
            title=draft.title,
            questions=tuple(draft.questions),
            anonymous=draft.anonymous,
            min_responses=pulse_stats.effective_minimum(ws.pulse_min_responses),
            closes_at=draft.closes_at,
            timezone=ws.tz,
            state="draft",
            invited=asked or 0,
            recurrence=draft.recurrence,
        )
        return launch_preview(
            survey,
            asked,
            away=away,
            not_counted=not_counted,
            rate=rate,
            comment_min_responses=pulse_stats.comment_minimum(
                ws.pulse_comment_min_responses, ws.pulse_min_responses
            ),
        )

    def launch(self, actor: Actor, draft: SurveyDraft) -> int:
        """Store the survey, its audience still to be resolved (that row queues the work); its id."""
        self.validate(actor, draft)
        # Questions worded as bank items carry the item's key, theme and direction (the theme index).
        draft = replace(draft, questions=tag_questions(draft.questions, self._bank.items(actor.team_id)))
        with self._core.sessions.begin() as s:
            survey = self._store(
                s,
                actor.team_id,
                actor.user_id,
                draft,
                [],
                self._core.clock.now(),
                series_id=None,
                round_=1,
                state="resolving",
            )
            return survey.id

    def resolve_launches(self, resolve: AudienceResolver) -> int:
        """Ask Slack who is in each stored launch's audience, then open it or refuse it; returns how many
        were settled. Slack is asked outside any transaction; each settlement is claimed, so two runs at
        once settle a launch once."""
        with self._core.sessions.begin() as s:
            pending = [(x.team_id, x.id, x.audience) for x in repo.resolving(s)]
        settled = 0
        for team_id, survey_id, target in pending:
            try:
                people = sorted(set(resolve(team_id, target)))
            except AudienceUnavailable as exc:
                log.info("pulse survey %s: audience not resolved yet (%s); retrying next run", survey_id, exc)
                continue
            except AudienceRefused as refused:
                settled += self._refuse(team_id, survey_id, refused.reason)
                continue
            settled += self._open(team_id, survey_id, people)
        return settled

    def _open(self, team_id: str, survey_id: int, people: list[str]) -> int:
        with self._core.sessions.begin() as s:
            survey = self._core.survey(s, team_id, survey_id)
            people, away, _ = self.governor.leave_out(s, team_id, people, self._core.clock.now(), None)
            minimum = pulse_stats.effective_minimum(self._core.settings.get(team_id).pulse_min_responses)
            problem = audience_problem(survey.anonymous, len(people), minimum, survey.recurrence != "none")
            if problem is not None:
                reason = problem.message + (f" ({away} of them are away.)" if away else "")
                return self._refused_in(s, survey, reason)
            if not repo.claim_resolved(s, survey, len(people)):
                return 0
            repo.add_invitees(s, survey_id, people)
            confirmed = LaunchConfirmed(survey_id, len(people), survey.anonymous, away=away)
            self._core.postbox.send(
                s, team_id, Post(to=survey.created_by, content=confirmed, key=f"pulse:{survey_id}:launched")
            )
            self._invite(s, survey, people)
            return 1

    def _refuse(self, team_id: str, survey_id: int, reason: str) -> int:
        with self._core.sessions.begin() as s:
            return self._refused_in(s, self._core.survey(s, team_id, survey_id), reason)

    def _refused_in(self, s: Session, survey: Survey, reason: str) -> int:
        if not repo.claim_refused(s, survey):
            return 0
        refused = LaunchRefused(survey.id, survey.title, reason)
        self._core.postbox.send(
            s, survey.team_id, Post(to=survey.created_by, content=refused, key=f"pulse:{survey.id}:refused")
        )
        return 1

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
        """Store an open survey whose audience is known (a series' next round) and queue its invitations."""
        survey = self._store(
            s, team_id, owner_id, draft, people, now, series_id=series_id, round_=round_, state="open"
        )
        self._invite(s, survey, people)
        return survey

    def _store(
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
        state: str,
    ) -> Survey:
        ws = self._core.settings.get(team_id)
        return repo.add_survey(
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
                state=state,
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

    def _invite(self, s: Session, survey: Survey, people: list[str]) -> None:
        invitation = Invitation(self._core.info(survey))
        self._core.postbox.send(
            s,
            survey.team_id,
            *(
                Post(
                    to=user_id,
                    content=invitation,
                    key=f"pulse:{survey.id}:invite:{user_id}",
                    receipt=InvitationPosted(survey.id, user_id),
                )
                for user_id in people
            ),
        )
