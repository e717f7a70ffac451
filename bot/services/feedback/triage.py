"""Triage of feedback items: acknowledge, take, resolve, relabel; responses on cards; card updates."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import sentiment
from bot.domain.errors import NotFound
from bot.domain.feedback import (
    ACKNOWLEDGED,
    CORRECTABLE_LABELS,
    ESCALATION,
    MAIN,
    NEW,
    RESOLVED,
    TAKEN,
    Change,
    FeedbackCard,
    FeedbackInvalid,
    FeedbackItem,
    masked,
)
from bot.domain.outgoing import Update
from bot.services.ports import Postbox
from storage.models import Feedback
from storage.repositories import feedback as repo


def queue_updates(postbox: Postbox, s: Session, fb: Feedback, key: str) -> None:
    """Redraw the item's posted cards (main and escalated copy); `key` tells one redraw from another."""
    card = FeedbackCard(masked(repo.to_item(fb)))
    updates = [
        Update(channel=channel, ts=ts, content=card, key=f"feedback-update:{fb.id}:{role}:{key}")
        for role, channel, ts in (
            (MAIN, fb.channel_id, fb.ts),
            (ESCALATION, fb.escalation_channel_id, fb.escalation_ts),
        )
        if channel and ts
    ]
    if updates:
        postbox.send(s, fb.team_id, *updates)


class Triage:
    """What people do with an item once its card is posted; every change redraws the card."""

    def __init__(self, sessions: sessionmaker[Session], clock: Clock, postbox: Postbox) -> None:
        self._sessions = sessions
        self._clock = clock
        self._postbox = postbox

    def acknowledge(self, team_id: str, feedback_id: int, user_id: str) -> Change:
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state != NEW:
                return Change(repo.to_item(fb), False)
            fb.state, fb.acknowledged_by = ACKNOWLEDGED, user_id
            return self._changed(s, fb, user_id, "acknowledged", None)

    def take(self, team_id: str, feedback_id: int, user_id: str) -> Change:
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state == RESOLVED or (fb.state == TAKEN and fb.assignee == user_id):
                return Change(repo.to_item(fb), False)
            fb.state, fb.assignee = TAKEN, user_id
            return self._changed(s, fb, user_id, "taken", None)

    def resolve(
        self, team_id: str, feedback_id: int, user_id: str, resolution: str, root_cause: str | None
    ) -> Change:
        resolution = (resolution or "").strip()
        if not resolution:
            raise FeedbackInvalid("Please say how it was resolved.")
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state == RESOLVED:
                return Change(repo.to_item(fb), False)
            fb.state, fb.resolved_at = RESOLVED, self._clock.now()
            fb.resolution = resolution[:3000]
            fb.root_cause = (root_cause or "").strip().lower()[:64] or None
            fb.assignee = fb.assignee or user_id
            fb.resolved_by = user_id
            return self._changed(s, fb, user_id, "resolved", {"root_cause": fb.root_cause})

    def correct_label(self, team_id: str, feedback_id: int, user_id: str, label: str) -> Change:
        """A person's label; a positive/neutral/negative one becomes the model's example for this item
        (replacing its rating's), learned after commit by `Intake.learn_pending`."""
        if label not in CORRECTABLE_LABELS:
            raise FeedbackInvalid(f"Unknown label {label!r}.")
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.label == label:
                return Change(repo.to_item(fb), False)
            previous, fb.label = fb.label, label
            fb.label_corrected_by, fb.label_corrected_at = user_id, self._clock.now()
            fb.learn_pending = label in sentiment.LABELS
            return self._changed(s, fb, user_id, "relabelled", {"from": previous, "to": label})

    def is_card(self, team_id: str, channel_id: str, ts: str) -> bool:
        """Whether this message is one of our feedback cards (main or escalated copy)."""
        with self._sessions() as s:
            return repo.card_at(s, team_id, channel_id, ts) is not None

    def record_response(self, team_id: str, channel_id: str, thread_ts: str, user_id: str, how: str) -> bool:
        """A reply or reaction on a card counts as the first response; True if it was the first."""
        with self._sessions.begin() as s:
            fb = repo.card_at(s, team_id, channel_id, thread_ts)
            if fb is None or fb.first_response_at is not None:
                return False
            fb.first_response_at = self._clock.now()
            repo.add_event(s, fb, user_id, "responded", {"how": how}, self._clock.now())
            return True

    def get(self, team_id: str, feedback_id: int) -> FeedbackItem:
        with self._sessions.begin() as s:
            return repo.to_item(self._get(s, team_id, feedback_id))

    def events(self, team_id: str, feedback_id: int) -> list[tuple[str | None, str]]:
        with self._sessions.begin() as s:
            return repo.events(s, team_id, feedback_id)

    def _get(self, s: Session, team_id: str, feedback_id: int) -> Feedback:
        fb = repo.get(s, team_id, feedback_id)
        if fb is None:
            raise NotFound("That feedback no longer exists.")
        return fb

    def _changed(
        self, s: Session, fb: Feedback, user_id: str, kind: str, detail: dict[str, Any] | None
    ) -> Change:
        if fb.first_response_at is None and kind != "relabelled":
            fb.first_response_at = self._clock.now()
        event_id = repo.add_event(s, fb, user_id, kind, detail, self._clock.now())
        queue_updates(self._postbox, s, fb, str(event_id))
        return Change(repo.to_item(fb), True, [kind])
