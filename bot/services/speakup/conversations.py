"""Sending and answering: a member starts a conversation, receivers reply or change its state, the member
answers or closes it. Everything bound for the other side waits for its relay (bot/services/speakup/relay)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain import speakup as rules
from bot.domain.actor import Actor
from bot.domain.errors import NotAllowed
from bot.domain.outgoing import Post, Update
from bot.domain.settings import WorkspaceSettings
from bot.services.speakup.core import SpeakupCore
from storage.models import SpeakupConversation, SpeakupMessage
from storage.repositories import speakup as repo

NOT_SET_UP = (
    "Speak up isn't set up yet: an owner needs to choose who receives messages "
    "(a private leadership channel or named people) in the App Home settings."
)
BLOCKED = (
    "You can't start or answer Speak up conversations at the moment: receivers flagged one of your "
    "messages as abusive. Nobody was told who you are. If you think this is a mistake, talk to an owner."
)


class Conversations(SpeakupCore):
    def setup(self, team_id: str) -> rules.Setup:
        """Who receives, the topics and the delays: what the modal shows before anyone writes."""
        return rules.setup_of(self._settings.get(team_id))

    # The member ------------------------------------------------------------------------------------

    def start(self, actor: Actor, text: str, topic: str, named: bool) -> rules.Started:
        """Store the conversation (sender sealed, day only) and schedule its relay to the receivers."""
        ws = self._settings.get(actor.team_id)
        draft = rules.check_draft(text, topic, named, ws.speakup_topics)
        if not (ws.speakup_channel or ws.speakup_receivers):
            raise rules.SpeakupRefused("", NOT_SET_UP)
        now = self._clock.now()
        today = rules.day_of(now, ws)
        with self._sessions.begin() as s:
            self._refuse_blocked(s, actor)
            rate = self._sealer.rate_hash(actor.team_id, today, actor.user_id)
            sent = repo.sent_on(s, actor.team_id, today, rate)
            if not rules.within_daily_limit(sent):
                raise rules.SpeakupRefused(
                    "message",
                    f"You've started {rules.DAILY_LIMIT} conversations today, the most for one day. "
                    "Please send this tomorrow, or add it to one of today's conversations as a reply.",
                )
            repo.forget_counts_before(s, actor.team_id, today)
            repo.count_sent(s, actor.team_id, today, rate)
            conversation = repo.add_conversation(
                s,
                team_id=actor.team_id,
                topic=draft.topic,
                sender_box=self._sealer.seal(actor.team_id, actor.user_id),
                named=draft.named,
                status=rules.OPEN,
                day=today,
            )
            repo.add_message(
                s,
                team_id=actor.team_id,
                conversation_id=conversation.id,
                author=rules.SENDER,
                kind="text",
                text=rules.masked(draft.text),
                day=today,
                relay_after=rules.relay_time(now, ws, self._rng),
            )
            return rules.Started(conversation.id, draft.named, rules.DAILY_LIMIT - sent - 1)

    def answer(self, actor: Actor, conversation_id: int, text: str) -> None:
        """The member's answer from their DM: shown in the cards' threads (as Anonymous) after the delay."""
        cleaned = rules.check_reply(text)
        with self._sessions.begin() as s:
            conversation = self._conversation(s, actor.team_id, conversation_id)
            self._require_sender(conversation, actor.user_id)
            self._refuse_blocked(s, actor)
            if conversation.status == rules.CLOSED:
                raise rules.SpeakupRefused(
                    "reply", "You closed this conversation, so it takes no more replies."
                )
            self._schedule(s, conversation, rules.SENDER, "text", rules.masked(cleaned))

    def close(self, actor: Actor, conversation_id: int) -> bool:
        """The member ends the conversation; False if it was closed already."""
        with self._sessions.begin() as s:
            conversation = self._conversation(s, actor.team_id, conversation_id)
            self._require_sender(conversation, actor.user_id)
            if conversation.status == rules.CLOSED:
                return False
            conversation.status = rules.CLOSED
            self._schedule(s, conversation, rules.SENDER, "closed", None)
            return True

    def agree_to_share(self, actor: Actor, conversation_id: int) -> bool:
        """The member consents to "you said, we did"; False if they had already, or nobody asked."""
        with self._sessions.begin() as s:
            conversation = self._conversation(s, actor.team_id, conversation_id)
            self._require_sender(conversation, actor.user_id)
            if conversation.shared or not conversation.share_requested:
                return False
            conversation.shared = True
            self._schedule(s, conversation, rules.SENDER, "shared", None)
            return True

    def _refuse_blocked(self, s: Session, actor: Actor) -> None:
        if repo.is_blocked(s, actor.team_id, self._sealer.block_hash(actor.team_id, actor.user_id)):
            raise rules.SpeakupRefused("", BLOCKED)

    # The receivers ---------------------------------------------------------------------------------

    def reply(self, actor: Actor, conversation_id: int, channel: str, text: str) -> None:
        """A receiver's reply: in the cards' threads now, to the member's DM after the delay."""
        cleaned = rules.check_reply(text)
        with self._sessions.begin() as s:
            conversation, ws = self._receiver_check(s, actor, conversation_id, channel)
            if conversation.status == rules.CLOSED:
                raise rules.SpeakupRefused(
                    "reply", "The member closed this conversation; replies can't reach them."
                )
            message = self._schedule(s, conversation, rules.RECEIVER, "text", rules.masked(cleaned))
            if conversation.first_reply_on is None:
                conversation.first_reply_on = rules.day_of(self._clock.now(), ws)
            self._to_threads(
                s,
                conversation,
                rules.ThreadReply(
                    conversation.id, message.text or "", from_sender=False, author=actor.user_id
                ),
                f"m{message.id}",
            )

    def set_status(self, actor: Actor, conversation_id: int, channel: str, status: str) -> bool:
        """Acknowledge or mark resolved: the cards change now, the member hears it after the delay."""
        if status not in (rules.ACKNOWLEDGED, rules.RESOLVED):
            raise ValueError(f"not a receiver's status: {status}")
        with self._sessions.begin() as s:
            conversation, _ws = self._receiver_check(s, actor, conversation_id, channel)
            if conversation.status in (status, rules.CLOSED) or (
                conversation.status == rules.RESOLVED and status == rules.ACKNOWLEDGED
            ):
                return False
            conversation.status = status
            self._schedule(s, conversation, rules.RECEIVER, status, None)
            self._update_cards(s, conversation, f"status-{status}")
            return True

    def request_share(self, actor: Actor, conversation_id: int, channel: str) -> bool:
        """Ask the member whether this may be shared as "you said, we did"; nothing is shared without yes."""
        with self._sessions.begin() as s:
            conversation, _ws = self._receiver_check(s, actor, conversation_id, channel)
            if conversation.share_requested or conversation.status == rules.CLOSED:
                return False
            conversation.share_requested = True
            self._schedule(s, conversation, rules.RECEIVER, "share_requested", None)
            self._update_cards(s, conversation, "share-requested")
            return True

    def flag(self, actor: Actor, conversation_id: int, channel: str) -> str:
        """A receiver flags abuse: owners hear of it; a second receiver's flag stops the sender.

        Returns "flagged", "blocked" or "already" (this receiver flagged it before)."""
        with self._sessions.begin() as s:
            conversation, ws = self._receiver_check(s, actor, conversation_id, channel)
            flagger = self._sealer.flagger_hash(actor.team_id, conversation.id, actor.user_id)
            if not repo.add_flag(s, actor.team_id, conversation.id, flagger):
                return "already"
            blocked = repo.flag_count(s, conversation.id) >= rules.FLAGS_TO_BLOCK
            if blocked:
                sender = self._sender_of(conversation)
                if sender is not None:
                    repo.block(
                        s, actor.team_id, self._sealer.block_hash(actor.team_id, sender), self._today(ws)
                    )
            outcome = "blocked" if blocked else "flagged"
            record = self._record(s, conversation, flagged=True)
            for owner in ws.owners:
                self._postbox.send(
                    s,
                    actor.team_id,
                    Post(
                        to=owner,
                        content=rules.FlagToOwner(conversation.id, record.topic, record.text, blocked),
                        key=f"speakup:{conversation.id}:{outcome}:owner:{owner}",
                    ),
                )
            self._to_threads(s, conversation, rules.ThreadNote(conversation.id, outcome), outcome)
            self._update_cards(s, conversation, outcome)
            return outcome

    def _receiver_check(
        self, s: Session, actor: Actor, conversation_id: int, channel: str
    ) -> tuple[SpeakupConversation, WorkspaceSettings]:
        """Receivers act from one of the conversation's cards (Slack says where the click came from);
        with named receivers, only they (and owners) may act."""
        ws = self._settings.get(actor.team_id, s)
        conversation = self._conversation(s, actor.team_id, conversation_id)
        if channel not in {card.channel for card in repo.cards(s, conversation.id)}:
            raise NotAllowed("Only the receivers of this conversation can do that, from its card.")
        if not ws.speakup_channel and actor.user_id not in ws.speakup_receivers and not actor.is_owner:
            raise NotAllowed("Only the receivers of this conversation can do that.")
        return conversation, ws

    # Shared steps ----------------------------------------------------------------------------------

    def _schedule(
        self, s: Session, conversation: SpeakupConversation, author: str, kind: str, text: str | None
    ) -> SpeakupMessage:
        ws = self._settings.get(conversation.team_id, s)
        now = self._clock.now()
        return repo.add_message(
            s,
            team_id=conversation.team_id,
            conversation_id=conversation.id,
            author=author,
            kind=kind,
            text=text,
            day=rules.day_of(now, ws),
            relay_after=rules.relay_time(now, ws, self._rng),
        )

    def _to_threads(self, s: Session, conversation: SpeakupConversation, content: object, key: str) -> None:
        for card in repo.cards(s, conversation.id):
            self._postbox.send(
                s,
                conversation.team_id,
                Post(
                    to=card.channel,
                    content=content,
                    key=f"speakup:{conversation.id}:thread:{key}:{card.channel}",
                    thread_ts=card.ts,
                ),
            )

    def _update_cards(self, s: Session, conversation: SpeakupConversation, key: str) -> None:
        record = self._record(s, conversation)
        for card in repo.cards(s, conversation.id):
            self._postbox.send(
                s,
                conversation.team_id,
                Update(
                    card.channel,
                    card.ts,
                    rules.SpeakupCard(record),
                    key=f"speakup:{conversation.id}:update:{key}:{card.channel}",
                ),
            )
