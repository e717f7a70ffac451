"""Pulse queries about people and the bank: who is away, who was asked recently, where invitations
landed, and a workspace's own bank items. Functions take the caller's Session and never commit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.models import AwayRow, BankItemRow, Survey, SurveyInvitee, SurveyParticipation
from storage.repositories.common import claimed

# The workspace's own question bank items ---------------------------------------------------------------


def bank_items(session: Session, team_id: str) -> list[BankItemRow]:
    return list(
        session.scalars(select(BankItemRow).where(BankItemRow.team_id == team_id).order_by(BankItemRow.id))
    )


def add_bank_item(session: Session, row: BankItemRow) -> BankItemRow:
    session.add(row)
    session.flush()
    return row


# Invitation messages (where each invitation DM landed) ---------------------------------------------------


def record_invitation_message(session: Session, survey_id: int, user_id: str, channel: str, ts: str) -> None:
    session.execute(
        update(SurveyInvitee)
        .where(SurveyInvitee.survey_id == survey_id, SurveyInvitee.user_id == user_id)
        .values(dm_channel=channel, dm_ts=ts)
    )


def invitation_messages(session: Session, survey_id: int) -> list[tuple[str, str, str]]:
    """(user, channel, ts) of each invitation DM that Slack accepted."""
    rows = session.execute(
        select(SurveyInvitee.user_id, SurveyInvitee.dm_channel, SurveyInvitee.dm_ts).where(
            SurveyInvitee.survey_id == survey_id, SurveyInvitee.dm_ts.is_not(None)
        )
    ).all()
    return [(user, str(channel), str(ts)) for user, channel, ts in rows]


# Away (snoozed) and asked recently ------------------------------------------------------------------------


def set_away(session: Session, team_id: str, user_id: str, until: date | None) -> None:
    session.execute(delete(AwayRow).where(AwayRow.team_id == team_id, AwayRow.user_id == user_id))
    if until is not None:
        session.add(AwayRow(team_id=team_id, user_id=user_id, until=until))


def away(session: Session, team_id: str, today: date) -> set[str]:
    """People of a workspace who snoozed surveys until after `today`."""
    return set(
        session.scalars(select(AwayRow.user_id).where(AwayRow.team_id == team_id, AwayRow.until >= today))
    )


def asked_since(session: Session, team_id: str, since: datetime, other_than_series: int | None) -> set[str]:
    """People invited to a survey of this workspace created since `since`, outside the given series."""
    query = (
        select(SurveyInvitee.user_id)
        .join(Survey, Survey.id == SurveyInvitee.survey_id)
        .where(Survey.team_id == team_id, Survey.created_at > since)
    )
    if other_than_series is not None:
        query = query.where((Survey.series_id.is_(None)) | (Survey.series_id != other_than_series))
    return set(session.scalars(query))


# A series' rounds -----------------------------------------------------------------------------------------


def series_rounds(session: Session, team_id: str, series_id: int) -> list[tuple[Survey, int]]:
    """Every round of a series, oldest first, with how many took part."""
    rows = session.execute(
        select(Survey, func.count(SurveyParticipation.participant))
        .outerjoin(SurveyParticipation, SurveyParticipation.survey_id == Survey.id)
        .where(Survey.team_id == team_id, Survey.series_id == series_id)
        .group_by(Survey.id)
        .order_by(Survey.round)
    ).all()
    return [(survey, count) for survey, count in rows]


def mark_fatigue_told(session: Session, series_head_id: int) -> bool:
    """Claim telling the owner about falling participation in a series, once; False if told already."""
    return claimed(
        session,
        update(Survey)
        .where(Survey.id == series_head_id, Survey.fatigue_told.is_(False))
        .values(fatigue_told=True),
    )
