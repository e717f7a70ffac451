"""Reminders to those who have not answered, and the next round of a recurring series, each once and in
working hours only."""

from __future__ import annotations

import logging

from sqlalchemy.exc import IntegrityError

from bot.domain.outgoing import Post
from bot.domain.pulse import (
    POOL_FLOOR,
    AudienceRefused,
    AudienceUnavailable,
    LaunchConfirmed,
    Reminder,
    SurveyDraft,
    add_period,
    reminder_times,
)
from bot.domain.pulse_questions import Question
from bot.services.pulse.core import PulseCore
from bot.services.pulse.launch import AudienceResolver, Launch
from storage.repositories import pulse as repo

__all__ = ["AudienceResolver", "Rounds"]

log = logging.getLogger(__name__)


class Rounds:
    def __init__(self, core: PulseCore, launch: Launch) -> None:
        self._core = core
        self._launch = launch

    def send_reminders(self) -> int:
        """Remind those who have not answered, once per reminder, in working hours only."""
        now = self._core.clock.now()
        sent = 0
        with self._core.sessions.begin() as s:
            due = [
                (x.team_id, x.id, x.reminders_sent)
                for x in repo.with_reminders_left(s, now)
                if len(times := reminder_times(x.created_at, x.closes_at, x.reminders)) > x.reminders_sent
                and times[x.reminders_sent] <= now
            ]
        for team_id, survey_id, number in due:
            if not self._core.settings.get(team_id).is_working_time(now):
                continue
            with self._core.sessions.begin() as s:
                if not repo.claim_reminder(s, survey_id, number):
                    continue
                reminder = Reminder(self._core.info(self._core.survey(s, team_id, survey_id)))
                answered = repo.participants(s, survey_id)
                posts = []
                for user_id in repo.invitees(s, survey_id):
                    if self._core.participant_hash(team_id, survey_id, user_id) in answered:
                        continue
                    # Keyed by a hash of its own (not the participation hash, which would let the row be
                    # matched to a later answer) and the recipient forgotten once sent: the outbox must not
                    # become a list of who had not answered by when.
                    keyed = self._core.keyed("remind", team_id, survey_id, user_id)
                    posts.append(
                        Post(
                            to=user_id,
                            content=reminder,
                            key=f"pulse:{survey_id}:remind:{number}:{keyed}",
                            forget_recipient=True,
                        )
                    )
                self._core.postbox.send(s, team_id, *posts)
                sent += len(posts)
        return sent

    def launch_next_rounds(self, resolve: AudienceResolver) -> int:
        """Recurring surveys launch their next round themselves, once, in working hours."""
        now = self._core.clock.now()
        with self._core.sessions.begin() as s:
            due = [
                (x.team_id, x.id, x.audience)
                for x in repo.awaiting_next_round(s)
                if add_period(x.created_at, x.recurrence, self._core.settings.get(x.team_id).tz) <= now
                and self._core.settings.get(x.team_id).is_working_time(now)
                and not self._launch.governor.waits_for_note(s, x)
            ]
        launched = 0
        for team_id, survey_id, target in due:
            if not self._core.settings.get(team_id).is_working_time(now):
                continue
            try:
                people = sorted(set(resolve(team_id, target)))  # asks Slack: never inside a transaction
            except (AudienceUnavailable, AudienceRefused) as exc:
                log.warning("pulse survey %s: next round waits, audience not resolved: %s", survey_id, exc)
                continue
            with self._core.sessions.begin() as s:
                survey = self._core.survey(s, team_id, survey_id)
                # Anonymous rounds below the threshold are pooled (bot/domain/pulse_pool.py), down to a floor.
                minimum = min(survey.min_responses, POOL_FLOOR) if survey.anonymous else 1
                everyone = len(people)
                people, away, recent = self._launch.governor.leave_out(
                    s, team_id, people, now, survey.series_id
                )
                if everyone >= minimum and len(people) < minimum:
                    continue  # too many away or asked this week: the round waits (not claimed)
                if not repo.claim_next_round(s, survey_id):
                    continue
                if len(people) < minimum:
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
                        created = self._launch.create(
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
                confirmed = LaunchConfirmed(
                    created.id, len(people), created.anonymous, away, recent, round=created.round
                )
                self._core.postbox.send(
                    s,
                    team_id,
                    Post(to=survey.created_by, content=confirmed, key=f"pulse:{created.id}:launched"),
                )
                launched += 1
        return launched
