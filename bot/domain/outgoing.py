"""What services ask to have sent, as plain records: never Block Kit, never Slack response shapes.

A service builds Post / Update / Delete records whose `content` is a record of its own capability; the
notifier (bot/notify) renders each content type with bot/views and queues it in the outbox, in the
service's transaction, so a message exists if and only if the data it is about does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Post:
    """A new message to a channel, or to a person (a user id: their DM with the bot).

    `key` is unique per workspace: the same key is queued once only, however often it is sent.
    `receipt`, when given, is a record handed back to the handler registered for its type once Slack
    has accepted the post (with where it landed), in the transaction that records the send.
    `forget_recipient` removes the recipient from the stored call once sent (survey reminders)."""

    to: str
    content: object
    key: str
    thread_ts: str | None = None
    receipt: object | None = None
    forget_recipient: bool = False


@dataclass(frozen=True)
class Update:
    """Replace a message the bot posted before (a card whose state changed)."""

    channel: str
    ts: str
    content: object
    key: str


@dataclass(frozen=True)
class Delete:
    """Remove a message the bot posted before."""

    channel: str
    ts: str
    key: str


Outgoing = Post | Update | Delete


@dataclass(frozen=True)
class Sent:
    """Where Slack put a posted message."""

    channel: str
    ts: str
