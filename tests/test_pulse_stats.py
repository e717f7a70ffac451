"""Survey arithmetic and question parsing: pure functions, no Slack, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.pulse import add_period, reminder_times
from bot.domain.pulse_questions import TEMPLATES, QuestionsInvalid, parse_questions, questions_text
from bot.domain.pulse_stats import comment_minimum, effective_minimum, enps, question_stats


def test_enps_is_promoters_minus_detractors_with_skips_excluded() -> None:
    result = enps([10, 9, 8, 7, 6, 0, None, None])
    assert result is not None
    assert (result.promoters, result.passives, result.detractors, result.answered) == (2, 2, 2, 6)
    assert result.score == 0
    assert enps([10, 10, 9]).score == 100  # type: ignore[union-attr]
    assert enps([0, 6, 5, 7]).score == -75  # type: ignore[union-attr]
    assert enps([None]) is None


def test_question_stats_keep_every_scale_point() -> None:
    (question,) = parse_questions("[1-5] I feel heard.")
    stats = question_stats(question, [{"q1": 5}, {"q1": 4}, {"q1": 4}, {}])
    assert stats.answered == 3 and stats.mean == 4.33
    assert stats.distribution == {1: 0, 2: 0, 3: 0, 4: 2, 5: 1}
    assert stats.enps is None


def test_thresholds_never_go_below_three_and_comments_never_below_scores() -> None:
    assert effective_minimum(1) == 3 and effective_minimum(8) == 8
    assert comment_minimum(3, 5) == 5 and comment_minimum(9, 5) == 9


def test_question_lines_parse_with_clear_errors() -> None:
    questions = parse_questions("[0-10] Recommend us?\n\nI feel safe here.\n[ TEXT ] Why?")
    assert [(q.key, q.kind) for q in questions] == [("q1", "0-10"), ("q2", "1-5"), ("q3", "text")]
    with pytest.raises(QuestionsInvalid, match="Line 2: unknown kind"):
        parse_questions("[1-5] ok\n[stars] nope")
    with pytest.raises(QuestionsInvalid, match="at least one"):
        parse_questions("   \n")
    with pytest.raises(QuestionsInvalid, match="free text alone"):
        parse_questions("[text] Anything?")
    with pytest.raises(QuestionsInvalid, match="at most 10"):
        parse_questions("\n".join(f"Q{n}" for n in range(11)))
    for key in TEMPLATES:
        if key != "custom":
            assert parse_questions(questions_text(key))


def test_rounds_and_reminders_fall_on_the_expected_days() -> None:
    start = datetime(2026, 1, 31, 9, tzinfo=UTC)
    assert add_period(start, "monthly") == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert add_period(start, "biweekly") == start + timedelta(weeks=2)
    closes = start + timedelta(days=3)
    assert reminder_times(start, closes, 1) == [closes - timedelta(days=1)]
    assert reminder_times(start, closes, 2) == [
        start + timedelta(days=1, hours=12),
        closes - timedelta(days=1),
    ]
    assert reminder_times(start, start + timedelta(hours=20), 1) == []  # a day before would be before launch
    assert reminder_times(start, closes, 0) == []


def test_a_weekly_round_keeps_its_local_time_across_the_berlin_dst_changes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    spring = datetime(2027, 3, 22, 10, tzinfo=berlin)  # Monday 10:00 CET; clocks go forward on the 28th
    assert add_period(spring, "weekly", berlin) == datetime(2027, 3, 29, 10, tzinfo=berlin)
    assert add_period(spring, "weekly", berlin) == datetime(2027, 3, 29, 8, tzinfo=UTC)  # not 09:00 UTC
    autumn = datetime(2027, 10, 25, 10, tzinfo=berlin)  # Monday 10:00 CEST; clocks go back on the 31st
    assert add_period(autumn, "biweekly", berlin) == datetime(2027, 11, 8, 9, tzinfo=UTC)
    assert add_period(datetime(2027, 10, 4, 10, tzinfo=berlin), "monthly", berlin) == datetime(
        2027, 11, 4, 10, tzinfo=berlin
    )
