"""The delayed relay: messages whose random delay has passed go to the other side, exactly once.

A message is marked relayed and its Slack calls are queued in one transaction: if the database fails
half way, nothing was queued and the next run tries again; the outbox keys keep a retry from sending twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.domain import speakup as rules
from bot.domain.outgoing import Post, Sent
from bot.services.speakup.conversations import Conversations
from bot.services.speakup.core import CARD_POSTED
from storage.models import SpeakupConversation, SpeakupMessage
from storage.repositories import speakup as repo

BATCH = 100


@dataclass(frozen=True)
class CardPosted:
    """Receipt: a conversation's card landed (where: the Sent)."""

    conversation_id: int


class Relay(Conversations):
    def _register_receipts(self) -> None:
        self._postbox.on_sent(CARD_POSTED, CardPosted, self._card_posted)

    def _card_posted(self, s: Session, receipt: CardPosted, sent: Sent) -> None:
        conversation = s.get(SpeakupConversation, receipt.conversation_id)
        if conversation is not None:
            repo.record_card(s, conversation.team_id, conversation.id, sent.channel, sent.ts)

    def relay_due(self) -> int:
        """Relay every message whose time has come; returns how many went out."""
        relayed = 0
        while True:
            with self._sessions.begin() as s:
                due = repo.due_messages(s, self._clock.now(), BATCH)
                done = sum(self._relay(s, message) for message in due)
            relayed += done
            if len(due) < BATCH or not done:
                return relayed

    def _relay(self, s: Session, message: SpeakupMessage) -> bool:
        conversation = s.get(SpeakupConversation, message.conversation_id)
        if conversation is None:
            return False
        cards = repo.cards(s, conversation.id)
        if message.author == rules.SENDER and not cards and not self._is_opening(s, message):
            return False  # the card is not posted yet: its thread has to wait
        if message.author == rules.SENDER:
            self._to_receivers(s, conversation, message, bool(cards))
        else:
            self._to_sender(s, conversation, message)
        repo.mark_relayed(message)
        return True

    def _is_opening(self, s: Session, message: SpeakupMessage) -> bool:
        return repo.first_message_id(s, message.conversation_id) == message.id

    def _to_receivers(
        self, s: Session, conversation: SpeakupConversation, message: SpeakupMessage, carded: bool
    ) -> None:
        if not carded:
            ws = self._settings.get(conversation.team_id, s)
            where = (ws.speakup_channel,) if ws.speakup_channel else ws.speakup_receivers or ws.owners
            card = rules.SpeakupCard(self._record(s, conversation))
            for to in where:
                self._postbox.send(
                    s,
                    conversation.team_id,
                    Post(
                        to=to,
                        content=card,
                        key=f"speakup:{conversation.id}:card:{to}",
                        receipt=CardPosted(conversation.id),
                    ),
                )
            return
        if message.kind == "text":
            content: object = rules.ThreadReply(
                conversation.id,
                message.text or "",
                from_sender=True,
                sender=self._sender_of(conversation) if conversation.named else None,
            )
        else:
            content = rules.ThreadNote(conversation.id, message.kind)
            self._update_cards(s, conversation, f"m{message.id}")
        self._to_threads(s, conversation, content, f"m{message.id}")

    def _to_sender(self, s: Session, conversation: SpeakupConversation, message: SpeakupMessage) -> None:
        sender = self._sender_of(conversation)
        if sender is None:
            return  # the box does not open (the secret key changed): nobody to tell
        content: object = (
            rules.ReplyToSender(conversation.id, conversation.topic, message.text or "")
            if message.kind == "text"
            else rules.StatusToSender(conversation.id, conversation.topic, message.kind)
        )
        # The key names the message, never the person; the recipient is removed from the row once sent.
        self._postbox.send(
            s,
            conversation.team_id,
            Post(
                to=sender,
                content=content,
                key=f"speakup:{conversation.id}:dm:m{message.id}",
                forget_recipient=True,
            ),
        )
