"""Renderers for pulse messages: content record type -> Message (built by bot/views/pulse.py)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.domain.pulse import (
    FatigueWarning,
    Invitation,
    InvitationClosed,
    LaunchConfirmed,
    LaunchRefused,
    NoteNeeded,
    NoteSkipped,
    Reminder,
    ResponseNote,
    ResultsReport,
)
from bot.domain.pulse_pool import PooledReport
from bot.views.common import Message
from bot.views.pulse import (
    invitation_closed_message,
    invitation_message,
    launch_confirmation,
    launch_refused,
    reminder_message,
    response_note_message,
    results_message,
)
from bot.views.pulse_governor import (
    fatigue_message,
    note_needed_message,
    note_skipped_message,
    pooled_message,
)


def _invitation(content: Invitation) -> Message:
    return invitation_message(content.survey)


def _invitation_closed(content: InvitationClosed) -> Message:
    return invitation_closed_message(content.survey)


def _reminder(content: Reminder) -> Message:
    return reminder_message(content.survey)


def _results(content: ResultsReport) -> Message:
    return results_message(content.results)


def _response_note(content: ResponseNote) -> Message:
    return response_note_message(content.survey, content.text, content.owner_id)


def _launched(content: LaunchConfirmed) -> Message:
    return launch_confirmation(
        content.survey_id,
        content.invited,
        content.anonymous,
        away=content.away,
        asked_this_week=content.asked_this_week,
        round_=content.round,
    )


def _refused(content: LaunchRefused) -> Message:
    return launch_refused(content.survey_id, content.title, content.reason)


def _note_skipped(content: NoteSkipped) -> Message:
    return note_skipped_message(content.survey)


def _note_needed(content: NoteNeeded) -> Message:
    return note_needed_message(content.survey)


def _fatigue(content: FatigueWarning) -> Message:
    return fatigue_message(content.survey, content.rates)


def _pooled(content: PooledReport) -> Message:
    return pooled_message(content)


RENDERERS: Mapping[type, Callable[[Any], Message]] = {
    Invitation: _invitation,
    Reminder: _reminder,
    ResultsReport: _results,
    ResponseNote: _response_note,
    LaunchConfirmed: _launched,
    LaunchRefused: _refused,
    InvitationClosed: _invitation_closed,
    NoteSkipped: _note_skipped,
    NoteNeeded: _note_needed,
    FatigueWarning: _fatigue,
    PooledReport: _pooled,
}
