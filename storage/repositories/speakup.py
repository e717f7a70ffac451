"""Every query of Speak up: conversations, messages waiting for their relay, cards, flags, blocks, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from storage.db import is_postgres
from storage.models import (
    SpeakupBlock,
    SpeakupCard,
    SpeakupConversation,
    SpeakupDailyCount,
    SpeakupFlag,
    SpeakupMessage,
)
from storage.repositories.common import affected_rows, insert_ignoring_conflicts

SPEAKUP_TABLES = (
    SpeakupConversation,
    SpeakupMessage,
    SpeakupCard,
    SpeakupFlag,
    SpeakupBlock,
    SpeakupDailyCount,
)


def add_conversation(
    s: Session, *, team_id: str, topic: str, sender_box: bytes, named: bool, status: str, day: date
) -> SpeakupConversation:
    conversation = SpeakupConversation(
        team_id=team_id,
        topic=topic,
        sender_box=sender_box,
        named=named,
        status=status,
        share_requested=False,
        shared=False,
        created_on=day,
    )
    s.add(conversation)
    s.flush()
    return conversation


def add_message(
    s: Session,
    *,
    team_id: str,
    conversation_id: int,
    author: str,
    kind: str,
    text: str | None,
    day: date,
    relay_after: datetime | None,
) -> SpeakupMessage:
    message = SpeakupMessage(
        team_id=team_id,
        conversation_id=conversation_id,
        author=author,
        kind=kind,
        text=text,
        created_on=day,
        relay_after=relay_after,
        relayed=relay_after is None,
    )
    s.add(message)
    s.flush()
    return message


def conversation(s: Session, team_id: str, conversation_id: int) -> SpeakupConversation | None:
    """The conversation, only if it belongs to `team_id` (ids from one workspace never reach another)."""
    return s.scalars(
        select(SpeakupConversation).where(
            SpeakupConversation.id == conversation_id, SpeakupConversation.team_id == team_id
        )
    ).first()


def opening_text(s: Session, conversation_id: int) -> str:
    first = s.scalars(
        select(SpeakupMessage.text)
        .where(SpeakupMessage.conversation_id == conversation_id, SpeakupMessage.kind == "text")
        .order_by(SpeakupMessage.id)
        .limit(1)
    ).first()
    return first or ""


def first_message_id(s: Session, conversation_id: int) -> int | None:
    return s.scalar(
        select(func.min(SpeakupMessage.id)).where(SpeakupMessage.conversation_id == conversation_id)
    )


def due_messages(s: Session, now: datetime, limit: int) -> Sequence[SpeakupMessage]:
    """Messages whose relay time has come, claimed (other processes skip them on PostgreSQL)."""
    query = (
        select(SpeakupMessage)
        .where(SpeakupMessage.relayed.is_(False), SpeakupMessage.relay_after <= now)
        .order_by(SpeakupMessage.id)
        .limit(limit)
    )
    if is_postgres(s):
        query = query.with_for_update(skip_locked=True)
    return s.scalars(query).all()


def mark_relayed(message: SpeakupMessage) -> None:
    """The relay is queued in this transaction: the exact time it was due is not kept."""
    message.relayed = True
    message.relay_after = None


def cards(s: Session, conversation_id: int) -> Sequence[SpeakupCard]:
    return s.scalars(
        select(SpeakupCard).where(SpeakupCard.conversation_id == conversation_id).order_by(SpeakupCard.id)
    ).all()


def record_card(s: Session, team_id: str, conversation_id: int, channel: str, ts: str) -> None:
    insert_ignoring_conflicts(
        s,
        SpeakupCard,
        {"team_id": team_id, "conversation_id": conversation_id, "channel": channel, "ts": ts},
    )


def add_flag(s: Session, team_id: str, conversation_id: int, flagger: str) -> bool:
    """True if this receiver had not flagged this conversation before."""
    return insert_ignoring_conflicts(
        s, SpeakupFlag, {"team_id": team_id, "conversation_id": conversation_id, "flagger": flagger}
    )


def flag_count(s: Session, conversation_id: int) -> int:
    return (
        s.scalar(
            select(func.count())
            .select_from(SpeakupFlag)
            .where(SpeakupFlag.conversation_id == conversation_id)
        )
        or 0
    )


def block(s: Session, team_id: str, sender_hash: str, day: date) -> bool:
    return insert_ignoring_conflicts(
        s, SpeakupBlock, {"team_id": team_id, "sender_hash": sender_hash, "blocked_on": day}
    )


def is_blocked(s: Session, team_id: str, sender_hash: str) -> bool:
    return (
        s.scalar(
            select(SpeakupBlock.id).where(
                SpeakupBlock.team_id == team_id, SpeakupBlock.sender_hash == sender_hash
            )
        )
        is not None
    )


def sent_on(s: Session, team_id: str, day: date, sender_hash: str) -> int:
    return (
        s.scalar(
            select(SpeakupDailyCount.count).where(
                SpeakupDailyCount.team_id == team_id,
                SpeakupDailyCount.day == day,
                SpeakupDailyCount.sender_hash == sender_hash,
            )
        )
        or 0
    )


def count_sent(s: Session, team_id: str, day: date, sender_hash: str) -> None:
    """One more conversation today (the row is created at 0 first, so two requests cannot both insert)."""
    insert_ignoring_conflicts(
        s, SpeakupDailyCount, {"team_id": team_id, "day": day, "sender_hash": sender_hash, "count": 0}
    )
    s.execute(
        update(SpeakupDailyCount)
        .where(
            SpeakupDailyCount.team_id == team_id,
            SpeakupDailyCount.day == day,
            SpeakupDailyCount.sender_hash == sender_hash,
        )
        .values(count=SpeakupDailyCount.count + 1)
    )


def forget_counts_before(s: Session, team_id: str, day: date) -> int:
    """Counts of the workspace's past days go: a day's hashes are only needed on that day (per workspace,
    since each has its own time zone and so its own "today")."""
    return affected_rows(
        s, delete(SpeakupDailyCount).where(SpeakupDailyCount.team_id == team_id, SpeakupDailyCount.day < day)
    )


def conversations_between(s: Session, team_id: str, start: date, end: date) -> Sequence[SpeakupConversation]:
    return s.scalars(
        select(SpeakupConversation)
        .where(
            SpeakupConversation.team_id == team_id,
            SpeakupConversation.created_on >= start,
            SpeakupConversation.created_on < end,
        )
        .order_by(SpeakupConversation.id)
    ).all()


def delete_created_before(s: Session, team_id: str, day: date) -> int:
    """Remove conversations (messages, cards and flags follow) started before `day`."""
    old = select(SpeakupConversation.id).where(
        SpeakupConversation.team_id == team_id, SpeakupConversation.created_on < day
    )
    ids = list(s.scalars(old))
    if not ids:
        return 0
    # Children explicitly too: SQLite enforces ON DELETE CASCADE only with foreign keys switched on.
    for child in (SpeakupMessage, SpeakupCard, SpeakupFlag):
        s.execute(delete(child).where(child.conversation_id.in_(ids)))
    return affected_rows(s, delete(SpeakupConversation).where(SpeakupConversation.id.in_(ids)))


def team_ids_with_conversations(s: Session) -> Sequence[str]:
    return s.scalars(select(SpeakupConversation.team_id).distinct()).all()
