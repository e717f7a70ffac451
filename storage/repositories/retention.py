"""Queries behind retention: redact old feedback, drop old comments, empty old payloads, purge workspaces."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from storage.models import (
    Base,
    Feedback,
    OutboxMessage,
    SentimentExample,
    Survey,
    SurveyResponse,
    Workspace,
)
from storage.repositories.common import affected_rows
from storage.repositories.sources import with_kept_delivery


def redact_feedback_before(s: Session, team_id: str, cutoff: datetime, redacted: str) -> int:
    """Replace the text (and drop customer and permalink) of feedback received before `cutoff`."""
    return affected_rows(
        s,
        update(Feedback)
        .where(Feedback.team_id == team_id, Feedback.received_at < cutoff, Feedback.text != redacted)
        .values(text=redacted, customer=None, permalink=None),
    )


def delete_examples_before(s: Session, team_id: str, cutoff: datetime) -> int:
    """Delete the learning examples (texts copied from feedback) of items received before `cutoff`, and
    any noted before it. An item imported or polled from the past is learned today: its example goes by
    the item's own date, with its text. The weights learned stay: numbers, not text, like the redacted
    feedback's scores."""
    old_items = select(literal("feedback:", String) + cast(Feedback.id, String)).where(
        Feedback.team_id == team_id, Feedback.received_at < cutoff
    )
    return affected_rows(
        s,
        delete(SentimentExample).where(
            SentimentExample.team_id == team_id,
            or_(SentimentExample.created_at < cutoff, SentimentExample.item_ref.in_(old_items)),
        ),
    )


def clear_deliveries_before(s: Session, team_id: str, cutoff: datetime) -> int:
    """Drop the kept last delivery (a cut of a vendor's payload) of sources last heard before `cutoff`."""
    cleared = 0
    for source in with_kept_delivery(s, team_id):
        kept = source.last_delivery or {}
        try:
            at = datetime.fromisoformat(str(kept.get("at")))
        except ValueError:
            at = None
        if at is None or at.tzinfo is None or at < cutoff:
            source.last_delivery = None
            cleared += 1
    return cleared


def remove_comments_closed_before(s: Session, team_id: str, cutoff: datetime) -> int:
    """Empty the comments of responses to surveys closed before `cutoff`: how many responses had some."""
    old_surveys = select(Survey.id).where(
        Survey.team_id == team_id, Survey.state == "closed", Survey.closed_at < cutoff
    )
    removed = 0
    for response in s.scalars(select(SurveyResponse).where(SurveyResponse.survey_id.in_(old_surveys))):
        if response.comments:
            response.comments = {}
            removed += 1
    return removed


def scrub_payloads_created_before(s: Session, cutoff: datetime) -> int:
    """Empty the payload of calls sent (or given up) and queued before `cutoff`; the rows stay as keys."""
    return affected_rows(
        s,
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(("sent", "dead")),
            OutboxMessage.created_at < cutoff,
            cast(OutboxMessage.payload, String) != "{}",
        )
        .values(payload={}, result={}),
    )


def uninstalled(s: Session) -> list[tuple[str, datetime]]:
    """(team id, when uninstalled) of every inactive workspace with an uninstall time."""
    return [
        (w.team_id, w.uninstalled_at)
        for w in s.scalars(select(Workspace).where(Workspace.active.is_(False)))
        if w.uninstalled_at is not None
    ]


def delete_workspace_rows(s: Session, team_id: str) -> int:
    """Every row with this team_id, children before parents; survey rows follow through ON DELETE CASCADE."""
    total = 0
    for table in reversed(Base.metadata.sorted_tables):
        if "team_id" in table.c:
            total += affected_rows(s, delete(table).where(table.c.team_id == team_id))
    return total
