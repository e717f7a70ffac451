"""Giving kudos: /kudos and its modal, +1, withdrawing a reaction's kudos, and the kudos card's life."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.errors import NotFound
from bot.domain.kudos import (
    POSTED,
    WITHDRAW_WINDOW,
    WITHDRAWN,
    GiveResult,
    KudosCard,
    KudosCardPosted,
    KudosDM,
    KudosRefused,
    Person,
    PraiseOffer,
    Recognition,
    ResolutionOffer,
    check_people,
    check_story,
    infer_beneficiary,
)
from bot.domain.outgoing import Delete, Post, Sent, Update
from bot.domain.settings import WorkspaceSettings
from bot.services.kudos.rules import KudosRules
from bot.services.ports import Postbox
from bot.services.settings import SettingsService
from storage.models import Kudos
from storage.repositories import kudos as recognitions

CARD_POSTED = "kudos.card_posted"


def get_recognition(s: Session, team_id: str, recognition_id: int) -> Kudos:
    kudos = recognitions.get(s, team_id, recognition_id)
    if kudos is None:
        raise NotFound("That kudos no longer exists.")
    return kudos


class Giving:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Clock,
        settings: SettingsService,
        rules: KudosRules,
        postbox: Postbox,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._settings = settings
        self._rules = rules
        self._postbox = postbox
        postbox.on_sent(CARD_POSTED, KudosCardPosted, self._card_posted)

    def give(
        self,
        team_id: str,
        giver: str,
        receivers: Sequence[str],
        reason: str,
        values: Sequence[str] = (),
        *,
        people: Mapping[str, Person],
        bot_user_id: str | None,
        beneficiary: str | None = None,
        impact: str | None = None,
        source: str = "command",
        source_key: str | None = None,
    ) -> GiveResult:
        """Check every rule, then store the kudos and queue its card and DMs; a refusal stores nothing."""
        reason = (reason or "").strip()
        values = tuple(dict.fromkeys(v.strip().lstrip("#").lower() for v in values if v.strip()))
        beneficiary = beneficiary or infer_beneficiary(reason)
        receivers = tuple(dict.fromkeys(receivers))
        now = self._clock.now()
        with self._sessions.begin() as s:
            ws = self._settings.get(team_id, s)
            check_people(giver, receivers, people, bot_user_id)
            check_story(ws.values, reason, values, beneficiary)
            if source_key is not None:
                existing = recognitions.by_source_key(s, team_id, source_key)
                if existing is not None:
                    allowance = self._rules.allowance_in(s, team_id, giver, ws)
                    recognition = recognitions.recognition(s, existing)
                    channel = existing.card_channel or ws.kudos_channel
                    return GiveResult(recognition, False, channel, allowance.remaining)
            remaining = self._rules.check_giver(s, team_id, giver, ws, len(receivers))
            kudos = Kudos(
                team_id=team_id,
                giver=giver,
                source=source,
                source_key=source_key,
                status=POSTED,
                reason=reason[:3000],
                impact=(impact or "").strip()[:2000] or None,
                values=list(values),
                beneficiary=beneficiary,
                created_at=now,
                posted_at=now,
            )
            recognitions.add(s, kudos, receivers)
            recognition = recognitions.recognition(s, kudos)
            self.announce(s, team_id, recognition, ws)
            return GiveResult(recognition, True, ws.kudos_channel, remaining)

    def announce(self, s: Session, team_id: str, recognition: Recognition, ws: WorkspaceSettings) -> None:
        """The card in the kudos channel (if one is set) and a DM to each receiver."""
        messages: list[Post] = []
        if ws.kudos_channel:
            messages.append(
                Post(
                    to=ws.kudos_channel,
                    content=KudosCard(recognition),
                    key=f"kudos-card:{recognition.id}",
                    receipt=KudosCardPosted(recognition.id),
                )
            )
        for receiver in recognition.receivers:
            messages.append(
                Post(
                    to=receiver,
                    content=KudosDM(recognition, receiver, ws.kudos_channel),
                    key=f"kudos-dm:{recognition.id}:{receiver}",
                )
            )
        self._postbox.send(s, team_id, *messages)

    def _card_posted(self, s: Session, receipt: KudosCardPosted, sent: Sent) -> None:
        """Remember where the card is (for +1 updates and withdrawal); catch up on what happened meanwhile."""
        kudos = recognitions.by_id(s, receipt.recognition_id)
        if kudos is None:
            return
        kudos.card_channel, kudos.card_ts = sent.channel, sent.ts
        if kudos.status == WITHDRAWN:
            self.delete_card(s, kudos)
        else:
            recognition = recognitions.recognition(s, kudos)
            if recognition.plus_ones:
                self._update_card(s, kudos, recognition)

    def _update_card(self, s: Session, kudos: Kudos, recognition: Recognition) -> None:
        if kudos.card_channel and kudos.card_ts:
            key = f"kudos-card-update:{kudos.id}:{recognition.plus_ones}"
            self._postbox.send(
                s, kudos.team_id, Update(kudos.card_channel, kudos.card_ts, KudosCard(recognition), key)
            )

    def delete_card(self, s: Session, kudos: Kudos) -> None:
        if kudos.card_channel and kudos.card_ts:
            key = f"kudos-card-delete:{kudos.id}:{kudos.card_ts}"
            self._postbox.send(s, kudos.team_id, Delete(kudos.card_channel, kudos.card_ts, key))

    def withdraw_reaction(
        self, team_id: str, giver: str, author: str, channel_id: str, message_ts: str
    ) -> bool:
        """Removing the reaction within 10 minutes withdraws the kudos (and its card, if posted)."""
        now = self._clock.now()
        with self._sessions.begin() as s:
            row = recognitions.reaction_recipient(s, team_id, giver, author, f"{channel_id}:{message_ts}")
            if row is None or now - row.created_at > WITHDRAW_WINDOW:
                return False
            kudos = recognitions.by_id(s, row.kudos_id)
            if kudos is None or kudos.status == WITHDRAWN:
                return False
            kudos.status, kudos.withdrawn_at = WITHDRAWN, now
            self.delete_card(s, kudos)
            return True

    def plus_one(self, team_id: str, recognition_id: int, user_id: str) -> Recognition:
        """Someone else who saw it adds their voice, once; the card shows how many did."""
        with self._sessions.begin() as s:
            kudos = get_recognition(s, team_id, recognition_id)
            recognition = recognitions.recognition(s, kudos)
            if kudos.status != POSTED:
                raise KudosRefused("users", "That kudos was withdrawn.")
            if user_id == kudos.giver or user_id in recognition.receivers:
                raise KudosRefused(
                    "users", "This kudos is already yours; +1 is for everyone else who saw it."
                )
            if not recognitions.add_plus_one(s, team_id, recognition_id, user_id, self._clock.now()):
                raise KudosRefused("users", "You've already added your voice to this one. Thank you!")
            recognition = recognitions.recognition(s, kudos)
            self._update_card(s, kudos, recognition)
            return recognition

    def offer_for_feedback(
        self,
        team_id: str,
        feedback_id: int,
        clicker: str,
        receiver: str,
        customer: str | None,
        excerpt: str,
    ) -> bool:
        """Offer the card's clicker a one-click kudos for `receiver` on the customer's behalf (by DM, once).

        For the feedback relay to call when positive feedback names an employee or owned feedback is
        resolved; the button opens the /kudos modal filled in, and the kudos is the clicker's own (anyone
        offered it may send it: no owner rule applies).
        """
        if clicker == receiver:
            return False
        offer = PraiseOffer(feedback_id, receiver, customer, excerpt)
        with self._sessions.begin() as s:
            key = f"kudos-offer:{feedback_id}:{receiver}:{clicker}"
            return self._postbox.send(s, team_id, Post(to=clicker, content=offer, key=key)) == 1

    def offer_for_resolution(
        self, team_id: str, feedback_id: int, resolver: str, owner: str, customer: str | None, complaint: bool
    ) -> bool:
        """Offer whoever resolved feedback `owner` had taken on a one-click kudos for the owner (by DM, once).

        Its own offer, not the praise one: nobody praised anyone, and the complaint is not quoted as if
        it were thanks.
        """
        if resolver == owner:
            return False
        offer = ResolutionOffer(feedback_id, owner, customer, complaint)
        with self._sessions.begin() as s:
            key = f"kudos-resolution-offer:{feedback_id}:{owner}:{resolver}"
            return self._postbox.send(s, team_id, Post(to=resolver, content=offer, key=key)) == 1
