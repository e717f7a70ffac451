"""Customer feedback relay: idempotent ingestion, scoring, routing, cards via the outbox, triage states."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain import sentiment
from bot.domain.errors import NotFound
from bot.domain.feedback import FeedbackInput, FeedbackInvalid, RuleInvalid, validate_input
from bot.domain.pii import mask_pii
from bot.domain.settings import DAYS, WorkspaceSettings
from bot.notify.outbox import Outbox
from bot.services.settings import SettingsService
from bot.views.feedback import FeedbackItem, feedback_card, follow_up_reminder, full_text_reply, sla_nudge
from storage.models import Feedback, FeedbackEvent, FeedbackNudge, FeedbackSource, OutboxMessage, RoutingRule

CARD_POSTED = "feedback.card_posted"
RULE_KINDS = ("source", "tag", "keyword")
MAIN = "main"
ESCALATION = "escalation"
IMPORTED = "imported"  # history from a CSV import: stored and scored, no card, no nudges
OPEN_STATES = ("new", "acknowledged", "taken")
MAX_RULES = 40  # two blocks each in the rules modal (Slack allows 100 blocks per view)
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,31}$")


@dataclass(frozen=True)
class Route:
    channel_id: str
    rule: str | None
    escalation_channel_id: str | None = None


@dataclass(frozen=True)
class Rule:
    """A routing rule as owners see it: feedback matching kind/pattern goes to channel_id."""

    id: int
    kind: str
    pattern: str
    channel_id: str
    position: int = 0


@dataclass(frozen=True)
class ImportPlan:
    """What a bulk import needs from the database, read once: the workspace settings and routing rules."""

    team_id: str
    settings: WorkspaceSettings
    rules: tuple[Rule, ...]
    post_cards: bool


@dataclass
class BatchResult:
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Change:
    item: FeedbackItem
    changed: bool
    events: list[str] = field(default_factory=list)


def choose_route(
    rules: Sequence[Rule], ws: WorkspaceSettings, data: FeedbackInput, label: str
) -> Route | None:
    """The first matching rule's channel (else the feedback channel); negatives also escalate."""
    channel, rule_text = ws.feedback_channel, None
    text = data.text.lower()
    for rule in rules:
        pattern = rule.pattern.lower()
        if (
            (rule.kind == "source" and data.source.lower() == pattern)
            or (rule.kind == "tag" and pattern in data.tags)
            or (rule.kind == "keyword" and pattern in text)
        ):
            channel, rule_text = rule.channel_id, f"{rule.kind} “{rule.pattern}”"
            break
    if channel is None:
        return None
    escalation = ws.escalation_channel if label == sentiment.NEGATIVE else None
    if escalation == channel:
        escalation = None
    return Route(channel_id=channel, rule=rule_text, escalation_channel_id=escalation)


def business_hours_between(start: datetime, end: datetime, ws: WorkspaceSettings) -> float:
    """Working hours (the workspace's days and hours, in its zone) between two instants."""
    if end <= start:
        return 0.0
    tz = ws.tz
    day = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    open_at, close_at = (time.fromisoformat(ws.work_start), time.fromisoformat(ws.work_end))
    total = 0.0
    while day <= last:
        if DAYS[day.weekday()] in ws.work_days:
            lo = max(start, datetime.combine(day, open_at, tz))
            hi = min(end, datetime.combine(day, close_at, tz))
            if hi > lo:
                total += (hi - lo).total_seconds() / 3600
        day += timedelta(days=1)
    return total


