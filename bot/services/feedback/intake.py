"""Intake of customer feedback: validate, score, route and store it once, then post its card(s)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import sentiment
from bot.domain.feedback import (
    ESCALATION,
    IMPORTED,
    MAIN,
    NEW,
    BatchResult,
    CardPosted,
    FeedbackCard,
    FeedbackInput,
    FeedbackInvalid,
    FeedbackItem,
    FullTextReply,
    ImportPlan,
    Rule,
    choose_route,
    fits_on_card,
    masked,
    validate_input,
)
from bot.domain.outgoing import Post, Sent
from bot.domain.pii import mask_pii
from bot.domain.settings import WorkspaceSettings
from bot.services.feedback.triage import queue_updates
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from storage.models import Feedback
from storage.repositories import feedback as repo

CARD_POSTED = "feedback.card_posted"


def prepare_row(
    team_id: str,
    ws: WorkspaceSettings,
    rules: Sequence[Rule],
    data: FeedbackInput,
    *,
    post_cards: bool,
    now: datetime,
) -> dict[str, Any]:
    """Validate, score and route one input: the Feedback row's column values, or FeedbackInvalid."""
    data = validate_input(data)
    mood = sentiment.score(data.text)
    label = sentiment.label(mood.polarity, ws.positive_threshold, ws.negative_threshold)
    route = choose_route(rules, ws, data, label) if post_cards else None
    if route is None and post_cards:
        raise FeedbackInvalid("No feedback channel is set: an owner can choose one in the App Home settings.")
    # Scored and routed on what the customer wrote; stored without emails and phone numbers unless the
    # owners chose to keep them (keep_pii).
    text, customer = data.text, data.customer
    if not ws.keep_pii:
        text, customer = mask_pii(text), mask_pii(customer) if customer else None
    return {
        "team_id": team_id,
        "source": data.source,
        "external_id": data.external_id,
        "text": text,
        "customer": customer,
        "rating": data.rating,
        "tags": list(data.tags),
        "polarity": mood.polarity,
        "subjectivity": mood.subjectivity,
        "label": label,
        "routed_rule": route.rule if route else None,
        "channel_id": route.channel_id if route else None,
        "escalation_channel_id": route.escalation_channel_id if route else None,
        "permalink": data.permalink,
        "state": NEW if post_cards else IMPORTED,
        "received_at": data.received_at or now,
        "created_at": now,
    }


