"""Trust: any text through the kudos and pulse parsers and Block Kit builders: no crash, within limits, inert.

(Customer text through the feedback builders: tests/test_trust_feedback_fuzz.py, whose checks this reuses.)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.kudos import Recognition
from bot.domain.pulse_questions import QuestionsInvalid, parse_questions
from bot.domain.pulse_stats import QuestionStats, SurveyInfo, SurveyResults
from bot.services.kudos import parse_kudos_text
from bot.views.common import Message
from bot.views.kudos import kudos_card, kudos_dm
from bot.views.pulse import response_note_message, results_message, survey_message
from tests.test_trust_feedback_fuzz import check, hostile_text

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
OURS = re.compile(
    r"<@(UGIVER01|UANA0001|UOWNER01)>|<#CKUDOS1>|<!date\^\d+\^\{date_short_pretty\} at \{time\}\|[^<>]*>"
)


def check_inert(message: Message) -> None:
    """Everything a person wrote is escaped: only the mentions and dates we put there ourselves stay live."""
    scrubbed = Message(
        text=OURS.sub("", message.text),
        blocks=_scrub(message.blocks),  # type: ignore[arg-type]
    )
    check(scrubbed)


def _scrub(node):  # type: ignore[no-untyped-def]
    if isinstance(node, str):
        return OURS.sub("", node)
    if isinstance(node, dict):
        return {k: _scrub(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_scrub(v) for v in node]
    return node


@FUZZ
@given(raw=hostile_text)
def test_any_kudos_text_parses_without_crashing_and_only_real_mentions_become_people(raw: str) -> None:
    parsed = parse_kudos_text(raw)
    assert all(re.fullmatch(r"[UW][A-Z0-9]+", u) for u in parsed.users)
    assert all(re.fullmatch(r"S[A-Z0-9]+", g) for g in parsed.groups)


@FUZZ
@given(
    reason=hostile_text.filter(str.strip),
    impact=st.none() | hostile_text,
    values=st.lists(hostile_text.map(lambda s: s[:40]), max_size=5).map(tuple),
)
def test_any_kudos_story_makes_a_valid_inert_card_and_dm(
    reason: str, impact: str | None, values: tuple
) -> None:  # type: ignore[type-arg]
    view = Recognition(
        id=1,
        giver="UGIVER01",
        receivers=("UANA0001",),
        reason=reason,
        impact=impact,
        values=values,
        beneficiary="customer",
        status="posted",
        source="command",
        plus_ones=3,
        permalink=None,
        created_at=datetime(2026, 11, 16, tzinfo=UTC),
    )
    check_inert(kudos_card(view))
    check_inert(kudos_dm(view, "UANA0001", "CKUDOS1"))


@FUZZ
@given(text=hostile_text, answer=hostile_text, comment=hostile_text.map(lambda s: s[:2000]))
def test_any_survey_text_makes_valid_inert_messages_or_a_clear_error(
    text: str, answer: str, comment: str
) -> None:
    try:
        questions = parse_questions(text)
    except QuestionsInvalid as invalid:
        assert str(invalid)
        questions = parse_questions(
            "[0-10] Recommend us?\n[text] " + (answer.replace("\n", " ").strip()[:150] or "Why?")
        )
    survey = SurveyInfo(
        id=7,
        title=(answer.strip() or "Pulse")[:150],
        questions=tuple(questions),
        anonymous=True,
        min_responses=5,
        closes_at=datetime(2026, 11, 19, 10, tzinfo=UTC),
        timezone=ZoneInfo("Europe/Berlin"),
    )
    free = {q.key: comment for q in questions if not q.scored}
    points = {q.key: 3 for q in questions if q.scored}
    check_inert(survey_message(survey))
    check_inert(survey_message(survey, points, free, token="tok"))
    stats = [QuestionStats(q, 5, 3.0, {3: 5}, None) for q in questions if q.scored]
    results = SurveyResults(survey, invited=9, responded=5, questions=stats, comments=[("q9", comment)] * 20)
    check_inert(results_message(results))
    check_inert(response_note_message(survey, comment or "We heard you.", "UOWNER01"))
