"""Block Kit for the launch preview: what an owner sees of a draft survey before launching it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import HeaderBlock

from bot.domain import pulse_preview as r
from bot.domain.pulse_preview import LaunchPreview, shown_as
from bot.views import ids
from bot.views.common import (
    MODAL_TITLE_LIMIT,
    context,
    count,
    escape,
    md_section,
    notice_modal,
    plain,
    truncate,
    view,
)
from bot.views.privacy import PULSE_STORAGE
from bot.views.pulse import rules_text

TITLE = "Before you launch"


def preview_waiting_modal() -> dict[str, Any]:
    """Shown at once (a trigger lasts 3 s), then replaced by the preview once Slack said who is asked."""
    return notice_modal(TITLE, ":hourglass_flowing_sand: Counting who would be asked…", close="Back")


def preview_failed_modal(problem: str | None = None) -> dict[str, Any]:
    text = (
        escape(problem)
        if problem
        else "Sorry, I couldn't work out the preview just now. Nothing was sent or saved: go back to the "
        "form and preview again in a moment, or launch."
    )
    return notice_modal(TITLE, text, close="Back")


def preview_problems_modal(problems: Sequence[str]) -> dict[str, Any]:
    """The draft cannot be previewed yet: what to fix first (the same checks as Launch)."""
    lines = "\n".join(f"• {escape(p)}" for p in problems)
    return notice_modal(TITLE, f"Fix these in the form first, then preview again:\n{lines}", close="Back")


def _audience_text(preview: LaunchPreview) -> str:
    if preview.asked is None:
        return f"*Who is asked*: Slack would not say yet. {escape(preview.not_counted or '')}"
    away = ""
    if preview.away:
        away = f" ({count(preview.away, 'person is', 'people are')} away and will not be asked)"
    return f"*Who is asked*: {count(preview.asked, 'person', 'people')} today{away}."


def _expected_text(preview: LaunchPreview) -> str:
    rate, expected = preview.rate, preview.expected
    if rate.share is None or expected is None:
        return (
            "*How many will answer*: no closed survey yet to go by, so nobody can say; the results "
            f"below need at least {preview.survey.min_responses} answers."
        )
    basis = count(rate.surveys, "closed survey")
    return (
        f"*How many will answer*: about {expected}, at the {round(100 * rate.share)}% who answered this "
        f"workspace's last {basis} ({rate.responded} of {rate.invited})."
    )


def _outcome_text(preview: LaunchPreview) -> str:
    minimum, comments = preview.survey.min_responses, preview.comment_min_responses
    outcome = preview.outcome
    if outcome == r.REFUSED:
        return f":no_entry: *This launch would be refused*: {escape(preview.refusal or '')}"
    if outcome == r.NOT_COUNTED:
        return "The results depend on who is asked; preview again once Slack can say."
    if outcome == r.ATTRIBUTED:
        return (
            ":bust_in_silhouette: *Not anonymous*: owners and managers will see who answered what, from the "
            "first answer on. The invitation says so."
        )
    if outcome == r.POOLED:
        return (
            f":lock: *Pooled*: fewer than {minimum} people are asked, so each round's answers are "
            "combined with the next rounds' until enough have answered, and shown as a direction (better, "
            "same, worse), never as one round's figures."
        )
    if outcome == r.AT_RISK:
        return (
            f":warning: *Likely withheld*: results need {minimum} answers and about {preview.expected} "
            "are expected. If fewer answer by the close, you will see nothing but the count, so that no "
            "one can be singled out. A larger audience or a longer time to answer helps."
            + (
                " In a series, a round short of it is combined with the next rounds' and shown as a "
                "direction (better, same, worse) once enough have answered."
                if preview.survey.recurrence != "none"
                else ""
            )
        )
    shown = (
        f"with comments (they need {comments})"
        if outcome == r.SHOWN
        else f"without comments unless {comments} answer"
    )
    if outcome == r.UNKNOWN_RATE:
        shown = f"if {minimum} answer; comments if {comments} do"
    return (
        f":lock: *Anonymous*: after it closes you will see totals {shown}. Each question answered by fewer "
        f"than {minimum} is hidden."
    )


def preview_modal(preview: LaunchPreview) -> dict[str, Any]:
    """The preview: audience, expected answers, what the results will then show, what is stored, and what
    the invitation will tell people."""
    survey = preview.survey
    blocks: list[Any] = [
        HeaderBlock(text=plain(f"{truncate(survey.title, 120)}: what you will see")),
        md_section(_audience_text(preview)),
        md_section(_expected_text(preview)),
        md_section(_outcome_text(preview)),
    ]
    if preview.outcome not in (r.REFUSED, r.NOT_COUNTED, r.POOLED):
        per_question = "\n".join(
            f"{n}. {escape(truncate(q.text, 120))}: {shown_as(q, survey.anonymous)}"
            for n, q in enumerate(survey.questions, 1)
        )
        blocks.append(md_section(f"*Per question*\n{per_question}"))
    if survey.anonymous:
        blocks.append(md_section(f"*What is stored*: {PULSE_STORAGE}"))
    blocks.append(md_section(f"*The invitation will say*\n{rules_text(survey)}"))
    blocks.append(context("Nothing has been sent. Close this to go back to the form, then Launch."))
    return view(
        type="modal",
        callback_id=ids.PULSE_PREVIEW_MODAL,
        title=truncate(TITLE, MODAL_TITLE_LIMIT),
        close="Back",
        blocks=blocks,
    )
