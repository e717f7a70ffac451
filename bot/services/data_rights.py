"""A workspace's data on request: export it all, forget one customer, forget one person.

The export can never link a respondent to an answer: it has who was asked (per survey) and the answers
(without ids, tokens or order), but not participation hashes. Forgetting a person removes what names
them; their anonymous answers stay as totals because nobody, this code included, can tell which they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.notify.outbox import Outbox
from bot.services.pulse import PulseService
from storage.models import (
    Feedback,
    FeedbackEvent,
    FeedbackSource,
    Kudos,
    KudosPlusOne,
    KudosRecipient,
    OutboxMessage,
    RoutingRule,
    SpeakupConversation,
    SpeakupMessage,
    Survey,
    SurveyInvitee,
    SurveyParticipation,
    SurveyResponse,
    WorkspaceSetting,
)
from storage.repositories.common import affected_rows


@dataclass(frozen=True)
class Forgotten:
    what: str
    counts: dict[str, int]

    def __str__(self) -> str:
        done = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"Forgot {self.what}: {done}."


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(
    s: Session, model: Any, *where: Any, exclude: tuple[str, ...] = (), order: Any = None
) -> list[dict]:
    table = model.__table__
    columns = [c for c in table.c if c.name not in exclude]
    query = select(*columns).where(*where)
    if order is not None:
        query = query.order_by(*order)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in s.execute(query)]


class DataRights:
    def __init__(self, sessions: sessionmaker[Session], pulse: PulseService, outbox: Outbox) -> None:
        self._sessions = sessions
        self._pulse = pulse
        self._outbox = outbox

    def export(self, team_id: str) -> dict[str, Any]:
        with self._sessions.begin() as s:
            surveys = select(Survey.id).where(Survey.team_id == team_id)
            feedback_ids = select(Feedback.id).where(Feedback.team_id == team_id)
            return {
                "team_id": team_id,
                "settings": _rows(s, WorkspaceSetting, WorkspaceSetting.team_id == team_id),
                "feedback": _rows(s, Feedback, Feedback.team_id == team_id, order=(Feedback.id,)),
                "feedback_events": _rows(
                    s, FeedbackEvent, FeedbackEvent.feedback_id.in_(feedback_ids), order=(FeedbackEvent.id,)
                ),
                "routing_rules": _rows(s, RoutingRule, RoutingRule.team_id == team_id),
                "feedback_sources": _rows(
                    s, FeedbackSource, FeedbackSource.team_id == team_id, exclude=("secret", "token")
                ),
                "kudos": _rows(s, Kudos, Kudos.team_id == team_id, order=(Kudos.id,)),
                "kudos_recipients": _rows(
                    s, KudosRecipient, KudosRecipient.team_id == team_id, order=(KudosRecipient.id,)
                ),
                "kudos_plus_ones": _rows(
                    s, KudosPlusOne, KudosPlusOne.team_id == team_id, order=(KudosPlusOne.id,)
                ),
                "pulse_surveys": _rows(s, Survey, Survey.team_id == team_id, order=(Survey.id,)),
                "pulse_invitees": _rows(s, SurveyInvitee, SurveyInvitee.survey_id.in_(surveys)),
                # Answers without id, token or stored order: sorted by content, so the export cannot be
                # lined up with anything else.
                "pulse_responses": sorted(
                    _rows(
                        s, SurveyResponse, SurveyResponse.survey_id.in_(surveys), exclude=("id", "token_hash")
                    ),
                    key=lambda r: (r["survey_id"], repr(sorted(r["answers"].items())), repr(r["comments"])),
                ),
                # Speak up without the sealed sender: conversations and their messages, nothing to link.
                "speakup_conversations": _rows(
                    s,
                    SpeakupConversation,
                    SpeakupConversation.team_id == team_id,
                    exclude=("sender_box",),
                    order=(SpeakupConversation.id,),
                ),
                "speakup_messages": _rows(
                    s,
                    SpeakupMessage,
                    SpeakupMessage.team_id == team_id,
                    exclude=("relay_after",),
                    order=(SpeakupMessage.id,),
                ),
                "pulse_participation_counts": {
                    str(k): v
                    for k, v in s.execute(
                        select(SurveyParticipation.survey_id, func.count())
                        .where(SurveyParticipation.survey_id.in_(surveys))
                        .group_by(SurveyParticipation.survey_id)
                    )
                },
            }

    def forget_customer(self, team_id: str, ref: str) -> Forgotten:
        """Delete every feedback item whose customer or external id is `ref` (case-insensitive)."""
        needle = ref.strip().lower()
        with self._sessions.begin() as s:
            ids = list(
                s.scalars(
                    select(Feedback.id).where(
                        Feedback.team_id == team_id,
                        or_(
                            func.lower(Feedback.customer) == needle,
                            func.lower(Feedback.external_id) == needle,
                        ),
                    )
                )
            )
            if ids:
                s.execute(delete(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(ids)))
                s.execute(delete(Feedback).where(Feedback.id.in_(ids)))
                _scrub_outbox(s, team_id, [f"feedback-%:{i}:%" for i in ids])
        return Forgotten(f"customer {ref!r}", {"feedback item(s)": len(ids)})

    def forget_user(self, team_id: str, user_id: str) -> Forgotten:
        """Remove what names a person: survey invitations, participation, attributed answers, their DMs."""
        with self._sessions.begin() as s:
            surveys = list(s.scalars(select(Survey.id).where(Survey.team_id == team_id)))
            hashes = [self._pulse.participant_hash(team_id, sid, user_id) for sid in surveys]
            participation = affected_rows(
                s,
                delete(SurveyParticipation).where(
                    SurveyParticipation.survey_id.in_(surveys), SurveyParticipation.participant.in_(hashes)
                ),
            )
            invitations = affected_rows(
                s,
                delete(SurveyInvitee).where(
                    SurveyInvitee.survey_id.in_(surveys), SurveyInvitee.user_id == user_id
                ),
            )
            attributed = affected_rows(
                s,
                delete(SurveyResponse).where(
                    SurveyResponse.survey_id.in_(surveys), SurveyResponse.respondent_id == user_id
                ),
            )
            kudos = self._forget_kudos(s, team_id, user_id)
            messages = _scrub_outbox(s, team_id, [f"%:{user_id}", f"%:{user_id}:%"])
        return Forgotten(
            f"user {user_id}",
            {
                "kudos given or received": kudos,
                "survey invitation(s)": invitations,
                "participation record(s)": participation,
                "attributed answer(s)": attributed,
                "queued or sent message(s) to them": messages,
            },
        )

    def _forget_kudos(self, s: Session, team_id: str, user_id: str) -> int:
        """Kudos they gave, their place among receivers (a kudos left with nobody goes), their +1s.

        Cards already in the kudos channel are deleted there too, through the outbox.
        """
        s.execute(
            delete(KudosPlusOne).where(KudosPlusOne.team_id == team_id, KudosPlusOne.user_id == user_id)
        )
        received = affected_rows(
            s,
            delete(KudosRecipient).where(
                KudosRecipient.team_id == team_id, KudosRecipient.receiver == user_id
            ),
        )
        emptied = select(Kudos.id).where(
            Kudos.team_id == team_id,
            ~Kudos.id.in_(select(KudosRecipient.kudos_id).where(KudosRecipient.team_id == team_id)),
        )
        doomed = s.scalars(
            select(Kudos).where(Kudos.team_id == team_id, or_(Kudos.giver == user_id, Kudos.id.in_(emptied)))
        ).all()
        for kudos in doomed:
            if kudos.card_channel and kudos.card_ts:
                self._outbox.enqueue(
                    s,
                    team_id=team_id,
                    key=f"kudos-card-forget:{kudos.id}",
                    method="chat.delete",
                    payload={"channel": kudos.card_channel, "ts": kudos.card_ts},
                )
            s.execute(delete(KudosPlusOne).where(KudosPlusOne.kudos_id == kudos.id))
            s.execute(delete(KudosRecipient).where(KudosRecipient.kudos_id == kudos.id))
            s.delete(kudos)
        return received + sum(1 for k in doomed if k.giver == user_id)


def _scrub_outbox(s: Session, team_id: str, key_patterns: list[str]) -> int:
    """Empty the payload of outbox rows whose key matches; pending ones are given up (status dead)."""
    matches = or_(*(OutboxMessage.dedupe_key.like(p) for p in key_patterns))
    s.execute(
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, matches, OutboxMessage.status == "pending")
        .values(status="dead", last_error="forgotten on request")
    )
    return affected_rows(
        s,
        update(OutboxMessage)
        .where(OutboxMessage.team_id == team_id, matches, cast(OutboxMessage.payload, String) != "{}")
        .values(payload={}, result={}),
    )
