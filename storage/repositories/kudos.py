"""Every query of peer recognition: recognitions, their receivers and +1s. Takes a session, never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, select, text
from sqlalchemy.orm import Session

from bot.domain.kudos import PENDING, POSTED, WITHDRAWN, Recognition
from storage.db import is_postgres
from storage.models import Kudos, KudosPlusOne, KudosRecipient
from storage.repositories.common import affected_rows, insert_ignoring_conflicts

_CHUNK = 500


def lock_giver(s: Session, team_id: str, giver: str) -> None:
    """Two gives at once from one giver must not both pass the allowance check: until this transaction
    ends, another one reaching this point for the same giver waits here, and then reads the allowance
    this one used.

    PostgreSQL: a transaction-scoped advisory lock per giver. SQLite has one writer at a time, taken by
    default at the first write, after the allowance was read (two readers both saw room left and both
    wrote): take the write lock now instead, before the read. Its wait is the busy timeout.
    """
    if is_postgres(s):
        s.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"kudos:{team_id}:{giver}"})
        return
    connection = s.connection()
    # pysqlite opens its transaction at the first write; one already open has written, so holds the lock.
    if not getattr(connection.connection.dbapi_connection, "in_transaction", False):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _live_recipients() -> Select[Any]:
    return select(func.count()).select_from(KudosRecipient).join(Kudos, Kudos.id == KudosRecipient.kudos_id)


def people_given_since(s: Session, team_id: str, giver: str, since: datetime) -> int:
    """People `giver` recognised (not withdrawn, pending included) since `since`."""
    used = s.scalar(
        _live_recipients().where(
            KudosRecipient.team_id == team_id,
            KudosRecipient.giver == giver,
            KudosRecipient.created_at >= since,
            Kudos.status != WITHDRAWN,
        )
    )
    return int(used or 0)


def times_received_since(s: Session, team_id: str, receiver: str, since: datetime) -> int:
    received = s.scalar(
        _live_recipients().where(
            KudosRecipient.team_id == team_id,
            Kudos.status != WITHDRAWN,
            KudosRecipient.receiver == receiver,
            KudosRecipient.created_at >= since,
        )
    )
    return int(received or 0)


def get(s: Session, team_id: str, recognition_id: int) -> Kudos | None:
    """The recognition, if it exists in this workspace."""
    kudos = s.get(Kudos, recognition_id)
    return kudos if kudos is not None and kudos.team_id == team_id else None


def by_id(s: Session, recognition_id: int) -> Kudos | None:
    return s.get(Kudos, recognition_id)


def by_source_key(s: Session, team_id: str, source_key: str) -> Kudos | None:
    return s.scalar(select(Kudos).where(Kudos.team_id == team_id, Kudos.source_key == source_key))


def add(s: Session, kudos: Kudos, receivers: Sequence[str]) -> Kudos:
    """Store a recognition and the people it recognises (in order)."""
    s.add(kudos)
    s.flush()
    for receiver in receivers:
        s.add(
            KudosRecipient(
                team_id=kudos.team_id,
                kudos_id=kudos.id,
                giver=kudos.giver,
                receiver=receiver,
                created_at=kudos.created_at,
            )
        )
    s.flush()
    return kudos


def reaction_recipient(s: Session, team_id: str, giver: str, author: str, ref: str) -> KudosRecipient | None:
    """The receiver row of `giver`'s reaction kudos for `author`'s message `ref` (channel:ts)."""
    return s.scalar(
        select(KudosRecipient).where(
            KudosRecipient.team_id == team_id,
            KudosRecipient.giver == giver,
            KudosRecipient.receiver == author,
            KudosRecipient.message_ref == ref,
        )
    )


def add_reaction_kudos(s: Session, kudos: Kudos, author: str, ref: str) -> bool:
    """Store a reaction's recognition of `author`; False (nothing stored) if a concurrent delivery of
    another event for the same reaction stored it first (the unique (team, giver, receiver, message))."""
    s.add(kudos)
    s.flush()
    inserted = insert_ignoring_conflicts(
        s,
        KudosRecipient,
        {
            "team_id": kudos.team_id,
            "kudos_id": kudos.id,
            "giver": kudos.giver,
            "receiver": author,
            "message_ref": ref,
            "created_at": kudos.created_at,
        },
    )
    if not inserted:
        s.delete(kudos)
    return inserted


def delete_pending_before(s: Session, cutoff: datetime) -> int:
    """Remove reaction kudos still waiting for their why since before `cutoff`; how many."""
    lapsed = select(Kudos.id).where(Kudos.status == PENDING, Kudos.created_at < cutoff)
    s.execute(delete(KudosRecipient).where(KudosRecipient.kudos_id.in_(lapsed)))
    return affected_rows(s, delete(Kudos).where(Kudos.id.in_(lapsed)))


def add_plus_one(s: Session, team_id: str, recognition_id: int, user_id: str, now: datetime) -> bool:
    """False if `user_id` added their voice before."""
    return insert_ignoring_conflicts(
        s,
        KudosPlusOne,
        {"team_id": team_id, "kudos_id": recognition_id, "user_id": user_id, "created_at": now},
    )


VALUES_RECEIVED_WINDOW = 200  # App Home: what someone is recognised for, over their latest 200 kudos


def values_received(
    s: Session, team_id: str, receiver: str, limit: int = VALUES_RECEIVED_WINDOW
) -> list[list[str]]:
    """The values of `receiver`'s latest `limit` posted recognitions (bounded: App Home reads this on
    every open, and a long-tenured person's whole history must not be loaded each time)."""
    return list(
        s.scalars(
            select(Kudos.values)
            .join(KudosRecipient, Kudos.id == KudosRecipient.kudos_id)
            .where(
                KudosRecipient.team_id == team_id,
                Kudos.status != WITHDRAWN,
                Kudos.status == POSTED,
                KudosRecipient.receiver == receiver,
            )
            .order_by(Kudos.posted_at.desc(), Kudos.id.desc())
            .limit(limit)
        ).all()
    )


