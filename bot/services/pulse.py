"""Pulse surveys: launch, invitations through the outbox, anonymous answers, results, reminders, rounds.

How anonymity holds (see storage/models/pulse.py for the schema side): taking part is recorded as an
HMAC of survey and person, in its own transaction, separate from the answers' transaction; answers are
found again only through a random token that lives in the person's own DM message; on close both tables
are rewritten in random order in one transaction, so neither row order nor PostgreSQL's transaction ids
can pair a participation with a response afterwards.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import random
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import pulse_stats
from bot.domain.errors import NotAllowed, NotFound, UserFacingError
from bot.domain.pulse_questions import KIND_RANGES, SCALE_10, Question
from bot.domain.pulse_stats import SurveyInfo, SurveyResults
from bot.notify.outbox import Outbox
from bot.services.settings import SettingsService
from bot.services.workspaces import Roles
from bot.views.pulse import (
    follow_up_message,
    invitation_message,
    reminder_message,
    results_message,
)
from storage.models import OutboxMessage, Survey, SurveyInvitee, SurveyParticipation, SurveyResponse
from storage.repositories.common import insert_ignoring_conflicts
from storage.repositories.idempotency import claim_period, period_claimed

RECURRENCES = ("none", "weekly", "biweekly", "monthly")
MIN_OPEN = timedelta(hours=1)
MAX_OPEN = timedelta(days=30)
MAX_TEXT_ANSWER = 2000
SCRUB = "pulse_scrub"
FOLLOW_UP_DUE_DAYS = 14  # a closed survey with no "you said, we're doing" after this shows in the digest
FOLLOW_UP_NAG_DAYS = 56  # ... until this long after it closed

AudienceResolver = Callable[[str, dict[str, Any]], list[str]]


class SurveyInvalid(UserFacingError):
    """A launch that cannot go ahead; `field` names the modal input the message belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SurveyDraft:
    title: str
    template: str
    questions: list[Question]
    audience: dict[str, Any]
    anonymous: bool
    closes_at: datetime
    reminders: int = 1
    recurrence: str = "none"


@dataclass(frozen=True)
class Answered:
    """What the person's DM shows after an answer: their own choices, and the token to change them."""

    survey: SurveyInfo
    token: str
    answers: dict[str, Any]
    comments: dict[str, str] = field(default_factory=dict)


def add_period(when: datetime, recurrence: str) -> datetime:
    if recurrence == "weekly":
        return when + timedelta(weeks=1)
    if recurrence == "biweekly":
        return when + timedelta(weeks=2)
    if recurrence == "monthly":
        year, month = (when.year + 1, 1) if when.month == 12 else (when.year, when.month + 1)
        return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))
    raise ValueError(f"no period for recurrence {recurrence!r}")


def reminder_times(created_at: datetime, closes_at: datetime, count: int) -> list[datetime]:
    """One reminder a day before closing; a second one halfway. Only times after the launch count."""
    times = [closes_at - timedelta(days=1)]
    if count >= 2:
        times.insert(0, created_at + (closes_at - created_at) / 2)
    return [t for t in times[:count] if t > created_at] if count else []


