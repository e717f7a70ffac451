"""Owners' routing rules: which channel feedback goes to, by source, tag or keyword."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.actor import Actor
from bot.domain.feedback import MAX_RULES, Rule, RuleInvalid, validate_rule
from bot.policy import Permission, require
from storage.repositories import feedback as repo

ChannelCheck = Callable[[str], "str | None"]
"""Says why the bot cannot post in a channel (None: it can); supplied by the caller, which talks to Slack."""


class Routing:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def list_rules(self, actor: Actor) -> list[Rule]:
        """The workspace's routing rules in the order they are tried."""
        require(actor, Permission.EDIT_ROUTING)
        with self._sessions() as s:
            return list(repo.load_rules(s, actor.team_id))

    def add_rule(
        self,
        actor: Actor,
        kind: str,
        pattern: str,
        channel_id: str,
        position: int | None = None,
        *,
        channel_check: ChannelCheck | None = None,
    ) -> Rule:
        """Add a rule; without a position it is tried after the existing ones."""
        require(actor, Permission.EDIT_ROUTING)
        if channel_id and channel_check is not None and (problem := channel_check(channel_id)):
            raise RuleInvalid("channel", problem)
        kind, pattern, channel_id = validate_rule(kind, pattern, channel_id)
        with self._sessions.begin() as s:
            existing = repo.load_rules(s, actor.team_id)
            if len(existing) >= MAX_RULES:
                raise RuleInvalid("pattern", f"A workspace has at most {MAX_RULES} routing rules.")
            if position is None:
                position = max((r.position for r in existing), default=-1) + 1
            return repo.add_rule(s, actor.team_id, kind, pattern, channel_id, position)

    def move_rule_up(self, actor: Actor, rule_id: int) -> bool:
        """Try this rule one place earlier; False if it is already first (or not this workspace's)."""
        require(actor, Permission.EDIT_ROUTING)
        with self._sessions.begin() as s:
            return repo.move_rule_up(s, actor.team_id, rule_id)

    def delete_rule(self, actor: Actor, rule_id: int) -> bool:
        """Remove one of this workspace's rules; False if it was already gone (or another workspace's)."""
        require(actor, Permission.EDIT_ROUTING)
        with self._sessions.begin() as s:
            return repo.delete_rule(s, actor.team_id, rule_id)
