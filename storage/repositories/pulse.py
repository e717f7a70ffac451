"""Every query of pulse surveys. Functions take the caller's Session and never commit.

The anonymity rules these serve (see storage/models/pulse.py): participation and answers are written by
the services in separate transactions, answers are found again only by the hash of a person's token, and
`reseal` rewrites a closed survey's two tables in random order in the caller's one transaction.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Row, Table, case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from storage.models import Survey, SurveyInvitee, SurveyParticipation, SurveyResponse
from storage.repositories.common import claimed, insert_ignoring_conflicts

# Surveys -------------------------------------------------------------------------------------------------


def get_survey(session: Session, survey_id: int) -> Survey | None:
    return session.get(Survey, survey_id)


def add_survey(session: Session, survey: Survey, invitees: Sequence[str]) -> Survey:
    """Store a new survey and who is asked; the first round of a recurring series heads its series."""
    session.add(survey)
    session.flush()
    if survey.series_id is None and survey.recurrence != "none":
        survey.series_id = survey.id
    add_invitees(session, survey.id, invitees)
    return survey


def add_invitees(session: Session, survey_id: int, invitees: Sequence[str]) -> None:
    if invitees:
        session.execute(insert(SurveyInvitee), [{"survey_id": survey_id, "user_id": u} for u in invitees])


def resolving(session: Session) -> list[Survey]:
    """Stored launches whose audience has not been asked of Slack yet, oldest first."""
    return list(session.scalars(select(Survey).where(Survey.state == "resolving").order_by(Survey.id)))


def claim_resolved(session: Session, survey: Survey, invited: int) -> bool:
    """Open a stored launch now that its audience is known; False if another run settled it first."""
    return _settle_launch(session, survey, state="open", invited_count=invited)


def claim_refused(session: Session, survey: Survey) -> bool:
    """Mark a stored launch refused (it never opens, and a series never follows it)."""
    return _settle_launch(session, survey, state="refused", next_round_launched=True)


def _settle_launch(session: Session, survey: Survey, **values: Any) -> bool:
    """Move a stored launch out of "resolving" (refreshing `survey`); False if another run did first."""
    if not claimed(
        session, update(Survey).where(Survey.id == survey.id, Survey.state == "resolving").values(**values)
    ):
        return False
    session.refresh(survey)
    return True


def recent_surveys(session: Session, team_id: str, limit: int) -> list[Survey]:
    return list(
        session.scalars(
            select(Survey)
            .where(Survey.team_id == team_id, Survey.state != "refused")
            .order_by(Survey.id.desc())
            .limit(limit)
        )
    )


def closed_response_counts(session: Session, team_id: str, limit: int) -> list[tuple[int, int]]:
    """(invited, answered) of the workspace's last `limit` closed surveys, newest first."""
    closed = list(
        session.execute(
            select(Survey.id, Survey.invited_count)
            .where(Survey.team_id == team_id, Survey.state == "closed")
            .order_by(Survey.closed_at.desc(), Survey.id.desc())
            .limit(limit)
        ).all()
    )
    answered = participation_counts(session, [survey_id for survey_id, _ in closed])
    return [(invited, answered.get(survey_id, 0)) for survey_id, invited in closed]


# Invitees and participation ------------------------------------------------------------------------------


def is_invited(session: Session, survey_id: int, user_id: str) -> bool:
    return session.get(SurveyInvitee, (survey_id, user_id)) is not None


def invitees(session: Session, survey_id: int) -> list[str]:
    return list(session.scalars(select(SurveyInvitee.user_id).where(SurveyInvitee.survey_id == survey_id)))


def record_participation(session: Session, survey_id: int, participant: str) -> bool:
    """Record that `participant` (a keyed hash) took part; False if it had already."""
    return insert_ignoring_conflicts(
        session, SurveyParticipation, {"survey_id": survey_id, "participant": participant}
    )