def latest_posted(s: Session, team_id: str, limit: int) -> list[Kudos]:
    return list(
        s.scalars(
            select(Kudos)
            .where(Kudos.team_id == team_id, Kudos.status == POSTED)
            .order_by(Kudos.posted_at.desc(), Kudos.id.desc())
            .limit(limit)
        ).all()
    )


def values_posted_since(s: Session, team_id: str, since: datetime) -> list[list[str]]:
    return list(
        s.scalars(
            select(Kudos.values).where(
                Kudos.team_id == team_id, Kudos.status == POSTED, Kudos.posted_at >= since
            )
        ).all()
    )


def posted_between(s: Session, team_id: str, start: datetime, end: datetime) -> list[Kudos]:
    """Posted recognitions in [start, end), oldest first."""
    return list(
        s.scalars(
            select(Kudos)
            .where(
                Kudos.team_id == team_id,
                Kudos.status == POSTED,
                Kudos.posted_at >= start,
                Kudos.posted_at < end,
            )
            .order_by(Kudos.posted_at, Kudos.id)
        ).all()
    )


def recognised_since(s: Session, team_id: str, since: datetime) -> set[str]:
    """Everyone recognised (not withdrawn) since `since`."""
    return set(
        s.scalars(
            select(KudosRecipient.receiver)
            .join(Kudos, Kudos.id == KudosRecipient.kudos_id)
            .where(
                KudosRecipient.team_id == team_id,
                KudosRecipient.created_at >= since,
                Kudos.status != WITHDRAWN,
            )
        )
    )


def count_live_since(s: Session, team_id: str, since: datetime) -> int:
    """Recognitions (not withdrawn) created since `since`."""
    recent = s.scalar(
        select(func.count())
        .select_from(Kudos)
        .where(Kudos.team_id == team_id, Kudos.status != WITHDRAWN, Kudos.created_at >= since)
    )
    return int(recent or 0)


def recognition(s: Session, kudos: Kudos) -> Recognition:
    receivers = s.scalars(
        select(KudosRecipient.receiver).where(KudosRecipient.kudos_id == kudos.id).order_by(KudosRecipient.id)
    ).all()
    plus_ones = s.scalar(
        select(func.count()).select_from(KudosPlusOne).where(KudosPlusOne.kudos_id == kudos.id)
    )
    return _record(kudos, receivers, int(plus_ones or 0))


def recognitions(s: Session, rows: Sequence[Kudos]) -> list[Recognition]:
    """Records of many recognitions in few queries, whatever their number (the digest reads a week's)."""
    ids = [k.id for k in rows]
    receivers: dict[int, list[str]] = {i: [] for i in ids}
    plus_ones: dict[int, int] = {}
    for chunk in (ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)):
        for kudos_id, receiver in s.execute(
            select(KudosRecipient.kudos_id, KudosRecipient.receiver)
            .where(KudosRecipient.kudos_id.in_(chunk))
            .order_by(KudosRecipient.id)
        ):
            receivers[kudos_id].append(receiver)
        plus_ones.update(
            s.execute(
                select(KudosPlusOne.kudos_id, func.count())
                .where(KudosPlusOne.kudos_id.in_(chunk))
                .group_by(KudosPlusOne.kudos_id)
            ).all()
        )
    return [_record(k, receivers[k.id], int(plus_ones.get(k.id, 0))) for k in rows]


def _record(k: Kudos, receivers: Sequence[str], plus_ones: int) -> Recognition:
    return Recognition(
        id=k.id,
        giver=k.giver,
        receivers=tuple(receivers),
        reason=k.reason,
        impact=k.impact,
        values=tuple(k.values or ()),
        beneficiary=k.beneficiary,
        status=k.status,
        source=k.source,
        plus_ones=plus_ones,
        permalink=k.permalink,
        created_at=k.created_at,
    )