class PulseService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        roles: Roles,
        outbox: Outbox,
        secret_key: str | None,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._roles = roles
        self._outbox = outbox
        self._secret = secret_key.encode() if secret_key else None
        outbox.on_sent(SCRUB, _scrub_after_send)

    # Launch -------------------------------------------------------------------------------------------

    def check_audience(self, team_id: str, anonymous: bool, invitees: Sequence[str]) -> None:
        if not invitees:
            raise SurveyInvalid(
                "Nobody to ask: that audience has no people in it (bots are left out).", "audience"
            )
        minimum = pulse_stats.effective_minimum(self._settings.get(team_id).pulse_min_responses)
        if anonymous and len(invitees) < minimum:
            raise SurveyInvalid(
                f"An anonymous survey needs an audience of at least {minimum} people, because results are "
                f"only shown once {minimum} have answered; this audience has {len(invitees)}. Choose a "
                "larger channel or group, or untick “Anonymous” to run an attributed survey (answers carry "
                "names, and the invitation says so).",
                "audience",
            )

    def validate(self, team_id: str, owner_id: str, draft: SurveyDraft, invitees: Sequence[str]) -> None:
        """Everything a launch checks, without storing anything (the modal shows these next to inputs)."""
        self._roles.require_owner(team_id, owner_id, "launch pulse surveys")
        now = self._clock.now()
        if draft.closes_at < now + MIN_OPEN:
            raise SurveyInvalid(
                "Give people at least an hour: pick a closing time later than that.", "closes"
            )
        if draft.closes_at > now + MAX_OPEN:
            raise SurveyInvalid("A pulse closes within 30 days; pick an earlier closing time.", "closes")
        if draft.recurrence not in RECURRENCES:
            raise SurveyInvalid(f"Unknown recurrence {draft.recurrence!r}.", "recurrence")
        self.check_audience(team_id, draft.anonymous, sorted(set(invitees)))

    def launch(self, team_id: str, owner_id: str, draft: SurveyDraft, invitees: Sequence[str]) -> int:
        """Store the survey and queue one invitation per person; returns the survey id."""
        self.validate(team_id, owner_id, draft, invitees)
        now = self._clock.now()
        people = sorted(set(invitees))
        with self._sessions.begin() as s:
            survey = self._create(s, team_id, owner_id, draft, people, now, series_id=None, round_=1)
            return survey.id

    def _create(
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
        ws = self._settings.get(team_id)
        survey = Survey(
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
        )
        s.add(survey)
        s.flush()
        if series_id is None and draft.recurrence != "none":
            survey.series_id = survey.id
        s.execute(insert(SurveyInvitee), [{"survey_id": survey.id, "user_id": u} for u in people])
        invitation = invitation_message(self._info(survey))
        for user_id in people:
            self._outbox.post_message(
                s,
                team_id=team_id,
                key=f"pulse:{survey.id}:invite:{user_id}",
                channel=user_id,
                message=invitation,
            )
        return survey

    # Answering ----------------------------------------------------------------------------------------

    def answer(
        self, team_id: str, survey_id: int, user_id: str, token: str | None, key: str, value: Any
    ) -> Answered:
        """Record one answer (a scale point, or text for a free-text question or a comment)."""
        with self._sessions.begin() as s:
            survey = self._open_for(s, team_id, survey_id, user_id)
            info = self._info(survey)
            question = next((q for q in info.questions if q.key == key), None)
            if question is None:
                raise UserFacingError(
                    "That question is not part of this survey; please use the latest message."
                )
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
        survey = self._survey(s, team_id, survey_id)
        if survey.state != "open" or survey.closes_at <= self._clock.now():
            raise UserFacingError(
                "This survey has closed, so it no longer takes answers. Thank you all the same!"
            )
        invited = s.get(SurveyInvitee, (survey_id, user_id))
        if invited is None:
            raise NotAllowed("This survey wasn't sent to you, so it can't take your answer.")
        return survey

    def _first_answer(
        self, team_id: str, info: SurveyInfo, user_id: str, anonymous: bool, question: Question, value: Any
    ) -> Answered:
        participant = self.participant_hash(team_id, info.id, user_id)
        # Two transactions on purpose: participation and answers never share one (see module docstring).
        with self._sessions.begin() as s:
            first = insert_ignoring_conflicts(
                s, SurveyParticipation, {"survey_id": info.id, "participant": participant}
            )
        if not first:
            raise UserFacingError(
                "You have already answered this survey. To change an answer, use the buttons in your "
                "latest survey message (they remember your answers; nobody else can)."
            )
        token = secrets.token_urlsafe(16)
        answers, comments = _apply({}, {}, question, value)
        try:
            with self._sessions.begin() as s:
                s.add(
                    SurveyResponse(
                        id=str(uuid.uuid4()),
                        survey_id=info.id,
                        token_hash=_token_hash(token),
                        anonymous=anonymous,
                        respondent_id=None if anonymous else user_id,
                        answers=answers,
                        comments=comments,
                        answered_on=self._today(team_id),
                    )
                )
        except Exception:
            with self._sessions.begin() as s:
                s.execute(
                    delete(SurveyParticipation).where(
                        SurveyParticipation.survey_id == info.id,
                        SurveyParticipation.participant == participant,
                    )
                )
            raise
        return Answered(info, token, answers, comments)

    def _change(self, team_id: str, info: SurveyInfo, token: str, question: Question, value: Any) -> Answered:
        with self._sessions.begin() as s:
            response = s.scalars(
                select(SurveyResponse).where(
                    SurveyResponse.survey_id == info.id, SurveyResponse.token_hash == _token_hash(token)
                )
            ).one_or_none()
            if response is None:
                raise UserFacingError(
                    "Your earlier answers could not be found; please use your latest survey message."
                )
            answers, comments = _apply(dict(response.answers), dict(response.comments), question, value)
            response.answers, response.comments = answers, comments
            response.answered_on = self._today(team_id)
        return Answered(info, token, answers, comments)

    def text_question(
        self, team_id: str, survey_id: int, key: str, token: str | None
    ) -> tuple[Question, str]:
        """A free-text question and the person's own current answer to it (found by their token)."""
        with self._sessions.begin() as s:
            info = self._info(self._survey(s, team_id, survey_id))
            question = next((q for q in info.questions if q.key == key and not q.scored), None)
            if question is None:
                raise UserFacingError(
                    "That question is not part of this survey; please use the latest message."
                )
            current = ""
            if token:
                comments = s.scalar(
                    select(SurveyResponse.comments).where(
                        SurveyResponse.survey_id == survey_id, SurveyResponse.token_hash == _token_hash(token)
                    )
                )
                current = (comments or {}).get(key, "")
            return question, current

    def participant_hash(self, team_id: str, survey_id: int, user_id: str) -> str:
        return self._keyed("took-part", team_id, survey_id, user_id)

    def _keyed(self, purpose: str, team_id: str, survey_id: int, user_id: str) -> str:
        """HMAC-SHA256 with the server secret; each purpose gets unrelated values."""
        if self._secret is None:
            raise RuntimeError("EMPATHY_SECRET_KEY is not set; surveys cannot record participation.")
        message = f"{purpose}:{team_id}:{survey_id}:{user_id}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    # Results ------------------------------------------------------------------------------------------

    def results_for(self, team_id: str, survey_id: int, user_id: str) -> SurveyResults:
        """Results as a manager or owner may see them now (thresholds and 'no live results' applied)."""
        self._roles.require_manager(team_id, user_id, "see survey results")
        with self._sessions.begin() as s:
            return self._results(s, self._survey(s, team_id, survey_id))

    def _results(self, s: Session, survey: Survey) -> SurveyResults:
        info = self._info(survey)
        responded = (
            s.scalar(
                select(func.count())
                .select_from(SurveyParticipation)
                .where(SurveyParticipation.survey_id == survey.id)
            )
            or 0
        )
        base = SurveyResults(survey=info, invited=survey.invited_count, responded=responded)
        if survey.anonymous and survey.state == "open":
            return base.withheld("It's anonymous, so results appear only after it closes (no live results).")
        if survey.anonymous and responded < survey.min_responses:
            return base.withheld(
                f"Results are withheld: {responded} answered and an anonymous survey needs at least "
                f"{survey.min_responses}, so that no one can be singled out."
            )
        rows = s.execute(
            select(SurveyResponse.answers, SurveyResponse.comments, SurveyResponse.respondent_id).where(
                SurveyResponse.survey_id == survey.id
            )
        ).all()
        answers = [r.answers for r in rows]
        stats = []
        for q in info.questions:
            if not q.scored:
                continue
            st = pulse_stats.question_stats(q, answers)
            stats.append(st if not survey.anonymous or st.answered >= survey.min_responses else st.hide())
        comments: list[tuple[str, str]] = []
        comments_hidden = survey.anonymous and responded < survey.comment_min_responses
        if not comments_hidden:
            for r in rows:
                for key, text in r.comments.items():
                    if text:
                        comments.append((key, text if survey.anonymous else f"{text} (<@{r.respondent_id}>)"))
            comments.sort()
        previous = self._previous_round(s, survey)
        return SurveyResults(
            survey=info,
            invited=survey.invited_count,
            responded=responded,
            questions=stats,
            comments=comments,
            comments_hidden=comments_hidden,
            previous=previous,
        )

    def _previous_round(self, s: Session, survey: Survey) -> SurveyResults | None:
        if survey.series_id is None or survey.round <= 1:
            return None
        previous = s.scalars(
            select(Survey).where(
                Survey.team_id == survey.team_id,
                Survey.series_id == survey.series_id,
                Survey.round == survey.round - 1,
            )
        ).one_or_none()
        if previous is None or previous.state != "closed":
            return None
        result = self._results(s, previous)
        return None if result.withheld_reason else result

    def list_for(self, team_id: str, user_id: str, limit: int = 15) -> list[tuple[SurveyInfo, int]]:
        """Recent surveys with how many took part (counts only), newest first."""
        self._roles.require_manager(team_id, user_id, "list surveys")
        with self._sessions.begin() as s:
            surveys = s.scalars(
                select(Survey).where(Survey.team_id == team_id).order_by(Survey.id.desc()).limit(limit)
            ).all()
            counts = dict(
                s.execute(
                    select(SurveyParticipation.survey_id, func.count())
                    .where(SurveyParticipation.survey_id.in_([x.id for x in surveys]))
                    .group_by(SurveyParticipation.survey_id)
                ).all()
            )
            return [(self._info(x), counts.get(x.id, 0)) for x in surveys]

    def latest_closed_results(self, team_id: str, start: datetime, end: datetime) -> SurveyResults | None:
        """For the digest: results of the last survey that closed in [start, end), thresholds applied."""
        with self._sessions.begin() as s:
            survey = s.scalars(
                _closed_between(team_id, start, end).order_by(Survey.closed_at.desc()).limit(1)
            ).one_or_none()
            return None if survey is None else self._results(s, survey)

    def enps_rounds(self, team_id: str, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
        """(closed_at, eNPS) of each survey with an eNPS question that closed in [start, end) and whose
        results may be shown (thresholds applied), oldest first: the digest chart's eNPS markers."""
        with self._sessions.begin() as s:
            surveys = s.scalars(_closed_between(team_id, start, end).order_by(Survey.closed_at)).all()
            rounds = []
            for survey in surveys:
                if not any(q.get("kind") == SCALE_10 for q in survey.questions):
                    continue
                results = self._results(s, survey)
                if results.enps is not None and not results.withheld_reason and survey.closed_at:
                    rounds.append((survey.closed_at, results.enps.score))
            return rounds

    def awaiting_follow_up(
        self, team_id: str, now: datetime, days: int = FOLLOW_UP_DUE_DAYS, limit: int = 3
    ) -> list[SurveyInfo]:
        """Closed surveys the owner has not answered with a 'you said, we're doing' within `days`, newest
        first. Only those closed in the last FOLLOW_UP_NAG_DAYS: a reminder, not a nag forever."""
        with self._sessions.begin() as s:
            surveys = s.scalars(
                select(Survey)
                .where(
                    Survey.team_id == team_id,
                    Survey.state == "closed",
                    Survey.follow_up.is_(None),
                    Survey.closed_at <= now - timedelta(days=days),
                    Survey.closed_at > now - timedelta(days=FOLLOW_UP_NAG_DAYS),
                )
                .order_by(Survey.closed_at.desc())
                .limit(limit)
            ).all()
            return [self._info(x) for x in surveys]

    def follow_ups(self, team_id: str, start: datetime, end: datetime) -> list[tuple[SurveyInfo, str]]:
        """The owners' 'you said, we're doing' notes shared in [start, end), for the digest."""
        with self._sessions.begin() as s:
            surveys = s.scalars(
                select(Survey).where(
                    Survey.team_id == team_id, Survey.follow_up_at >= start, Survey.follow_up_at < end
                )
            ).all()
            return [(self._info(x), x.follow_up or "") for x in surveys]

    # Closing, reminders, rounds -----------------------------------------------------------------------

    def close(self, team_id: str, survey_id: int, user_id: str | None = None) -> SurveyResults:
        """Close a survey now (an owner) or at its time (the job, user_id None); results go out once."""
        if user_id is not None:
            self._roles.require_owner(team_id, user_id, "close a survey")
        with self._sessions.begin() as s:
            survey = self._survey(s, team_id, survey_id)
            closed = s.scalars(
                update(Survey)
                .where(Survey.id == survey_id, Survey.state == "open")
                .values(state="closed", closed_at=self._clock.now())
                .returning(Survey.id)
            ).first()
            if closed is None:
                if user_id is not None:
                    raise UserFacingError(f"Survey {survey_id} is already closed.")
                return self._results(s, survey)
            s.refresh(survey)
            _reseal(s, survey_id)
            results = self._results(s, survey)
            message = results_message(results)
            destinations = [survey.created_by]
            digest_channel = self._settings.get(team_id).digest_channel
            if digest_channel:
                destinations.append(digest_channel)
            for destination in destinations:
                self._outbox.post_message(
                    s,
                    team_id=team_id,
                    key=f"pulse:{survey_id}:results:{destination}",
                    channel=destination,
                    message=message,
                )
            return results

    def charts_due(self, within: timedelta = timedelta(days=1)) -> list[tuple[str, SurveyResults, str]]:
        """Surveys closed in the last day whose results may be shown and whose workspace has a digest
        channel, not charted yet: (team, results, channel). The claim makes each chart go out once."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            closed = s.scalars(
                select(Survey).where(Survey.state == "closed", Survey.closed_at >= now - within)
            ).all()
            due = []
            for survey in closed:
                channel = self._settings.get(survey.team_id).digest_channel
                if not channel or period_claimed(s, survey.team_id, "pulse_chart", str(survey.id)):
                    continue
                results = self._results(s, survey)
                if results.withheld_reason or not any(not q.hidden and q.answered for q in results.questions):
                    continue
                due.append((survey.team_id, results, channel))
        claimed = []
        for team_id, results, channel in due:
            with self._sessions.begin() as s:
                if claim_period(s, team_id, "pulse_chart", str(results.survey.id), now):
                    claimed.append((team_id, results, channel))
        return claimed

    def close_due(self) -> int:
        now = self._clock.now()
        with self._sessions.begin() as s:
            due = s.execute(
                select(Survey.team_id, Survey.id).where(Survey.state == "open", Survey.closes_at <= now)
            ).all()
        for team_id, survey_id in due:
            self.close(team_id, survey_id)
        return len(due)

    def send_reminders(self) -> int:
        """Remind those who have not answered, once per reminder, in working hours only."""
        now = self._clock.now()
        sent = 0
        with self._sessions.begin() as s:
            candidates = s.scalars(
                select(Survey).where(
                    Survey.state == "open", Survey.closes_at > now, Survey.reminders_sent < Survey.reminders
                )
            ).all()
            due = [
                (x.team_id, x.id, x.reminders_sent)
                for x in candidates
                if len(times := reminder_times(x.created_at, x.closes_at, x.reminders)) > x.reminders_sent
                and times[x.reminders_sent] <= now
            ]
        for team_id, survey_id, number in due:
            if not self._settings.get(team_id).is_working_time(now):
                continue
            with self._sessions.begin() as s:
                claimed = s.scalars(
                    update(Survey)
                    .where(Survey.id == survey_id, Survey.reminders_sent == number)
                    .values(reminders_sent=number + 1)
                    .returning(Survey.id)
                ).first()
                if claimed is None:
                    continue
                survey = self._survey(s, team_id, survey_id)
                answered = set(
                    s.scalars(
                        select(SurveyParticipation.participant).where(
                            SurveyParticipation.survey_id == survey_id
                        )
                    )
                )
                message = reminder_message(self._info(survey))
                for user_id in s.scalars(
                    select(SurveyInvitee.user_id).where(SurveyInvitee.survey_id == survey_id)
                ):
                    participant = self.participant_hash(team_id, survey_id, user_id)
                    if participant in answered:
                        continue
                    # Keyed by a hash of its own (not the participation hash, which would let the row be
                    # matched to a later answer) and scrubbed once sent: the outbox must not become a
                    # list of who had not answered by when.
                    keyed = self._keyed("remind", team_id, survey_id, user_id)
                    self._outbox.post_message(
                        s,
                        team_id=team_id,
                        key=f"pulse:{survey_id}:remind:{number}:{keyed}",
                        channel=user_id,
                        message=message,
                        on_sent=SCRUB,
                    )
                    sent += 1
        return sent

    def launch_next_rounds(self, resolve: AudienceResolver) -> int:
        """Recurring surveys launch their next round themselves, once, in working hours."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            due = [
                (x.team_id, x.id)
                for x in s.scalars(
                    select(Survey).where(Survey.recurrence != "none", Survey.next_round_launched.is_(False))
                )
                if add_period(x.created_at, x.recurrence) <= now
            ]
        launched = 0
        for team_id, survey_id in due:
            if not self._settings.get(team_id).is_working_time(now):
                continue
            with self._sessions.begin() as s:
                survey = self._survey(s, team_id, survey_id)
                people = sorted(set(resolve(team_id, survey.audience)))
                claimed = s.scalars(
                    update(Survey)
                    .where(Survey.id == survey_id, Survey.next_round_launched.is_(False))
                    .values(next_round_launched=True)
                    .returning(Survey.id)
                ).first()
                if claimed is None:
                    continue
                if survey.anonymous and len(people) < survey.min_responses:
                    continue  # the audience shrank below the threshold: the series stops here
                draft = SurveyDraft(
                    title=survey.title,
                    template=survey.template,
                    questions=[Question.from_dict(q) for q in survey.questions],
                    audience=survey.audience,
                    anonymous=survey.anonymous,
                    closes_at=now + (survey.closes_at - survey.created_at),
                    reminders=survey.reminders,
                    recurrence=survey.recurrence,
                )
                try:
                    with s.begin_nested():
                        self._create(
                            s,
                            team_id,
                            survey.created_by,
                            draft,
                            people,
                            now,
                            series_id=survey.series_id,
                            round_=survey.round + 1,
                        )
                except IntegrityError:
                    continue
                launched += 1
        return launched

    # Closing the loop ---------------------------------------------------------------------------------

    def follow_up(self, team_id: str, survey_id: int, owner_id: str, text: str) -> int:
        """The owner's 'you said / we're doing', sent to everyone invited; returns how many."""
        self._roles.require_owner(team_id, owner_id, "share what happens next")
        text = text.strip()
        if not text:
            raise SurveyInvalid("Please say what you heard and what you'll do about it.", "follow_up")
        with self._sessions.begin() as s:
            survey = self._survey(s, team_id, survey_id)
            if survey.state != "closed":
                raise UserFacingError(
                    f"Survey {survey_id} is still open; share what's next once it has closed."
                )
            if survey.follow_up is not None:
                raise UserFacingError(f"You already shared a follow-up for survey {survey_id}.")
            survey.follow_up, survey.follow_up_by, survey.follow_up_at = text, owner_id, self._clock.now()
            message = follow_up_message(self._info(survey), text, owner_id)
            people = list(
                s.scalars(select(SurveyInvitee.user_id).where(SurveyInvitee.survey_id == survey_id))
            )
            for user_id in people:
                self._outbox.post_message(
                    s,
                    team_id=team_id,
                    key=f"pulse:{survey_id}:followup:{user_id}",
                    channel=user_id,
                    message=message,
                )
            return len(people)

    def info(self, team_id: str, survey_id: int) -> SurveyInfo:
        with self._sessions.begin() as s:
            return self._info(self._survey(s, team_id, survey_id))

    # Helpers ------------------------------------------------------------------------------------------

    def _survey(self, s: Session, team_id: str, survey_id: int) -> Survey:
        survey = s.get(Survey, survey_id)
        if survey is None or survey.team_id != team_id:
            raise NotFound(f"There is no survey {survey_id} in this workspace. `/pulse list` shows them.")
        return survey

    def _info(self, survey: Survey) -> SurveyInfo:
        return SurveyInfo(
            id=survey.id,
            title=survey.title,
            questions=tuple(Question.from_dict(q) for q in survey.questions),
            anonymous=survey.anonymous,
            min_responses=survey.min_responses,
            closes_at=survey.closes_at,
            timezone=self._settings.get(survey.team_id).tz,
            state=survey.state,
            invited=survey.invited_count,
            round=survey.round,
            recurrence=survey.recurrence,
        )

    def _today(self, team_id: str) -> Any:
        return self._clock.now().astimezone(self._settings.get(team_id).tz).date()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _apply(
    answers: dict[str, Any], comments: dict[str, str], question: Question, value: Any
) -> tuple[dict[str, Any], dict[str, str]]:
    if question.scored:
        answers[question.key] = value
    elif value:
        comments[question.key] = value
    else:
        comments.pop(question.key, None)
    return answers, comments


def _reseal(s: Session, survey_id: int) -> None:
    """Rewrite a closed survey's participation and responses in random order, in this one transaction."""
    shuffle = random.SystemRandom().shuffle
    for model in (SurveyParticipation, SurveyResponse):
        table = cast(Table, model.__table__)
        rows = [dict(r._mapping) for r in s.execute(select(table).where(table.c.survey_id == survey_id))]
        if not rows:
            continue
        shuffle(rows)
        s.execute(delete(table).where(table.c.survey_id == survey_id))
        s.execute(insert(table), rows)


def _scrub_after_send(_s: Session, message: OutboxMessage, _response: dict[str, Any]) -> None:
    message.payload = {}
    message.result = {}


def _closed_between(team_id: str, start: datetime, end: datetime) -> Select[Survey]:
    return select(Survey).where(
        Survey.team_id == team_id, Survey.state == "closed", Survey.closed_at >= start, Survey.closed_at < end
    )
