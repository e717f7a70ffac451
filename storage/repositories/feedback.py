"""Every query of customer feedback: items, their events and reminders, routing rules, webhook sources."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.domain import sentiment
from bot.domain.feedback import NEEDS_ANSWER_LABELS, OPEN_STATES, RESOLVED, FeedbackItem, Rule
from bot.domain.sentiment_learning import FROM_CORRECTION, FROM_RATING, LabelledText
from storage.models import Feedback, FeedbackEvent, FeedbackNudge, FeedbackSource, RoutingRule
from storage.repositories.common import dialect_insert, insert_ignoring_conflicts


def to_item(fb: Feedback) -> FeedbackItem:
    return FeedbackItem(
        id=fb.id,
        source=fb.source,
        text=fb.text,
        customer=fb.customer,
        rating=fb.rating,
        tags=tuple(fb.tags or ()),
        polarity=fb.polarity,
        label=fb.label,
        label_corrected_by=fb.label_corrected_by,
        rule=fb.routed_rule,
        state=fb.state,
        assignee=fb.assignee,
        resolution=fb.resolution,
        root_cause=fb.root_cause,
        permalink=fb.permalink,
        label_source=fb.label_source,
        label_reason=fb.label_reason,
        disagreement=fb.disagreement,
        acknowledged_by=fb.acknowledged_by,
        resolved_by=fb.resolved_by,
    )


# Items


def find(s: Session, team_id: str, source: str, external_id: str) -> Feedback | None:
    return s.scalars(
        select(Feedback).where(
            Feedback.team_id == team_id, Feedback.source == source, Feedback.external_id == external_id
        )
    ).first()


def get(s: Session, team_id: str, feedback_id: int) -> Feedback | None:
    """This workspace's item, or None (another workspace's item is None too)."""
    fb = s.get(Feedback, feedback_id)
    return fb if fb is not None and fb.team_id == team_id else None


def by_id(s: Session, feedback_id: int) -> Feedback | None:
    return s.get(Feedback, feedback_id)


def by_ids(s: Session, ids: Sequence[int]) -> list[Feedback]:
    return list(s.scalars(select(Feedback).where(Feedback.id.in_(ids))))


def card_at(s: Session, team_id: str, channel_id: str, ts: str) -> Feedback | None:
    """The item whose card (main or escalated copy) is this message."""
    return s.scalars(
        select(Feedback).where(
            Feedback.team_id == team_id,
            or_(
                (Feedback.channel_id == channel_id) & (Feedback.ts == ts),
                (Feedback.escalation_channel_id == channel_id) & (Feedback.escalation_ts == ts),
            ),
        )
    ).first()


def insert_new(s: Session, values: dict[str, Any]) -> bool:
    """Store one item unless its (team, source, external_id) is there already; True if inserted."""
    return insert_ignoring_conflicts(s, Feedback, values)


def insert_many(s: Session, rows: list[dict[str, Any]]) -> list[tuple[int, str, str | None]]:
    """INSERT … ON CONFLICT DO NOTHING … RETURNING for many rows: (id, label, channel) of those stored."""
    table = cast(Table, Feedback.__table__)
    stmt = (
        dialect_insert(s, table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.label, table.c.channel_id)
    )
    return [(row[0], row[1], row[2]) for row in s.execute(stmt, rows).all()]


def overdue_negatives(s: Session, since: datetime) -> list[Feedback]:
    """Open negative items, and items that need a human read, created since `since` that nobody has
    answered yet (every workspace)."""
    return list(
        s.scalars(
            select(Feedback).where(
                Feedback.label.in_(NEEDS_ANSWER_LABELS),
                Feedback.first_response_at.is_(None),
                Feedback.state.in_(OPEN_STATES),
                Feedback.created_at >= since,
            )
        )
    )


def resolved_with_assignee(s: Session, since: datetime) -> list[Feedback]:
    """Items resolved since `since` by someone (every workspace): candidates for a follow-up reminder."""
    return list(
        s.scalars(
            select(Feedback).where(
                Feedback.state == RESOLVED,
                Feedback.resolved_at >= since,
                Feedback.assignee.is_not(None),
            )
        )
    )


# Events and reminders


def add_event(
    s: Session, fb: Feedback, actor: str | None, kind: str, detail: dict[str, Any] | None, now: datetime
) -> int:
    event = FeedbackEvent(
        team_id=fb.team_id, feedback_id=fb.id, actor=actor, kind=kind, detail=detail, created_at=now
    )
    s.add(event)
    s.flush()
    return event.id


def add_received_events(
    s: Session, team_id: str, stored: Iterable[tuple[int, str, str | None]], now: datetime
) -> None:
    """One "received" event per (id, label, channel) just stored."""
    s.execute(
        insert(FeedbackEvent),
        [
            {
                "team_id": team_id,
                "feedback_id": fb_id,
                "actor": None,
                "kind": "received",
                "detail": {"label": label, "channel": channel},
                "created_at": now,
            }
            for fb_id, label, channel in stored
        ],
    )


def events(s: Session, team_id: str, feedback_id: int) -> list[tuple[str | None, str]]:
    rows = s.scalars(
        select(FeedbackEvent)
        .where(FeedbackEvent.team_id == team_id, FeedbackEvent.feedback_id == feedback_id)
        .order_by(FeedbackEvent.id)
    ).all()
    return [(e.actor, e.kind) for e in rows]


def claim_reminder(s: Session, fb: Feedback, stage: str, now: datetime) -> bool:
    """The unique (feedback, stage) row is the claim: True for the one caller that may send it."""
    return insert_ignoring_conflicts(
        s, FeedbackNudge, {"team_id": fb.team_id, "feedback_id": fb.id, "stage": stage, "sent_at": now}
    )


# Routing rules


def _rule(row: RoutingRule) -> Rule:
    return Rule(
        id=row.id, kind=row.kind, pattern=row.pattern, channel_id=row.channel_id, position=row.position
    )


def load_rules(s: Session, team_id: str) -> tuple[Rule, ...]:
    """The workspace's rules in the order they are tried."""
    rows = s.scalars(
        select(RoutingRule)
        .where(RoutingRule.team_id == team_id)
        .order_by(RoutingRule.position, RoutingRule.id)
    ).all()
    return tuple(_rule(r) for r in rows)


