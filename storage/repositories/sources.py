"""Queries of the feedback intake: sources by URL id, name, token hash or kind, their last delivery and
poll state, and revising an item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from storage.models import FeedbackSource
from storage.repositories.common import affected_rows, insert_ignoring_conflicts


def add(session: Session, values: dict[str, Any]) -> bool:
    """Insert a source; False when the workspace already has one with that name (or a token collides)."""
    return insert_ignoring_conflicts(session, FeedbackSource, values)


def by_url_id(session: Session, url_id: str) -> FeedbackSource | None:
    return session.scalars(select(FeedbackSource).where(FeedbackSource.url_id == url_id)).first()


def by_name(session: Session, team_id: str, name: str) -> FeedbackSource | None:
    return session.scalars(
        select(FeedbackSource).where(FeedbackSource.team_id == team_id, FeedbackSource.name == name)
    ).first()


def named(session: Session, name: str) -> list[FeedbackSource]:
    """Every workspace's source with this name (legacy X-Empathy-Source requests say no workspace)."""
    return list(
        session.scalars(select(FeedbackSource).where(FeedbackSource.name == name).order_by(FeedbackSource.id))
    )


def by_token(session: Session, token_hash: str, token: str) -> FeedbackSource | None:
    """The source whose token hashes to token_hash, or a legacy row still holding the token in plain text."""
    return session.scalars(
        select(FeedbackSource).where(
            or_(
                FeedbackSource.token_hash == token_hash,
                (FeedbackSource.token_hash.is_(None)) & (FeedbackSource.token == token),
            )
        )
    ).first()


def seal(session: Session, source_id: int, *, token_hash: str, secret_sealed: str, url_id: str) -> None:
    """Replace a legacy row's plain-text token and secret by the token's hash and the sealed secret."""
    session.execute(
        update(FeedbackSource)
        .where(FeedbackSource.id == source_id)
        .values(
            token=token_hash, token_hash=token_hash, secret="", secret_sealed=secret_sealed, url_id=url_id
        )
    )


def legacy(session: Session) -> list[FeedbackSource]:
    return list(
        session.scalars(
            select(FeedbackSource).where(
                or_(FeedbackSource.secret_sealed.is_(None), FeedbackSource.token_hash.is_(None))
            )
        )
    )


def set_secret(session: Session, team_id: str, name: str, secret_sealed: str) -> bool:
    return (
        affected_rows(
            session,
            update(FeedbackSource)
            .where(FeedbackSource.team_id == team_id, FeedbackSource.name == name)
            .values(secret_sealed=secret_sealed, secret=""),
        )
        > 0
    )


def of_team(session: Session, team_id: str) -> list[FeedbackSource]:
    return list(
        session.scalars(
            select(FeedbackSource).where(FeedbackSource.team_id == team_id).order_by(FeedbackSource.name)
        )
    )


def set_last_delivery(session: Session, source_id: int, kept: dict[str, Any]) -> None:
    session.execute(update(FeedbackSource).where(FeedbackSource.id == source_id).values(last_delivery=kept))


def with_kept_delivery(session: Session, team_id: str) -> list[FeedbackSource]:
    """The workspace's sources that keep a last delivery (what retention and forgetting look through)."""
    kept = FeedbackSource.last_delivery.is_not(None)
    return list(session.scalars(select(FeedbackSource).where(FeedbackSource.team_id == team_id, kept)))


def of_kind(session: Session, kind: str) -> list[FeedbackSource]:
    """Every workspace's sources of one kind (the polling job's work list)."""
    return list(
        session.scalars(select(FeedbackSource).where(FeedbackSource.kind == kind).order_by(FeedbackSource.id))
    )


def poll_state(session: Session, source_id: int) -> dict[str, Any] | None:
    return session.scalar(select(FeedbackSource.poll_state).where(FeedbackSource.id == source_id))


def set_poll_state(session: Session, source_id: int, state: dict[str, Any]) -> None:
    session.execute(update(FeedbackSource).where(FeedbackSource.id == source_id).values(poll_state=state))
