"""Queries behind survey results: closed rounds, the round before, and each closed round's stored figures
(see bot/domain/pulse_figures.py). Functions take the caller's Session and never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import Survey


def _closed_in(team_id: str, start: datetime, end: datetime) -> tuple[ColumnElement[bool], ...]:
    """A workspace's surveys that closed in [start, end)."""
    return (
        Survey.team_id == team_id,
        Survey.state == "closed",
        Survey.closed_at >= start,
        Survey.closed_at < end,
    )


def last_closed_between(session: Session, team_id: str, start: datetime, end: datetime) -> Survey | None:
    return session.scalars(
        select(Survey).where(*_closed_in(team_id, start, end)).order_by(Survey.closed_at.desc()).limit(1)
    ).one_or_none()


def closed_since(session: Session, since: datetime) -> list[Survey]:
    """Surveys of every workspace that closed at or after `since`."""
    return list(session.scalars(select(Survey).where(Survey.state == "closed", Survey.closed_at >= since)))


def previous_round(session: Session, survey: Survey) -> Survey | None:
    """The round before `survey` in its series, if it has one (with its stored figures: one query)."""
    if survey.series_id is None or survey.round <= 1:
        return None
    return session.scalars(
        select(Survey).where(
            Survey.team_id == survey.team_id,
            Survey.series_id == survey.series_id,
            Survey.round == survey.round - 1,
        )
    ).one_or_none()


def enps_between(
    session: Session, team_id: str, start: datetime, end: datetime
) -> list[tuple[int, datetime | None, int | None, int | None, bool]]:
    """(survey id, closed at, stored eNPS, its answers, whether figures are stored) of every survey of a
    workspace that closed in [start, end), oldest first: one query, whatever the number of rounds."""
    rows = session.execute(
        select(
            Survey.id, Survey.closed_at, Survey.enps_score, Survey.enps_answers, Survey.figures.is_not(None)
        )
        .where(*_closed_in(team_id, start, end))
        .order_by(Survey.closed_at)
    )
    return [(survey_id, at, score, answers, bool(stored)) for survey_id, at, score, answers, stored in rows]


def lock_figures(session: Session, survey_id: int) -> tuple[bool, dict[str, Any] | None]:
    """Try to hold a survey's row for this transaction: (held, its figures as committed now).

    Figures computed while holding it see the same answers a forget or a close leaves. Never waits: on
    PostgreSQL a row another transaction holds is skipped (held False: compute for this read, store
    nothing), so readers locking rounds in their own order cannot deadlock with each other or a forget.
    SQLite has one writer at a time, so the UPDATE simply takes the database's write lock."""
    if is_postgres(session):
        row = session.execute(
            select(Survey.figures).where(Survey.id == survey_id).with_for_update(skip_locked=True)
        ).first()
        return (True, row[0]) if row is not None else (False, None)
    stored = session.scalars(
        update(Survey)
        .where(Survey.id == survey_id)
        .values(enps_score=Survey.enps_score)
        .returning(Survey.figures)
        .execution_options(synchronize_session=False)
    ).first()
    return True, stored


def store_figures(
    session: Session, survey: Survey, figures: dict[str, Any], enps: tuple[int, int] | None
) -> None:
    """Store a closed round's figures and its shown eNPS (None: none shown) on its row."""
    survey.figures = figures
    survey.enps_score, survey.enps_answers = enps if enps is not None else (None, None)
