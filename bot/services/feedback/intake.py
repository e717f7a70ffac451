"""Intake of customer feedback: validate, judge, route and store it once, then post its card(s).

Every item is labelled through the workspace's SentimentModelService (the customer's rating first, the
learned model once it earned its place, else the base scorer); rated items are queued for learning, which
happens off the request path (`learn_pending`, run by a job and after each CSV batch).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
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
    RatingRefused,
    Rule,
    choose_route,
    fits_on_card,
    masked,
    validate_input,
)
from bot.domain.outgoing import Post, Sent
from bot.domain.pii import mask_pii
from bot.domain.ratings import RatingInvalid, RatingScale, parse_scale
from bot.domain.sentiment import FROM_RATING, Judgement, Thresholds
from bot.domain.settings import WorkspaceSettings
from bot.services.feedback.triage import queue_updates
from bot.services.ports import Postbox
from bot.services.sentiment_model import SentimentModelService
from bot.services.settings import SettingsService
from storage.models import Feedback
from storage.repositories import feedback as repo

log = logging.getLogger(__name__)

CARD_POSTED = "feedback.card_posted"
# The settings' defaults for the positive/negative thresholds; an owner's change shifts the scorer's own.
_DEFAULT_WS = WorkspaceSettings()


def thresholds_for(ws: WorkspaceSettings) -> Thresholds:
    """How sure before labelling, for this workspace: the owners' settings move the scorer's thresholds
    by as much as they moved theirs from the defaults."""
    base = Thresholds()
    return Thresholds(
        positive=base.positive + ws.positive_threshold - _DEFAULT_WS.positive_threshold,
        negative=base.negative + ws.negative_threshold - _DEFAULT_WS.negative_threshold,
        min_confidence=base.min_confidence,
        language_certainty=base.language_certainty,
    )


def scale_of(data: FeedbackInput, declared: str | None) -> RatingScale | None:
    """The item's rating scale: its own, else its source's; RatingRefused for an unknown one."""
    name = data.rating_scale or declared
    if data.rating is None or not name:
        return None
    try:
        return parse_scale(name)
    except RatingInvalid as invalid:
        raise RatingRefused(invalid.field, invalid.message) from None


def refused(invalid: RatingInvalid) -> RatingRefused:
    return RatingRefused(invalid.field, invalid.message)


def judgement_columns(judgement: Judgement) -> dict[str, Any]:
    """A judgement as the Feedback row stores it (label, where it came from, the words' scores)."""
    return {
        "polarity": judgement.polarity,
        "subjectivity": judgement.subjectivity,
        "label": judgement.label,
        "label_source": judgement.source,
        "label_reason": judgement.reason[:255],
        "disagreement": judgement.disagreement,
        "learn_pending": judgement.source == FROM_RATING,
    }


def prepare_row(
    team_id: str,
    ws: WorkspaceSettings,
    rules: Sequence[Rule],
    data: FeedbackInput,
    judgement: Judgement,
    *,
    post_cards: bool,
    now: datetime,
) -> dict[str, Any]:
    """Route one validated, judged input: the Feedback row's column values, or FeedbackInvalid."""
    label = judgement.label
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
        **judgement_columns(judgement),
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
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        postbox: Postbox,
        judge: SentimentModelService,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._postbox = postbox
        self._judge = judge
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
            judgement = self._judged(s, team_id, ws, data)
            values = prepare_row(
                team_id, ws, repo.load_rules(s, team_id), data, judgement, post_cards=post_cards, now=now
            )
            inserted = repo.insert_new(s, values)
            fb = repo.find(s, team_id, data.source, data.external_id)
            assert fb is not None
            if not inserted:  # a concurrent request stored it first
                return repo.to_item(fb), False
            repo.add_event(s, fb, None, "received", {"label": fb.label, "channel": fb.channel_id}, now)
            self._queue_cards(s, fb)
            return repo.to_item(fb), True

    def revise(self, team_id: str, data: FeedbackInput) -> bool:
        """A vendor's later version of a stored item (Delighted's survey_response.updated carries the
        comment): new text, rating, customer, tags and link, judged again exactly as at intake unless a
        person corrected the label, and its posted cards redrawn. False when nothing changed or the item
        is not stored."""
        data = validate_input(data)
        with self._sessions.begin() as s:
            fb = repo.find(s, team_id, data.source, data.external_id)
            if fb is None:
                return False
            ws = self._settings.get(team_id, s)
            text, customer = data.text, data.customer
            if not ws.keep_pii:
                text, customer = mask_pii(text), mask_pii(customer) if customer else None
            if text == fb.text and data.rating == fb.rating:
                return False
            values: dict[str, Any] = {"text": text, "rating": data.rating}
            if customer:
                values["customer"] = customer
            if data.tags:
                values["tags"] = list(dict.fromkeys([*(fb.tags or []), *data.tags]))
            if data.permalink:
                values["permalink"] = data.permalink
            if fb.label_corrected_by is None:
                values.update(judgement_columns(self._judged(s, team_id, ws, data)))
            repo.revise(s, fb, values, self._clock.now())
            version = hashlib.sha256(f"{text}\x1f{data.rating}".encode()).hexdigest()[:16]
            queue_updates(self._postbox, s, fb, f"revised-{version}")
            return True

    def _judged(self, s: Session, team_id: str, ws: WorkspaceSettings, data: FeedbackInput) -> Judgement:
        """The customer's rating (on its or its source's scale) first, then the words; RatingRefused when
        the rating is not on its scale."""
        scale = scale_of(data, repo.source_scale(s, team_id, data.source))
        try:
            return self._judge.judge(
                team_id, data.text, data.rating, scale, session=s, thresholds=thresholds_for(ws)
            )
        except RatingInvalid as invalid:
            raise refused(invalid) from None

    def plan_import(self, team_id: str, *, post_cards: bool = False) -> ImportPlan:
        """Workspace settings and routing rules for a bulk import, read once rather than per row."""
        with self._sessions() as s:
            return ImportPlan(
                team_id,
                self._settings.get(team_id, s),
                repo.load_rules(s, team_id),
                post_cards,
                repo.source_scales(s, team_id),
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
        valid: list[tuple[int, FeedbackInput, RatingScale | None]] = []
        for line, data in rows:
            try:
                data = validate_input(data)
                valid.append((line, data, scale_of(data, plan.scales.get(data.source))))
            except FeedbackInvalid as invalid:
                result.rejected.append((line, invalid.message))
        judged = self._judge.judge_many(
            plan.team_id,
            [(data.text, data.rating, scale) for _, data, scale in valid],
            thresholds=thresholds_for(plan.settings),
        )
        judgements: list[Judgement] = []
        for (line, data, _), judgement in zip(valid, judged, strict=True):
            try:
                if isinstance(judgement, RatingInvalid):
                    raise refused(judgement)
                values = prepare_row(
                    plan.team_id,
                    plan.settings,
                    plan.rules,
                    data,
                    judgement,
                    post_cards=plan.post_cards,
                    now=now,
                )
            except FeedbackInvalid as invalid:
                result.rejected.append((line, invalid.message))
                continue
            prepared.append((line, values))
            judgements.append(judgement)
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
        rated = {
            (values["source"], values["external_id"]): (values, judgement)
            for (_, values), judgement in zip(prepared, judgements, strict=True)
            if values["learn_pending"]
        }
        if rated:  # history with ratings trains the model before the bot goes live
            self._learn_batch(plan.team_id, rated)
        return result

    def _learn_batch(
        self, team_id: str, rated: dict[tuple[str, str], tuple[dict[str, Any], Judgement]]
    ) -> None:
        """Learn a committed batch's rated items in one model update, reusing their judgements (their
        words are not scored twice)."""
        with self._sessions.begin() as s:
            stored = repo.pending_in_batch(s, team_id, list(rated))
            examples, judged = [], []
            for key, (_, example) in stored.items():
                if example is None:
                    continue
                values, judgement = rated[key]
                examples.append(example)
                judged.append(judgement if values["text"] == example.text else None)
            self._judge.learn_many(team_id, examples, session=s, judged=judged)
            repo.clear_pending(s, [fb_id for fb_id, _ in stored.values()])
        self._judge.forget_cached(team_id)

    def learn_pending(self, team_id: str | None = None, batch: int = 2_000) -> int:
        """Teach each workspace's model its rated and corrected items not learned yet, a batch at a time
        (one model update per batch); run after commit, never inside a request's transaction."""
        learned = 0
        teams = [team_id] if team_id is not None else self._pending_teams()
        for team in teams:
            try:
                learned += self._learn_team(team, batch)
            except Exception:  # one workspace's failure must not stop the others' learning
                log.exception("Learning the labels of workspace %s failed; retried on the next run", team)
        return learned

    def _learn_team(self, team: str, batch: int) -> int:
        learned = 0
        while True:
            with self._sessions.begin() as s:
                items = repo.pending_examples(s, team, batch)
                if not items:
                    return learned
                examples = [example for _, example in items if example is not None]
                self._judge.learn_many(team, examples, session=s)
                repo.clear_pending(s, [fb_id for fb_id, _ in items])
            self._judge.forget_cached(team)
            learned += len(items)
            if len(items) < batch:
                return learned

    def _pending_teams(self) -> list[str]:
        with self._sessions() as s:
            return repo.teams_with_pending(s)

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
