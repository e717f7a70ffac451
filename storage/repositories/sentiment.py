"""Every query of the learned sentiment model: labelled examples and stored weights, per workspace."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from storage.models.sentiment import SentimentExample, SentimentModel
from storage.repositories.common import affected_rows


def example_for_item(session: Session, team_id: str, item_ref: str) -> SentimentExample | None:
    return session.scalars(
        select(SentimentExample).where(
            SentimentExample.team_id == team_id, SentimentExample.item_ref == item_ref
        )
    ).first()


def add_example(session: Session, example: SentimentExample) -> None:
    session.add(example)


def examples_for_items(session: Session, team_id: str, item_refs: list[str]) -> dict[str, SentimentExample]:
    """The stored examples of these items, by item_ref (one query for a batch)."""
    found: dict[str, SentimentExample] = {}
    for start in range(0, len(item_refs), 500):
        for example in session.scalars(
            select(SentimentExample).where(
                SentimentExample.team_id == team_id,
                SentimentExample.item_ref.in_(item_refs[start : start + 500]),
            )
        ):
            if example.item_ref is not None:
                found[example.item_ref] = example
    return found


def add_examples(session: Session, rows: list[dict[str, object]]) -> None:
    """Store new examples (column values), in one multi-row INSERT."""
    if rows:
        session.execute(insert(SentimentExample), rows)


def examples(session: Session, team_id: str) -> Sequence[SentimentExample]:
    """All of a workspace's examples, oldest first (the order a model is rebuilt in)."""
    return session.scalars(
        select(SentimentExample)
        .where(SentimentExample.team_id == team_id)
        .order_by(SentimentExample.created_at, SentimentExample.id)
    ).all()


def count_examples(session: Session, team_id: str) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(SentimentExample).where(SentimentExample.team_id == team_id)
        )
        or 0
    )


def agreement_since(session: Session, team_id: str, since: datetime) -> tuple[int, int]:
    """(items where the words-only scorer agreed with the rating or correction, items judged) since."""
    rows = session.execute(
        select(SentimentExample.predicted, SentimentExample.label).where(
            SentimentExample.team_id == team_id,
            SentimentExample.created_at >= since,
            SentimentExample.predicted.is_not(None),
        )
    ).all()
    return sum(1 for predicted, label in rows if predicted == label), len(rows)


def delete_customer_examples(session: Session, team_id: str, needle: str) -> int:
    """Delete the examples whose customer is `needle` (lower-cased), case-insensitively."""
    return affected_rows(
        session,
        delete(SentimentExample).where(
            SentimentExample.team_id == team_id, func.lower(SentimentExample.customer) == needle
        ),
    )


def delete_team(session: Session, team_id: str) -> None:
    session.execute(delete(SentimentExample).where(SentimentExample.team_id == team_id))
    session.execute(delete(SentimentModel).where(SentimentModel.team_id == team_id))


def model_version(session: Session, team_id: str) -> int | None:
    return session.scalar(select(SentimentModel.version).where(SentimentModel.team_id == team_id))


def teams_with_models_before(session: Session, model_format: int) -> list[str]:
    """Workspaces whose stored model is in a format older than `model_format`."""
    return list(session.scalars(select(SentimentModel.team_id).where(SentimentModel.format < model_format)))


def load_model(session: Session, team_id: str, *, for_update: bool = False) -> SentimentModel | None:
    """The stored model; `for_update` locks its row (PostgreSQL) so concurrent learners queue."""
    statement = select(SentimentModel).where(SentimentModel.team_id == team_id)
    if for_update:
        statement = statement.with_for_update()
    return session.scalars(statement).first()


def save_model(session: Session, model: SentimentModel) -> None:
    session.add(model)


def delete_model(session: Session, team_id: str) -> None:
    session.execute(delete(SentimentModel).where(SentimentModel.team_id == team_id))


def delete_item_examples(session: Session, team_id: str, item_refs: list[str]) -> int:
    """Delete the examples these items gave (item_ref "feedback:42", …)."""
    return affected_rows(
        session,
        delete(SentimentExample).where(
            SentimentExample.team_id == team_id, SentimentExample.item_ref.in_(item_refs)
        ),
    )
