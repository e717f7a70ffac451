"""Messages of the fatigue governor: response note skipped, a round waiting for a note, falling
participation, and snoozing surveys."""

from __future__ import annotations

from datetime import date

from bot.domain.pulse_pool import PooledReport
from bot.domain.pulse_stats import SurveyInfo
from bot.views.common import Message, escape, md_section, message


def note_skipped_message(survey: SurveyInfo) -> Message:
    return message(
        f"Response note skipped: {escape(survey.title)}",
        [
            md_section(
                f"*{escape(survey.title)}*: the owner decided not to share a response note for this round "
                "(skipped). Thank you for answering all the same."
            )
        ],
    )


def note_needed_message(survey: SurveyInfo) -> Message:
    return message(
        "The next round waits for your response note",
        [
            md_section(
                f"The next round of *{escape(survey.title)}* waits until you tell everyone asked what you "
                f"heard and what you'll do: `/pulse respond {survey.id}`. Or skip it, and they will see it "
                f"was skipped: `/pulse skip {survey.id}`."
            )
        ],
    )


def fatigue_message(survey: SurveyInfo, rates: tuple[int, ...]) -> Message:
    trail = " → ".join(f"{rate}%" for rate in rates)
    return message(
        "Participation is falling",
        [
            md_section(
                f":chart_with_downwards_trend: Participation in *{escape(survey.title)}* fell two rounds "
                f"running ({trail} of those asked). Some options:\n"
                "• ask less often (a new series with a longer cadence, e.g. monthly instead of weekly)\n"
                "• ask less: three or four questions instead of all of them\n"
                f"• close the loop: share what changed since the last round (`/pulse respond {survey.id}`)\n"
                "I'll say this once for this series."
            )
        ],
    )


def away_message(until: date | None) -> Message:
    if until is None:
        return message(
            "Surveys back on", [md_section("You're back: you'll be asked to answer surveys again.")]
        )
    return message(
        "Surveys snoozed",
        [
            md_section(
                f":palm_tree: You won't be asked to answer pulse surveys until {until:%a %d %b %Y} "
                "(inclusive). "
                "`/pulse away off` ends it early."
            )
        ],
    )


WORDS = {"better": "better :arrow_up:", "same": "about the same", "worse": "worse :arrow_down:"}


def pooled_message(report: PooledReport) -> Message:
    """Rounds combined, directions only: no figure of the pool or of any round in it."""
    lines = [
        f"• {escape(d.question)}: {WORDS[d.direction] if d.direction else 'first combined report'}"
        for d in report.directions
    ]
    compared = "than the previous report" if any(d.direction for d in report.directions) else ""
    return message(
        f"{escape(report.survey.title)}: rounds {report.first}–{report.last} combined",
        [
            md_section(
                f"*{escape(report.survey.title)}: rounds {report.first}–{report.last} combined*\n"
                "Each of these rounds had too few answers to show on its own, so their answers are "
                f"pooled and shown as a direction only {compared}, never as figures.\n" + "\n".join(lines)
            )
        ],
    )
