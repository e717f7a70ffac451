"""Reads and writes WorkspaceSettings; the environment (EnvConfig) supplies time zone and owner fallbacks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, replace
from time import monotonic
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.actor import Actor
from bot.domain.settings import (
    ChannelCheckOutcome,
    PendingSave,
    SettingsInvalid,
    WorkspaceSettings,
    with_changes,
)
from bot.domain.settings_fields import changed_channels, validate
from bot.policy import Permission, require
from storage.repositories import workspaces as repo

CACHE_SECONDS = 5.0
FIRST_OWNER = "first_owner"  # who claimed a workspace that had no owner (one row, ever: the first wins)


class SettingsService:
    """Reads and writes workspace settings; the environment supplies time zone and owner fallbacks."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, *, timezone: str, env_owners: Sequence[str]
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._defaults = WorkspaceSettings(timezone=timezone)
        self._env_owners = tuple(env_owners)
        self._cache: dict[str, tuple[float, WorkspaceSettings]] = {}

    def get(self, team_id: str, session: Session | None = None) -> WorkspaceSettings:
        """The workspace's settings. Outside a transaction they are cached for CACHE_SECONDS per process:
        nearly every request reads them, and a change made in another process shows within that time
        (a change made through this process shows at once)."""
        if session is not None:
            return self._resolve(repo.stored_settings(session, team_id))
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] > monotonic():
            return cached[1]
        with self._sessions() as s:
            resolved = self._resolve(repo.stored_settings(s, team_id))
        self._cache[team_id] = (monotonic() + CACHE_SECONDS, resolved)
        return resolved

    def _resolve(self, stored: dict[str, Any]) -> WorkspaceSettings:
        known = {f.name: f for f in fields(WorkspaceSettings)}
        values: dict[str, Any] = {}
        for key, value in stored.items():
            if key in known:
                values[key] = tuple(value) if isinstance(value, list) else value
        resolved = replace(self._defaults, **values)
        if not resolved.owners and self._env_owners:
            resolved = replace(resolved, owners=self._env_owners)
        return resolved

    def forget(self, team_id: str) -> None:
        """Drop the cached settings of a workspace whose rows were removed."""
        self._cache.pop(team_id, None)

    def claim_first_owner(self, team_id: str, user_id: str) -> bool:
        """Make `user_id` the owner of a workspace that has none (no stored owners, no EMPATHY_OWNERS).
        Deliberately permission-free: anyone may claim, but only once per workspace, ever; the claim
        is recorded, later owners are added in settings. False when someone already owns it."""
        if not user_id:
            return False
        with self._sessions.begin() as s:
            if self.get(team_id, s).owners:
                return False
            now = self._clock.now()
            if not repo.claim_setting(s, team_id, FIRST_OWNER, user_id, user_id, now):
                return False
            repo.save_settings(s, team_id, {"owners": [user_id]}, user_id, now)
        self._cache.pop(team_id, None)
        return True

    def for_editing(self, actor: Actor) -> WorkspaceSettings:
        """The settings as they stand, for someone about to change them (owners only)."""
        require(actor, Permission.CHANGE_SETTINGS)
        return self.get(actor.team_id)

    def update(self, actor: Actor, changes: dict[str, Any]) -> WorkspaceSettings:
        """Validate and store `changes` (owners only) without asking Slack about new channels (the CLI,
        set-up); raises SettingsInvalid (with per-field errors) storing nothing."""
        pending = self.save_form(actor, changes)
        if pending is not None:
            outcome = self.save_checked_form(pending, {})
            if outcome.problems:  # another change since the form was checked made this one invalid
                raise SettingsInvalid(outcome.problems)
        return self.get(actor.team_id)

    def save_form(self, actor: Actor, changes: dict[str, Any]) -> PendingSave | None:
        """The settings form as submitted (owners only), answered before Slack is asked anything: a form
        that moves no channel is stored (None); one that moves channels is only checked, and comes back
        as a PendingSave for the caller to ask Slack whether the bot can post in its new channels, then
        to finish with `save_checked_form`. Raises SettingsInvalid (per-field errors), storing nothing."""
        require(actor, Permission.CHANGE_SETTINGS)
        current = self.get(actor.team_id)
        channels = changed_channels(current, changes)
        if not channels:
            self._store(actor, changes)
            return None
        with self._sessions() as s:
            self._checked(s, actor.team_id, changes)
        return PendingSave(actor, changes, channels, current)

    def save_checked_form(self, pending: PendingSave, problems: dict[str, str]) -> ChannelCheckOutcome:
        """Store a pending form but the channel fields Slack refused (`problems`: field -> why). The rest
        is stored even then: fixing a channel means leaving the modal (to /invite the bot), which would
        lose it. If another owner changed the settings since the form was checked, nothing is stored and
        their errors join the problems."""
        entered = with_changes(pending.current, validate(pending.changes)[0])
        try:
            self._store(pending.actor, {k: v for k, v in pending.changes.items() if k not in problems})
        except SettingsInvalid as invalid:
            return ChannelCheckOutcome({**problems, **invalid.errors}, False, entered)
        return ChannelCheckOutcome(dict(problems), True, entered)

    def _store(self, actor: Actor, changes: dict[str, Any]) -> None:
        """Validate and store `changes` as made by the actor (nobody, for the operator)."""
        team_id = actor.team_id
        with self._sessions.begin() as s:
            clean = self._checked(s, team_id, changes)
            repo.save_settings(s, team_id, clean, actor.user_id or None, self._clock.now())
        self._cache.pop(team_id, None)

    def _checked(self, s: Session, team_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """The clean values of `changes`, checked field by field and, merged with what is stored, across
        fields; raises SettingsInvalid with every error found."""
        clean, errors = validate(changes)
        merged = with_changes(self.get(team_id, s), clean)
        if merged.negative_threshold >= merged.positive_threshold:
            errors.setdefault("negative_threshold", "The negative threshold must be below the positive one.")
        if merged.work_start >= merged.work_end:
            errors.setdefault("work_end", "Working hours must end after they start.")
        if merged.pulse_comment_min_responses < merged.pulse_min_responses:
            errors.setdefault(
                "pulse_comment_min_responses", "Comments need at least as many responses as scores."
            )
        if merged.speakup_delay_max_minutes < merged.speakup_delay_min_minutes:
            errors.setdefault(
                "speakup_delay_max_minutes", "The longest relay delay must not be below the shortest."
            )
        if errors:
            raise SettingsInvalid(errors)
        return clean
