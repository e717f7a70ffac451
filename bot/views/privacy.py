"""What empathy-bot stores, who sees what, and for how long: shown by /empathy privacy and in App Home."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.domain.settings import WorkspaceSettings
from bot.views.common import Message, md_section, message, plain

# What an anonymous survey stores: here, and in the receipt an owner sees before launching one.
PULSE_STORAGE = (
    "answers are stored *without* who gave them. Who has answered is kept apart, as a keyed hash, only to "
    "send reminders and to allow one answer per person; nothing in the database links a person to an "
    "answer, and answer dates are kept to the day."
)


def privacy_sections(settings: WorkspaceSettings) -> list[Block]:
    pii = (
        "kept in the database (an owner turned this on), and masked in channel posts"
        if settings.keep_pii
        else "masked before anything is stored or posted"
    )
    return [
        HeaderBlock(text=plain("Privacy: what empathy-bot keeps")),
        md_section(
            "*Customer feedback*: the text, source, customer reference and rating that someone logged or a "
            "connected tool sent, its automatic sentiment score, and who acknowledged, took and resolved it. "
            f"Emails and phone numbers in customer text are {pii}. Feedback text is kept "
            f"{settings.feedback_retention_days} days, then deleted."
        ),
        md_section(
            f"*Pulse surveys*: {PULSE_STORAGE} Results show only "
            f"once at least {settings.pulse_min_responses} people answered (comments: "
            f"{settings.pulse_comment_min_responses}), to owners and managers. Comments are kept "
            f"{settings.comment_retention_days} days."
        ),
        md_section(
            "*Recognition*: who recognised whom, the story and the values. Kudos cards are visible in the "
            "kudos channel. There is no public leaderboard. "
            + (
                "Once a month each manager gets a private note naming teammates nobody recognised in six "
                "weeks, as a nudge to notice their work; it is never posted anywhere else."
                if settings.fairness_nudges
                else "Private monthly notes to managers about unrecognised teammates are turned off."
            )
        ),
        md_section(
            "*What the bot never does*: read your conversations or messages for sentiment. It only sees "
            "feedback someone logs, replies in its own feedback cards' threads (to time the first "
            "response), and the recognition reactions it asks for. It never answers customers itself."
        ),
        md_section(
            "*Who sees what*: everyone sees feedback cards in the channels they are in and kudos in the "
            "kudos channel; managers and owners see digests and survey results; owners change settings. "
            "Whoever runs the bot answers data requests with `empathy-bot export`, `forget-customer` "
            "and `forget-user`."
        ),
    ]


def privacy_message(settings: WorkspaceSettings) -> Message:
    return message(
        "What empathy-bot stores, who sees what, and how long it is kept", privacy_sections(settings)
    )
