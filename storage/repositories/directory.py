"""Every query of the people directory: lookups by id, upserts from Slack, and the paged fill's state."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.directory import DirectoryPerson, FillState
from storage.models.directory import DirectoryFill
from storage.models.directory import DirectoryPerson as Row
from storage.repositories.common import dialect_insert

LOOKUP_CHUNK = 500  # ids per IN (...) list: well under every database's parameter limit


def _record(row: Row) -> DirectoryPerson:
    return DirectoryPerson(
        id=row.user_id,
        name=row.name,
        real_name=row.real_name,
        display_name=row.display_name,
        is_bot=row.is_bot,
        deleted=row.deleted,
        tz=row.tz,
    )


def people(s: Session, team_id: str, user_ids: Iterable[str]) -> dict[str, DirectoryPerson]:
    """The known ones among `user_ids` (unknown ids are simply absent)."""
    wanted = list(dict.fromkeys(user_ids))
    found: dict[str, DirectoryPerson] = {}
    for i in range(0, len(wanted), LOOKUP_CHUNK):
        rows = s.scalars(
            select(Row).where(Row.team_id == team_id, Row.user_id.in_(wanted[i : i + LOOKUP_CHUNK]))
        )
        found.update((r.user_id, _record(r)) for r in rows)
    return found


def active_people(s: Session, team_id: str) -> list[DirectoryPerson]:
    """Every active person (no bots, no deactivated accounts) of the workspace."""
    rows = s.scalars(select(Row).where(Row.team_id == team_id, Row.is_bot.is_(False), Row.deleted.is_(False)))
    return [p for p in map(_record, rows) if p.is_human]


def upsert(s: Session, team_id: str, records: Iterable[DirectoryPerson], now: datetime) -> int:
    """Insert or overwrite these people (one statement per batch, on either database)."""
    values = [
        {
            "team_id": team_id,
            "user_id": p.id,
            "name": p.name,
            "real_name": p.real_name,
            "display_name": p.display_name,
            "is_bot": p.is_bot,
            "deleted": p.deleted,
            "tz": p.tz,
            "updated_at": now,
        }
        for p in records
    ]
    if not values:
        return 0
    stmt = dialect_insert(s, Row).values(values)
    changed = {k: stmt.excluded[k] for k in values[0] if k not in ("team_id", "user_id")}
    s.execute(stmt.on_conflict_do_update(index_elements=["team_id", "user_id"], set_=changed))
    return len(values)


def fill_state(s: Session, team_id: str) -> FillState | None:
    row = s.get(DirectoryFill, team_id)
    return None if row is None else FillState(row.cursor, row.pass_started_at, row.filled_at)


def fill_states(s: Session, team_ids: Iterable[str]) -> dict[str, FillState]:
    ids = list(team_ids)
    if not ids:
        return {}
    rows = s.scalars(select(DirectoryFill).where(DirectoryFill.team_id.in_(ids)))
    return {r.team_id: FillState(r.cursor, r.pass_started_at, r.filled_at) for r in rows}


def save_fill(
    s: Session,
    team_id: str,
    cursor: str,
    pass_started_at: datetime | None,
    filled_at: datetime | None,
) -> None:
    row = s.get(DirectoryFill, team_id, with_for_update=True)
    if row is None:
        s.add(
            DirectoryFill(
                team_id=team_id, cursor=cursor, pass_started_at=pass_started_at, filled_at=filled_at
            )
        )
        return
    row.cursor, row.pass_started_at, row.filled_at = cursor, pass_started_at, filled_at