def add_rule(s: Session, team_id: str, kind: str, pattern: str, channel_id: str, position: int) -> Rule:
    row = RoutingRule(team_id=team_id, kind=kind, pattern=pattern, channel_id=channel_id, position=position)
    s.add(row)
    s.flush()
    return _rule(row)


def move_rule_up(s: Session, team_id: str, rule_id: int) -> bool:
    """Swap the rule with the one before it (rows locked); False if it is first or not this workspace's."""
    rows = list(
        s.scalars(
            select(RoutingRule)
            .where(RoutingRule.team_id == team_id)
            .order_by(RoutingRule.position, RoutingRule.id)
            .with_for_update()
        )
    )
    at = next((i for i, r in enumerate(rows) if r.id == rule_id), None)
    if not at:
        return False
    rows[at - 1], rows[at] = rows[at], rows[at - 1]
    for position, row in enumerate(rows):
        row.position = position
    return True


def delete_rule(s: Session, team_id: str, rule_id: int) -> bool:
    deleted = s.execute(
        delete(RoutingRule)
        .where(RoutingRule.team_id == team_id, RoutingRule.id == rule_id)
        .returning(RoutingRule.id)
    ).first()
    return deleted is not None


# Webhook sources' declared rating scales


def source_scale(s: Session, team_id: str, name: str) -> str | None:
    """The rating scale a webhook source of this workspace declared (None: none, or no such source)."""
    return s.scalar(
        select(FeedbackSource.rating_scale).where(
            FeedbackSource.team_id == team_id, FeedbackSource.name == name
        )
    )


def source_scales(s: Session, team_id: str) -> dict[str, str]:
    """Every declared rating scale of this workspace's sources, by source name."""
    rows = s.execute(
        select(FeedbackSource.name, FeedbackSource.rating_scale).where(
            FeedbackSource.team_id == team_id, FeedbackSource.rating_scale.is_not(None)
        )
    ).all()
    return {name: scale for name, scale in rows if scale}


# Learning from rated and corrected items


def pending_examples(s: Session, team_id: str, limit: int) -> list[tuple[int, LabelledText | None]]:
    """This workspace's items waiting to be learned, oldest first: (id, example), None when there is
    nothing to learn any more (corrected to "needs a human read", text removed by retention)."""
    rows = s.scalars(
        select(Feedback)
        .where(Feedback.learn_pending.is_(True), Feedback.team_id == team_id)
        .order_by(Feedback.id)
        .limit(limit)
    ).all()
    return [(fb.id, _example(fb)) for fb in rows]


def pending_in_batch(
    s: Session, team_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[int, LabelledText | None]]:
    """The items of these (source, external_id) still waiting to be learned, with their examples."""
    found: dict[tuple[str, str], tuple[int, LabelledText | None]] = {}
    for source in {src for src, _ in keys}:
        ids = [ext for src, ext in keys if src == source]
        for start in range(0, len(ids), 500):
            rows = s.scalars(
                select(Feedback).where(
                    Feedback.team_id == team_id,
                    Feedback.source == source,
                    Feedback.external_id.in_(ids[start : start + 500]),
                    Feedback.learn_pending.is_(True),
                )
            )
            for fb in rows:
                found[(fb.source, fb.external_id)] = (fb.id, _example(fb))
    return found


def _example(fb: Feedback) -> LabelledText | None:
    """What the model learns from an item: its text and label (rating or correction), or None when there
    is nothing to learn any more (corrected to "needs a human read", text removed by retention)."""
    if fb.label not in sentiment.LABELS or not (fb.text or "").strip():
        return None
    origin = FROM_CORRECTION if fb.label_corrected_by else FROM_RATING
    return LabelledText(fb.text, fb.label, origin, fb.customer, f"feedback:{fb.id}")


def clear_pending(s: Session, ids: Sequence[int]) -> None:
    s.execute(update(Feedback).where(Feedback.id.in_(ids)).values(learn_pending=False))


def teams_with_pending(s: Session) -> list[str]:
    return list(s.scalars(select(Feedback.team_id).where(Feedback.learn_pending.is_(True)).distinct()))


def revise(s: Session, fb: Feedback, values: dict[str, Any], now: datetime) -> None:
    """A vendor's later delivery for the same item (Delighted's .updated): new values, one event."""
    before = {"text": fb.text, "rating": fb.rating}
    for key, value in values.items():
        setattr(fb, key, value)
    s.add(
        FeedbackEvent(
            team_id=fb.team_id, feedback_id=fb.id, actor=None, kind="revised", detail=before, created_at=now
        )
    )
