"""A workspace's data on request: export it all, forget one customer, forget one person.

The export can never link a respondent to an answer: it has who was asked (per survey) and the answers
(without ids, tokens or order), but not participation hashes. Forgetting a person removes what names
them; their anonymous answers stay as totals because nobody, this code included, can tell which they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.domain.actor import Actor
from bot.domain.outgoing import Delete
from bot.policy import Permission, require
from bot.services.ports import Postbox
from bot.services.pulse import PulseService
from bot.services.sentiment_model import SentimentModelService
from storage.repositories import data_rights as repo


@dataclass(frozen=True)
class Forgotten:
    what: str
    counts: dict[str, int]

    def __str__(self) -> str:
        done = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        return f"Forgot {self.what}: {done}."


class DataRights:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        pulse: PulseService,
        postbox: Postbox,
        *,
        sentiment: SentimentModelService | None = None,
    ) -> None:
        self._sessions = sessions
        self._pulse = pulse
        self._postbox = postbox
        self._sentiment = sentiment

    def export(self, actor: Actor) -> dict[str, Any]:
        require(actor, Permission.EXPORT_DATA)
        with self._sessions.begin() as s:
            return repo.export(s, actor.team_id)

    def forget_customer(self, actor: Actor, ref: str) -> Forgotten:
        """Delete every feedback item whose customer or external id is `ref` (case-insensitive)."""
        require(actor, Permission.FORGET_DATA)
        team_id = actor.team_id
        needle = ref.strip().lower()
        with self._sessions.begin() as s:
            ids = repo.customer_feedback_ids(s, team_id, needle)
            deliveries = repo.clear_kept_deliveries(s, team_id) if needle else 0
            if ids:
                repo.delete_feedback(s, ids)
                repo.scrub_outbox(s, team_id, [f"feedback-%:{i}:%" for i in ids])
            examples = 0
            if self._sentiment is not None:  # the sentiment model's examples go too; it is rebuilt
                refs = [f"feedback:{i}" for i in ids]
                examples = self._sentiment.forget_customer(team_id, ref, item_refs=refs, session=s)
        counts = {"feedback item(s)": len(ids)}
        if examples:
            counts["sentiment example(s)"] = examples
        if deliveries:
            counts["kept source delivery(ies)"] = deliveries
        return Forgotten(f"customer {ref!r}", counts)

    def forget_user(self, actor: Actor, user_id: str) -> Forgotten:
        """Remove what names a person: survey invitations, participation, attributed answers, their DMs,
        their kudos. Kudos cards already in the kudos channel are deleted there too."""
        require(actor, Permission.FORGET_DATA)
        team_id = actor.team_id
        with self._sessions.begin() as s:
            surveys = repo.survey_ids(s, team_id)
            hashes = [self._pulse.participant_hash(team_id, sid, user_id) for sid in surveys]
            participation, invitations, attributed = repo.forget_survey_person(s, surveys, user_id, hashes)
            received, removed = repo.forget_kudos_person(s, team_id, user_id)
            self._postbox.send(
                s,
                team_id,
                *(
                    Delete(k.card_channel, k.card_ts, key=f"kudos-card-forget:{k.id}")
                    for k in removed
                    if k.card_channel and k.card_ts
                ),
            )
            messages = repo.scrub_outbox(s, team_id, [f"%:{user_id}", f"%:{user_id}:%"])
            profile = repo.forget_person_profile(s, team_id, user_id)
        return Forgotten(
            f"user {user_id}",
            {
                "kudos given or received": received + sum(1 for k in removed if k.giver == user_id),
                "survey invitation(s)": invitations,
                "participation record(s)": participation,
                "attributed answer(s)": attributed,
                "queued or sent message(s) to them": messages,
                "directory and survey-snooze record(s)": profile,
            },
        )