def forget_participation(session: Session, survey_id: int, participant: str) -> None:
    session.execute(
        delete(SurveyParticipation).where(
            SurveyParticipation.survey_id == survey_id, SurveyParticipation.participant == participant
        )
    )


def participants(session: Session, survey_id: int) -> set[str]:
    """The participation hashes of a survey (who took part, as hashes only)."""
    return set(
        session.scalars(
            select(SurveyParticipation.participant).where(SurveyParticipation.survey_id == survey_id)
        )
    )


def participation_count(session: Session, survey_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(SurveyParticipation)
            .where(SurveyParticipation.survey_id == survey_id)
        )
        or 0
    )


def participation_counts(session: Session, survey_ids: Sequence[int]) -> dict[int, int]:
    rows = session.execute(
        select(SurveyParticipation.survey_id, func.count())
        .where(SurveyParticipation.survey_id.in_(survey_ids))
        .group_by(SurveyParticipation.survey_id)
    ).all()
    return {survey_id: count for survey_id, count in rows}


# Responses -----------------------------------------------------------------------------------------------


def add_response(
    session: Session,
    *,
    response_id: str,
    survey_id: int,
    token_hash: str,
    anonymous: bool,
    respondent_id: str | None,
    answers: dict[str, Any],
    comments: dict[str, str],
    answered_on: date,
) -> None:
    session.add(
        SurveyResponse(
            id=response_id,
            survey_id=survey_id,
            token_hash=token_hash,
            anonymous=anonymous,
            respondent_id=respondent_id,
            answers=answers,
            comments=comments,
            answered_on=answered_on,
        )
    )


def response_by_token(session: Session, survey_id: int, token_hash: str) -> SurveyResponse | None:
    return session.scalars(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.token_hash == token_hash
        )
    ).one_or_none()


def comments_by_token(session: Session, survey_id: int, token_hash: str) -> dict[str, str]:
    comments = session.scalar(
        select(SurveyResponse.comments).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.token_hash == token_hash
        )
    )
    return dict(comments or {})


def responses(
    session: Session, survey_id: int
) -> Sequence[Row[tuple[dict[str, Any], dict[str, str], str | None]]]:
    """(answers, comments, respondent_id) of every response to a survey."""
    return session.execute(
        select(SurveyResponse.answers, SurveyResponse.comments, SurveyResponse.respondent_id).where(
            SurveyResponse.survey_id == survey_id
        )
    ).all()


# State changes, each claimed so that two processes cannot both do it --------------------------------------


def begin_answer(session: Session, survey_id: int, now: datetime) -> bool:
    """Count one answer in flight, only while the survey is open (a conditional write: on PostgreSQL it
    holds the survey's row until this transaction ends, so a close waits for it); False once closed."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == survey_id, Survey.state == "open", Survey.closes_at > now)
        .values(answers_in_flight=Survey.answers_in_flight + 1),
    )


def end_answer(session: Session, survey_id: int) -> bool:
    """An answer in flight lands (or is given up): False if the survey closed without waiting for it."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == survey_id, Survey.state.in_(("open", "closing")))
        .values(
            answers_in_flight=case((Survey.answers_in_flight > 0, Survey.answers_in_flight - 1), else_=0)
        ),
    )


