"""Queries behind the data rights: a workspace's export, and deleting what names a customer or a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, cast, delete, func, null, or_, select, union, update
from sqlalchemy.orm import Session

from storage.models import (
    AwayRow,
    DirectoryPerson,
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
from storage.repositories.sources import with_kept_delivery


@dataclass(frozen=True)
class ForgottenKudos:
    """A kudos removed because it names a forgotten person, and where its card is (if posted)."""

    id: int
    giver: str
    card_channel: str | None
    card_ts: str | None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


# Never exported: how webhook senders authenticate (plain legacy values, hash, sealed secret).
SOURCE_SECRETS = ("secret", "token", "token_hash", "secret_sealed")


def _rows(
    s: Session, model: Any, *where: Any, exclude: tuple[str, ...] = (), order: Any = None
) -> list[dict]:
    table = model.__table__
    columns = [c for c in table.c if c.name not in exclude]
    query = select(*columns).where(*where)
    if order is not None:
        query = query.order_by(*order)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in s.execute(query)]


def export(s: Session, team_id: str) -> dict[str, Any]:
    """Every table's rows of a workspace, as JSON-ready dicts; never a respondent-answer link."""
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
            s, FeedbackSource, FeedbackSource.team_id == team_id, exclude=SOURCE_SECRETS
        ),
        "kudos": _rows(s, Kudos, Kudos.team_id == team_id, order=(Kudos.id,)),
        "kudos_recipients": _rows(
            s, KudosRecipient, KudosRecipient.team_id == team_id, order=(KudosRecipient.id,)
        ),
        "kudos_plus_ones": _rows(s, KudosPlusOne, KudosPlusOne.team_id == team_id, order=(KudosPlusOne.id,)),
        "pulse_surveys": _rows(s, Survey, Survey.team_id == team_id, order=(Survey.id,)),
        "pulse_invitees": _rows(s, SurveyInvitee, SurveyInvitee.survey_id.in_(surveys)),
        # Answers without id, token or stored order: sorted by content, so the export cannot be lined
        # up with anything else.
        "pulse_responses": sorted(
            _rows(s, SurveyResponse, SurveyResponse.survey_id.in_(surveys), exclude=("id", "token_hash")),
            key=lambda r: (r["survey_id"], repr(sorted(r["answers"].items())), repr(r["comments"])),
        ),
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


def customer_feedback_ids(s: Session, team_id: str, needle: str) -> list[int]:
    """Feedback whose customer or external id is `needle` (already lower-cased)."""
    return list(
        s.scalars(
            select(Feedback.id).where(
                Feedback.team_id == team_id,
                or_(func.lower(Feedback.customer) == needle, func.lower(Feedback.external_id) == needle),
            )
        )
    )


def clear_kept_deliveries(s: Session, team_id: str) -> int:
    """Drop every kept last delivery of the workspace's sources. A payload can name a person in ways no
    search finds (JSON escapes, a name split over fields), and it is only a diagnostic: all of it goes."""
    sources = with_kept_delivery(s, team_id)
    for source in sources:
        source.last_delivery = None
    return len(sources)


def delete_feedback(s: Session, ids: Sequence[int]) -> None:
    s.execute(delete(FeedbackEvent).where(FeedbackEvent.feedback_id.in_(ids)))
    s.execute(delete(Feedback).where(Feedback.id.in_(ids)))


def survey_ids(s: Session, team_id: str) -> list[int]:
    return list(s.scalars(select(Survey.id).where(Survey.team_id == team_id)))


def forget_survey_person(
    s: Session, surveys: Sequence[int], user_id: str, participant_hashes: Sequence[str]
) -> tuple[int, int, int]:
    """Delete a person's participation records, invitations and attributed answers: their counts.

    The stored figures (counts and aggregates computed at close) of the surveys this person answered are
    cleared first (an invitation counts in none: the invited count is the survey's own), so that no
    figure outlives the answers and counts it came from: they are computed again on first read, and the
    thresholds apply to what is left. Those rows are locked in id order; readers computing figures never
    wait for a lock (see pulse_results.lock_figures), so a forget cannot deadlock with them."""
    took_part = SurveyParticipation.participant.in_(participant_hashes)
    in_surveys = (
        select(SurveyParticipation.survey_id).where(SurveyParticipation.survey_id.in_(surveys), took_part),
        select(SurveyResponse.survey_id).where(
            SurveyResponse.survey_id.in_(surveys), SurveyResponse.respondent_id == user_id
        ),
    )
    touched = union(*in_surveys)
    theirs = list(
        s.scalars(select(Survey.id).where(Survey.id.in_(touched)).order_by(Survey.id).with_for_update())
    )
    if theirs:
        s.execute(
            update(Survey)
            .where(Survey.id.in_(theirs))
            .values(figures=null(), enps_score=None, enps_answers=None)
            .execution_options(synchronize_session=False)
        )
    participation = affected_rows(
        s,
        delete(SurveyParticipation).where(
            SurveyParticipation.survey_id.in_(surveys),
            SurveyParticipation.participant.in_(participant_hashes),
        ),
    )
    invitations = affected_rows(
        s, delete(SurveyInvitee).where(SurveyInvitee.survey_id.in_(surveys), SurveyInvitee.user_id == user_id)
    )
    attributed = affected_rows(
        s,
        delete(SurveyResponse).where(
            SurveyResponse.survey_id.in_(surveys), SurveyResponse.respondent_id == user_id
        ),
    )
    return participation, invitations, attributed


def forget_person_profile(s: Session, team_id: str, user_id: str) -> int:
    """The person's row in the people directory (names, time zone) and their survey snooze."""
    return affected_rows(
        s,
        delete(DirectoryPerson).where(DirectoryPerson.team_id == team_id, DirectoryPerson.user_id == user_id),
    ) + affected_rows(s, delete(AwayRow).where(AwayRow.team_id == team_id, AwayRow.user_id == user_id))


def forget_kudos_person(s: Session, team_id: str, user_id: str) -> tuple[int, list[ForgottenKudos]]:
    """Remove a person's +1s and their place among receivers, then the kudos they gave and those left
    with nobody to receive them. Returns how many receiver places went, and the kudos removed."""
    s.execute(delete(KudosPlusOne).where(KudosPlusOne.team_id == team_id, KudosPlusOne.user_id == user_id))
    received = affected_rows(
        s, delete(KudosRecipient).where(KudosRecipient.team_id == team_id, KudosRecipient.receiver == user_id)
    )
    emptied = select(Kudos.id).where(
        Kudos.team_id == team_id,
        ~Kudos.id.in_(select(KudosRecipient.kudos_id).where(KudosRecipient.team_id == team_id)),
    )
    doomed = [
        ForgottenKudos(k.id, k.giver, k.card_channel, k.card_ts)
        for k in s.scalars(
            select(Kudos).where(Kudos.team_id == team_id, or_(Kudos.giver == user_id, Kudos.id.in_(emptied)))
        )
    ]
    ids = [k.id for k in doomed]
    if ids:
        s.execute(delete(KudosPlusOne).where(KudosPlusOne.kudos_id.in_(ids)))
        s.execute(delete(KudosRecipient).where(KudosRecipient.kudos_id.in_(ids)))
        s.execute(delete(Kudos).where(Kudos.id.in_(ids)))
    return received, doomed


def scrub_outbox(s: Session, team_id: str, key_patterns: Sequence[str]) -> int:
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
