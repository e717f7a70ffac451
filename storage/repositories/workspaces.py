"""Workspaces and their stored settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Workspace, WorkspaceSetting
from storage.repositories.common import insert_ignoring_conflicts


def ensure_workspace(session: Session, team_id: str, now: datetime) -> None:
    insert_ignoring_conflicts(
        session, Workspace, {"team_id": team_id, "name": "", "active": True, "installed_at": now}
    )


def record_installation(
    session: Session, team_id: str, name: str, bot_user_id: str | None, now: datetime
) -> Workspace:
    ws = session.get(Workspace, team_id)
    if ws is None:
        ws = Workspace(team_id=team_id, installed_at=now)
        session.add(ws)
    ws.name = name
    ws.bot_user_id = bot_user_id
    ws.active = True
    ws.uninstalled_at = None
    session.flush()
    return ws


def active_team_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Workspace.team_id).where(Workspace.active.is_(True))))


def all_team_ids(session: Session) -> list[str]:
    """Installed or not: an uninstalled workspace's data is kept for its retention period."""
    return list(session.scalars(select(Workspace.team_id).order_by(Workspace.team_id)))


def deactivate(session: Session, team_id: str, now: datetime) -> None:
    ws = session.get(Workspace, team_id)
    if ws is not None and ws.active:
        ws.active = False
        ws.uninstalled_at = now


def stored_settings(session: Session, team_id: str) -> dict[str, Any]:
    rows = session.scalars(select(WorkspaceSetting).where(WorkspaceSetting.team_id == team_id))
    return {row.key: row.value for row in rows}


def save_settings(
    session: Session, team_id: str, values: dict[str, Any], user_id: str | None, now: datetime
) -> None:
    for key, value in values.items():
        row = session.get(WorkspaceSetting, (team_id, key))
        if row is None:
            session.add(
                WorkspaceSetting(team_id=team_id, key=key, value=value, updated_by=user_id, updated_at=now)
            )
        else:
            row.value = value
            row.updated_by = user_id
            row.updated_at = now


def claim_setting(session: Session, team_id: str, key: str, value: Any, user_id: str, now: datetime) -> bool:
    """Store a setting only if it was never stored: a conditional write (the primary key decides),
    so of two simultaneous claims exactly one wins. False when the key was already there."""
    values = {"team_id": team_id, "key": key, "value": value, "updated_by": user_id, "updated_at": now}
    return insert_ignoring_conflicts(session, WorkspaceSetting, values)
