"""Reading Speak up for the digest (counts and time to first reply, never texts unless shared with
consent) and retention (conversations go after the comment retention period)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from bot.domain import speakup as rules
from bot.domain.actor import Actor
from bot.policy import Permission, require
from bot.services.speakup.relay import Relay
from storage.repositories import speakup as repo


class Reading(Relay):
    def summary(self, actor: Actor, start: date, end: date) -> rules.SpeakupSummary:
        """Conversations started in [start, end): counts by topic, how many got a reply, the median days
        until the first reply, and the texts their senders agreed to share. For the weekly digest."""
        require(actor, Permission.SEE_SPEAKUP_COUNTS)
        with self._sessions() as s:
            conversations = repo.conversations_between(s, actor.team_id, start, end)
            topics = Counter(c.topic for c in conversations)
            waits = [(c.first_reply_on - c.created_on).days for c in conversations if c.first_reply_on]
            shared = tuple(
                rules.SharedStory(c.id, c.topic, repo.opening_text(s, c.id))
                for c in conversations
                if c.shared
            )
        return rules.SpeakupSummary(
            start=start,
            end=end,
            total=len(conversations),
            by_topic=tuple(
                rules.TopicCount(t, n) for t, n in sorted(topics.items(), key=lambda i: (-i[1], i[0]))
            ),
            replied=len(waits),
            median_days_to_first_reply=rules.median(waits),
            shared=shared,
        )

    def apply_retention(self, team_id: str) -> int:
        """Delete conversations started longer ago than the comment retention setting; returns how many."""
        ws = self._settings.get(team_id)
        cutoff = self._today(ws) - timedelta(days=ws.comment_retention_days)
        with self._sessions.begin() as s:
            removed = repo.delete_created_before(s, team_id, cutoff)
            repo.forget_counts_before(s, team_id, self._today(ws))
            return removed

    def teams_with_conversations(self) -> list[str]:
        with self._sessions() as s:
            return list(repo.team_ids_with_conversations(s))