class Intake:
    """Ingestion, one at a time (webhook, /feedback) or in batches (CSV import)."""

    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, postbox: Postbox
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._postbox = postbox
        postbox.on_sent(CARD_POSTED, CardPosted, self._card_posted)

    def ingest(
        self, team_id: str, data: FeedbackInput, *, post_cards: bool = True
    ) -> tuple[FeedbackItem, bool]:
        """Store, score, route and queue the card(s); the same (source, external_id) is stored once.

        With post_cards=False (importing history) the item is stored and scored for trends but gets no
        card and no reminders: state "imported".
        """
        data = validate_input(data)
        now = self._clock.now()
        with self._sessions.begin() as s:
            existing = repo.find(s, team_id, data.source, data.external_id)
            if existing is not None:
                return repo.to_item(existing), False
            ws = self._settings.get(team_id, s)
            values = prepare_row(
                team_id, ws, repo.load_rules(s, team_id), data, post_cards=post_cards, now=now
            )
            inserted = repo.insert_new(s, values)
            fb = repo.find(s, team_id, data.source, data.external_id)
            assert fb is not None
            if not inserted:  # a concurrent request stored it first
                return repo.to_item(fb), False
            repo.add_event(s, fb, None, "received", {"label": fb.label, "channel": fb.channel_id}, now)
            self._queue_cards(s, fb)
            return repo.to_item(fb), True

    def plan_import(self, team_id: str, *, post_cards: bool = False) -> ImportPlan:
        """Workspace settings and routing rules for a bulk import, read once rather than per row."""
        with self._sessions() as s:
            return ImportPlan(
                team_id, self._settings.get(team_id, s), repo.load_rules(s, team_id), post_cards
            )

    def ingest_batch(self, plan: ImportPlan, rows: Sequence[tuple[int, FeedbackInput]]) -> BatchResult:
        """Store many (line, input) pairs in one transaction: score in Python, one multi-row INSERT.

        Rows that fail validation are reported with their line; an existing (source, external_id), in
        the database or earlier in the batch, counts as a duplicate. Each row is all-or-nothing with its
        event and cards: if the database refuses the batch, each row is retried in its own savepoint
        so one bad row costs only itself.
        """
        result = BatchResult()
        now = self._clock.now()
        prepared: list[tuple[int, dict[str, Any]]] = []
        for line, data in rows:
            try:
                values = prepare_row(
                    plan.team_id, plan.settings, plan.rules, data, post_cards=plan.post_cards, now=now
                )
            except FeedbackInvalid as invalid:
                result.rejected.append((line, invalid.message))
                continue
            prepared.append((line, values))
        refused_before_insert = len(result.rejected)
        if not prepared:
            return result
        with self._sessions.begin() as s:
            try:
                with s.begin_nested():
                    result.imported = self._insert_rows(s, plan, [values for _, values in prepared])
            except (IntegrityError, DataError):  # about some row; an outage propagates instead
                for line, values in prepared:
                    try:
                        with s.begin_nested():
                            result.imported += self._insert_rows(s, plan, [values])
                    except (IntegrityError, DataError) as error:
                        reason = str(error.orig).strip().splitlines()[0][:200]
                        result.rejected.append((line, f"the database refused this row: {reason}"))
        result.duplicates = len(prepared) - result.imported - (len(result.rejected) - refused_before_insert)
        result.rejected.sort()
        return result

    def _insert_rows(self, s: Session, plan: ImportPlan, rows: list[dict[str, Any]]) -> int:
        """Store new rows with their events (and cards); how many were new."""
        stored = repo.insert_many(s, rows)
        if not stored:
            return 0
        repo.add_received_events(s, plan.team_id, stored, self._clock.now())
        if plan.post_cards:
            for fb in repo.by_ids(s, [fb_id for fb_id, _, _ in stored]):
                self._queue_cards(s, fb)
        return len(stored)

    def _queue_cards(self, s: Session, fb: Feedback) -> None:
        card = FeedbackCard(masked(repo.to_item(fb)))
        posts = [
            Post(
                to=channel,
                content=card,
                key=f"feedback-card:{fb.id}:{role}",
                receipt=CardPosted(feedback_id=fb.id, role=role),
            )
            for role, channel in ((MAIN, fb.channel_id), (ESCALATION, fb.escalation_channel_id))
            if channel is not None
        ]
        if posts:
            self._postbox.send(s, fb.team_id, *posts)

    def _card_posted(self, s: Session, receipt: CardPosted, sent: Sent) -> None:
        """Record where a card landed; post the full text in its thread; catch up on clicks made meanwhile."""
        fb = repo.by_id(s, receipt.feedback_id)
        if fb is None:
            return
        if receipt.role == MAIN:
            fb.channel_id, fb.ts = sent.channel, sent.ts
        else:
            fb.escalation_channel_id, fb.escalation_ts = sent.channel, sent.ts
        item = masked(repo.to_item(fb))
        if not fits_on_card(item.text):
            self._postbox.send(
                s,
                fb.team_id,
                Post(
                    to=sent.channel,
                    content=FullTextReply(item),
                    key=f"feedback-full:{fb.id}:{receipt.role}",
                    thread_ts=sent.ts,
                ),
            )
        if fb.state != NEW or fb.label_corrected_by is not None:
            queue_updates(self._postbox, s, fb, f"posted-{receipt.role}")