def still_open(session: Session, survey_id: int, now: datetime) -> bool:
    """Hold an open survey's row for this transaction (a change of answers); False once it closed."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == survey_id, Survey.state == "open", Survey.closes_at > now)
        .values(answers_in_flight=Survey.answers_in_flight),
    )


def claim_close(session: Session, survey: Survey, now: datetime, stale_before: datetime) -> bool:
    """Close an open or closing survey with no answer in flight (or whose wait for them is over, i.e. a
    process died mid-answer), and refresh `survey`; False if it was closed already or must wait."""
    closed = claimed(
        session,
        update(Survey)
        .where(
            Survey.id == survey.id,
            Survey.state.in_(("open", "closing")),
            (Survey.answers_in_flight == 0) | (Survey.closing_since <= stale_before),
        )
        .values(state="closed", closed_at=now),
    )
    session.refresh(survey)
    return closed


def mark_closing(session: Session, survey: Survey, now: datetime) -> None:
    """Stop taking new answers while those in flight land; the close job finishes the close."""
    session.execute(
        update(Survey)
        .where(Survey.id == survey.id, Survey.state == "open")
        .values(state="closing", closing_since=now)
    )
    session.refresh(survey)


def reseal(session: Session, survey_id: int) -> None:
    """Rewrite a closed survey's participation and responses in random order, in this one transaction."""
    shuffle = random.SystemRandom().shuffle
    for model in (SurveyParticipation, SurveyResponse):
        table = cast(Table, model.__table__)
        rows = [
            dict(r._mapping) for r in session.execute(select(table).where(table.c.survey_id == survey_id))
        ]
        if not rows:
            continue
        shuffle(rows)
        session.execute(delete(table).where(table.c.survey_id == survey_id))
        session.execute(insert(table), rows)


def due_to_close(session: Session, now: datetime) -> list[tuple[str, int]]:
    """(team, survey id) of open surveys whose closing time has come, and of closing ones."""
    rows = session.execute(
        select(Survey.team_id, Survey.id).where(
            ((Survey.state == "open") & (Survey.closes_at <= now)) | (Survey.state == "closing")
        )
    ).all()
    return [(team_id, survey_id) for team_id, survey_id in rows]


def with_reminders_left(session: Session, now: datetime) -> list[Survey]:
    """Open surveys that still have reminders to send."""
    return list(
        session.scalars(
            select(Survey).where(
                Survey.state == "open", Survey.closes_at > now, Survey.reminders_sent < Survey.reminders
            )
        )
    )


def claim_reminder(session: Session, survey_id: int, number: int) -> bool:
    """Claim reminder `number` (0-based) of a survey; False if it was claimed already."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == survey_id, Survey.reminders_sent == number)
        .values(reminders_sent=number + 1),
    )


def awaiting_next_round(session: Session) -> list[Survey]:
    """Recurring surveys whose next round has not been launched."""
    return list(
        session.scalars(
            select(Survey).where(
                Survey.recurrence != "none",
                Survey.next_round_launched.is_(False),
                Survey.state.not_in(("resolving", "refused")),
            )
        )
    )


def claim_next_round(session: Session, survey_id: int) -> bool:
    """Claim the launch of the round after `survey_id`; False if it was claimed already."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == survey_id, Survey.next_round_launched.is_(False))
        .values(next_round_launched=True),
    )


# Response notes (stored in the survey's follow_up columns) ------------------------------------------------


def record_response_note(session: Session, survey: Survey, text: str, owner_id: str, now: datetime) -> None:
    survey.follow_up, survey.follow_up_by, survey.follow_up_at = text, owner_id, now


def awaiting_response_note(
    session: Session, team_id: str, closed_before: datetime, closed_after: datetime, limit: int
) -> list[Survey]:
    """Closed surveys with no response note that closed in (closed_after, closed_before], newest first."""
    return list(
        session.scalars(
            select(Survey)
            .where(
                Survey.team_id == team_id,
                Survey.state == "closed",
                Survey.follow_up.is_(None),
                Survey.note_skipped.is_(False),
                Survey.closed_at <= closed_before,
                Survey.closed_at > closed_after,
            )
            .order_by(Survey.closed_at.desc())
            .limit(limit)
        )
    )


def response_notes_between(session: Session, team_id: str, start: datetime, end: datetime) -> list[Survey]:
    """Surveys whose response note was shared in [start, end)."""
    return list(
        session.scalars(
            select(Survey).where(
                Survey.team_id == team_id, Survey.follow_up_at >= start, Survey.follow_up_at < end
            )
        )
    )