def _insert_new(session: Session, table: Any, values: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING; True if inserted (RETURNING: PostgreSQL reports rowcount -1)."""
    module = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(table).values(**values).on_conflict_do_nothing().returning(table.c.id)
    return session.execute(stmt).first() is not None


def _rule(row: RoutingRule) -> Rule:
    return Rule(
        id=row.id, kind=row.kind, pattern=row.pattern, channel_id=row.channel_id, position=row.position
    )


def _load_rules(s: Session, team_id: str) -> tuple[Rule, ...]:
    rows = s.scalars(
        select(RoutingRule)
        .where(RoutingRule.team_id == team_id)
        .order_by(RoutingRule.position, RoutingRule.id)
    ).all()
    return tuple(_rule(r) for r in rows)


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
        "state": "new" if post_cards else IMPORTED,
        "received_at": data.received_at or now,
        "created_at": now,
    }


def to_item(fb: Feedback) -> FeedbackItem:
    return FeedbackItem(
        id=fb.id,
        source=fb.source,
        text=fb.text,
        customer=fb.customer,
        rating=fb.rating,
        tags=tuple(fb.tags or ()),
        polarity=fb.polarity,
        label=fb.label,
        label_corrected_by=fb.label_corrected_by,
        rule=fb.routed_rule,
        state=fb.state,
        assignee=fb.assignee,
        resolution=fb.resolution,
        root_cause=fb.root_cause,
        permalink=fb.permalink,
    )


class FeedbackService:
    def __init__(
        self, sessions: sessionmaker[Session], clock: Clock, settings: SettingsService, outbox: Outbox
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._outbox = outbox
        outbox.on_sent(CARD_POSTED, self._card_posted)

    # Ingestion

    def ingest(
        self, team_id: str, data: FeedbackInput, *, post_cards: bool = True
    ) -> tuple[FeedbackItem, bool]:
        """Store, score, route and queue the card(s); the same (source, external_id) is stored once.

        With post_cards=False (importing history) the item is stored and scored for trends but gets no
        card and no nudges: state "imported".
        """
        data = validate_input(data)
        now = self._clock.now()
        with self._sessions.begin() as s:
            existing = self._find(s, team_id, data.source, data.external_id)
            if existing is not None:
                return to_item(existing), False
            ws = self._settings.get(team_id, s)
            values = prepare_row(team_id, ws, _load_rules(s, team_id), data, post_cards=post_cards, now=now)
            inserted = _insert_new(s, Feedback.__table__, values)
            fb = self._find(s, team_id, data.source, data.external_id)
            assert fb is not None
            if not inserted:  # a concurrent request stored it first
                return to_item(fb), False
            self._event(s, fb, None, "received", {"label": fb.label, "channel": fb.channel_id})
            self._queue_cards(s, fb)
            return to_item(fb), True

    def plan_import(self, team_id: str, *, post_cards: bool = False) -> ImportPlan:
        """EnvConfig and routing rules for a bulk import, read once rather than per row."""
        with self._sessions() as s:
            return ImportPlan(team_id, self._settings.get(team_id, s), _load_rules(s, team_id), post_cards)

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
        """INSERT … ON CONFLICT DO NOTHING … RETURNING for many rows, plus their events (and cards)."""
        table = Feedback.__table__
        module = postgresql if s.get_bind().dialect.name == "postgresql" else sqlite
        stmt = (
            module.insert(table)
            .on_conflict_do_nothing()
            .returning(table.c.id, table.c.label, table.c.channel_id)
        )
        stored = s.execute(stmt, rows).all()
        if not stored:
            return 0
        now = self._clock.now()
        s.execute(
            insert(FeedbackEvent),
            [
                {
                    "team_id": plan.team_id,
                    "feedback_id": fb_id,
                    "actor": None,
                    "kind": "received",
                    "detail": {"label": label, "channel": channel},
                    "created_at": now,
                }
                for fb_id, label, channel in stored
            ],
        )
        if plan.post_cards:
            for fb in s.scalars(select(Feedback).where(Feedback.id.in_([r[0] for r in stored]))):
                self._queue_cards(s, fb)
        return len(stored)

    def _queue_cards(self, s: Session, fb: Feedback) -> None:
        item = to_item(fb)
        for role, channel in ((MAIN, fb.channel_id), (ESCALATION, fb.escalation_channel_id)):
            if channel is not None:
                self._outbox.post_message(
                    s,
                    team_id=fb.team_id,
                    key=f"feedback-card:{fb.id}:{role}",
                    channel=channel,
                    message=feedback_card(item),
                    on_sent=CARD_POSTED,
                    unfurl_links=False,
                    unfurl_media=False,
                )

    def _card_posted(self, s: Session, message: OutboxMessage, response: dict[str, Any]) -> None:
        """Record where a card landed; post the full text in its thread; catch up on clicks made meanwhile."""
        _, feedback_id, role = message.dedupe_key.split(":")
        fb = s.get(Feedback, int(feedback_id))
        if fb is None:
            return
        channel, ts = str(response.get("channel") or message.payload["channel"]), str(response.get("ts"))
        if role == MAIN:
            fb.channel_id, fb.ts = channel, ts
        else:
            fb.escalation_channel_id, fb.escalation_ts = channel, ts
        item = to_item(fb)
        reply = full_text_reply(item)
        if reply is not None:
            self._outbox.post_message(
                s,
                team_id=fb.team_id,
                key=f"feedback-full:{fb.id}:{role}",
                channel=channel,
                message=reply,
                thread_ts=ts,
                unfurl_links=False,
            )
        if fb.state != "new" or fb.label_corrected_by is not None:
            self._queue_updates(s, fb, f"posted-{role}")

    # Triage

    def acknowledge(self, team_id: str, feedback_id: int, user_id: str) -> Change:
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state != "new":
                return Change(to_item(fb), False)
            fb.state = "acknowledged"
            return self._changed(s, fb, user_id, "acknowledged", None)

    def take(self, team_id: str, feedback_id: int, user_id: str) -> Change:
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state == "resolved" or (fb.state == "taken" and fb.assignee == user_id):
                return Change(to_item(fb), False)
            fb.state, fb.assignee = "taken", user_id
            return self._changed(s, fb, user_id, "taken", None)

    def resolve(
        self, team_id: str, feedback_id: int, user_id: str, resolution: str, root_cause: str | None
    ) -> Change:
        resolution = (resolution or "").strip()
        if not resolution:
            raise FeedbackInvalid("Please say how it was resolved.")
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.state == "resolved":
                return Change(to_item(fb), False)
            fb.state, fb.resolved_at = "resolved", self._clock.now()
            fb.resolution = resolution[:3000]
            fb.root_cause = (root_cause or "").strip().lower()[:64] or None
            fb.assignee = fb.assignee or user_id
            return self._changed(s, fb, user_id, "resolved", {"root_cause": fb.root_cause})

    def correct_label(self, team_id: str, feedback_id: int, user_id: str, label: str) -> Change:
        if label not in sentiment.LABELS:
            raise FeedbackInvalid(f"Unknown label {label!r}.")
        with self._sessions.begin() as s:
            fb = self._get(s, team_id, feedback_id)
            if fb.label == label:
                return Change(to_item(fb), False)
            previous, fb.label = fb.label, label
            fb.label_corrected_by, fb.label_corrected_at = user_id, self._clock.now()
            return self._changed(s, fb, user_id, "relabelled", {"from": previous, "to": label})

    def is_card(self, team_id: str, channel_id: str, ts: str) -> bool:
        """Whether this message is one of our feedback cards (main or escalated copy)."""
        with self._sessions() as s:
            return self._card(s, team_id, channel_id, ts) is not None

    def record_response(self, team_id: str, channel_id: str, thread_ts: str, user_id: str, how: str) -> bool:
        """A reply or reaction on a card counts as the first response; True if it was the first."""
        with self._sessions.begin() as s:
            fb = self._card(s, team_id, channel_id, thread_ts)
            if fb is None or fb.first_response_at is not None:
                return False
            fb.first_response_at = self._clock.now()
            self._event(s, fb, user_id, "responded", {"how": how})
            return True

    def get(self, team_id: str, feedback_id: int) -> FeedbackItem:
        with self._sessions.begin() as s:
            return to_item(self._get(s, team_id, feedback_id))

    def events(self, team_id: str, feedback_id: int) -> list[tuple[str | None, str]]:
        with self._sessions.begin() as s:
            rows = s.scalars(
                select(FeedbackEvent)
                .where(FeedbackEvent.team_id == team_id, FeedbackEvent.feedback_id == feedback_id)
                .order_by(FeedbackEvent.id)
            ).all()
            return [(e.actor, e.kind) for e in rows]

    # Reminders (run by jobs/feedback.py)

    def send_nudges(self) -> int:
        """Nudge untouched negative feedback past its SLA (once per stage) and follow up resolved items.

        Nothing is sent in a workspace's quiet hours; the unique (feedback, stage) row is the claim, so
        several processes running this at once send each reminder once.
        """
        now = self._clock.now()
        horizon = now - timedelta(days=60)
        sent = 0
        with self._sessions.begin() as s:
            overdue = s.scalars(
                select(Feedback).where(
                    Feedback.label == sentiment.NEGATIVE,
                    Feedback.first_response_at.is_(None),
                    Feedback.state.in_(OPEN_STATES),
                    Feedback.created_at >= horizon,
                )
            ).all()
            resolved = s.scalars(
                select(Feedback).where(
                    Feedback.state == "resolved",
                    Feedback.resolved_at >= horizon,
                    Feedback.assignee.is_not(None),
                )
            ).all()
            cache: dict[str, WorkspaceSettings] = {}
            for fb in [*overdue, *resolved]:
                ws = cache.get(fb.team_id) or cache.setdefault(fb.team_id, self._settings.get(fb.team_id, s))
                if not ws.is_working_time(now):
                    continue
                if fb.state == "resolved":
                    sent += self._follow_up(s, fb, ws, now)
                else:
                    sent += self._sla_nudge(s, fb, ws, now)
        return sent

    def _claim(self, s: Session, fb: Feedback, stage: str, now: datetime) -> bool:
        return _insert_new(
            s,
            FeedbackNudge.__table__,
            {"team_id": fb.team_id, "feedback_id": fb.id, "stage": stage, "sent_at": now},
        )

    def _sla_nudge(self, s: Session, fb: Feedback, ws: WorkspaceSettings, now: datetime) -> int:
        hours = business_hours_between(fb.created_at, now, ws)
        if ws.sla_hours <= 0 or hours < ws.sla_hours:
            return 0
        stage = 2 if hours >= 2 * ws.sla_hours else 1
        if not self._claim(s, fb, f"sla-{stage}", now) or fb.channel_id is None:
            return 0
        self._outbox.post_message(
            s,
            team_id=fb.team_id,
            key=f"feedback-nudge:{fb.id}:sla-{stage}",
            channel=fb.channel_id,
            message=sla_nudge(to_item(fb), hours, stage),
            **({"thread_ts": fb.ts} if fb.ts else {}),
        )
        return 1

    def _follow_up(self, s: Session, fb: Feedback, ws: WorkspaceSettings, now: datetime) -> int:
        if (
            fb.resolved_at is None
            or fb.assignee is None
            or now < fb.resolved_at + timedelta(days=ws.follow_up_days)
        ):
            return 0
        if not self._claim(s, fb, "follow-up", now):
            return 0
        self._outbox.post_message(
            s,
            team_id=fb.team_id,
            key=f"feedback-nudge:{fb.id}:follow-up",
            channel=fb.assignee,
            message=follow_up_reminder(to_item(fb)),
        )
        return 1

    # Routing rules and sources

    def list_rules(self, team_id: str) -> list[Rule]:
        """The workspace's routing rules in the order they are tried."""
        with self._sessions() as s:
            return list(_load_rules(s, team_id))

    def add_rule(
        self, team_id: str, kind: str, pattern: str, channel_id: str, position: int | None = None
    ) -> Rule:
        """Add a rule; without a position it is tried after the existing ones."""
        if kind not in RULE_KINDS:
            raise RuleInvalid("kind", f"A rule matches one of: {', '.join(RULE_KINDS)}.")
        pattern = (pattern or "").strip()
        if not pattern or len(pattern) > 255:
            raise RuleInvalid("pattern", "A rule needs a source, tag or keyword of 1 to 255 characters.")
        if not _CHANNEL.match(channel_id or ""):
            raise RuleInvalid("channel", "Pick the channel that matching feedback goes to.")
        with self._sessions.begin() as s:
            existing = _load_rules(s, team_id)
            if len(existing) >= MAX_RULES:
                raise RuleInvalid("pattern", f"A workspace has at most {MAX_RULES} routing rules.")
            if position is None:
                position = max((r.position for r in existing), default=-1) + 1
            row = RoutingRule(
                team_id=team_id,
                kind=kind,
                pattern=pattern,
                channel_id=channel_id,
                position=position,
            )
            s.add(row)
            s.flush()
            return _rule(row)

    def move_rule_up(self, team_id: str, rule_id: int) -> bool:
        """Try this rule one place earlier; False if it is already first (or not this workspace's)."""
        with self._sessions.begin() as s:
            rows = list(
                s.scalars(
                    select(RoutingRule)
                    .where(RoutingRule.team_id == team_id)
                    .order_by(RoutingRule.position, RoutingRule.id)
                    .with_for_update()
                )
            )
            at = next((i for i, r in enumerate(rows) if r.id == rule_id), None)
            if not at:
                return False
            rows[at - 1], rows[at] = rows[at], rows[at - 1]
            for position, row in enumerate(rows):
                row.position = position
            return True

    def delete_rule(self, team_id: str, rule_id: int) -> bool:
        """Remove one of this workspace's rules; False if it was already gone (or another workspace's)."""
        with self._sessions.begin() as s:
            deleted = s.execute(
                delete(RoutingRule)
                .where(RoutingRule.team_id == team_id, RoutingRule.id == rule_id)
                .returning(RoutingRule.id)
            ).first()
            return deleted is not None

    def add_source(self, team_id: str, name: str) -> tuple[str, str]:
        """Create a webhook source; returns (secret, token), shown once."""
        name = name.strip()
        if not name or len(name) > 64:
            raise FeedbackInvalid("A source name has 1 to 64 characters.")
        secret, token = secrets.token_hex(32), secrets.token_urlsafe(32)
        inserted = False
        with self._sessions.begin() as s:
            inserted = _insert_new(
                s,
                FeedbackSource.__table__,
                {
                    "team_id": team_id,
                    "name": name,
                    "secret": secret,
                    "token": token,
                    "created_at": self._clock.now(),
                },
            )
        if not inserted:
            raise FeedbackInvalid(f"A source named {name!r} already exists.")
        return secret, token

    def source(self, name: str) -> FeedbackSource | None:
        """The webhook source with this name (detached; read-only use)."""
        with self._sessions() as s:
            src = s.scalars(select(FeedbackSource).where(FeedbackSource.name == name)).first()
            if src is not None:
                s.expunge(src)
            return src

    # Internals

    def _find(self, s: Session, team_id: str, source: str, external_id: str) -> Feedback | None:
        return s.scalars(
            select(Feedback).where(
                Feedback.team_id == team_id, Feedback.source == source, Feedback.external_id == external_id
            )
        ).first()

    def _card(self, s: Session, team_id: str, channel_id: str, ts: str) -> Feedback | None:
        return s.scalars(
            select(Feedback).where(
                Feedback.team_id == team_id,
                or_(
                    (Feedback.channel_id == channel_id) & (Feedback.ts == ts),
                    (Feedback.escalation_channel_id == channel_id) & (Feedback.escalation_ts == ts),
                ),
            )
        ).first()

    def _get(self, s: Session, team_id: str, feedback_id: int) -> Feedback:
        fb = s.get(Feedback, feedback_id)
        if fb is None or fb.team_id != team_id:
            raise NotFound("That feedback no longer exists.")
        return fb

    def _event(
        self, s: Session, fb: Feedback, actor: str | None, kind: str, detail: dict[str, Any] | None
    ) -> int:
        event = FeedbackEvent(
            team_id=fb.team_id,
            feedback_id=fb.id,
            actor=actor,
            kind=kind,
            detail=detail,
            created_at=self._clock.now(),
        )
        s.add(event)
        s.flush()
        return event.id

    def _changed(
        self, s: Session, fb: Feedback, user_id: str, kind: str, detail: dict[str, Any] | None
    ) -> Change:
        if fb.first_response_at is None and kind != "relabelled":
            fb.first_response_at = self._clock.now()
        event_id = self._event(s, fb, user_id, kind, detail)
        self._queue_updates(s, fb, str(event_id))
        return Change(to_item(fb), True, [kind])

    def _queue_updates(self, s: Session, fb: Feedback, key: str) -> None:
        card = feedback_card(to_item(fb)).as_kwargs()
        for role, channel, ts in (
            (MAIN, fb.channel_id, fb.ts),
            (ESCALATION, fb.escalation_channel_id, fb.escalation_ts),
        ):
            if channel and ts:
                self._outbox.enqueue(
                    s,
                    team_id=fb.team_id,
                    key=f"feedback-update:{fb.id}:{role}:{key}",
                    method="chat.update",
                    payload={"channel": channel, "ts": ts, **card},
                )
