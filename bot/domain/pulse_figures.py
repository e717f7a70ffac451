"""A closed round's figures: stored once when it closes, read by the next round's comparison and by the
digest instead of that round's answers, so that neither costs more as a series grows (issue 16).

They are taken from the round's results as shown (thresholds applied), never from its answers: when the
results are withheld only that fact and the count of answers are kept (both shown with "withheld"); a
question hidden for too few answers keeps only that fact and its count, as `QuestionStats.hide()` does;
themes are those shown. Aggregates only: no comment, no person, nothing per answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from bot.domain.pulse_questions import Question
from bot.domain.pulse_stats import Enps, QuestionStats, SurveyInfo, SurveyResults, ThemeScore

# Bumped when the shape changes: figures of another version are computed again on first read.
VERSION = 1


def round_figures(results: SurveyResults) -> dict[str, Any]:
    """The figures to store for a closed round (a JSON value), from its results as shown."""
    if results.withheld_reason:
        return {"v": VERSION, "withheld": True, "responded": results.responded}
    return {
        "v": VERSION,
        "withheld": False,
        "responded": results.responded,
        "questions": [_question(q) for q in results.questions],
        "themes": [asdict(t) for t in results.themes],
    }


def shown_enps(results: SurveyResults) -> tuple[int, int] | None:
    """(eNPS, answers behind it) as the results show it; None when withheld or there is none."""
    enps = None if results.withheld_reason else results.enps
    return None if enps is None else (enps.score, enps.answered)


def current(figures: Mapping[str, Any] | None) -> bool:
    """Stored figures this code can read (not missing, not of another version)."""
    return figures is not None and figures.get("v") == VERSION


def previous_round(survey: SurveyInfo, invited: int, figures: Mapping[str, Any]) -> SurveyResults | None:
    """The previous round's results, as compared with: None when they were withheld."""
    if figures["withheld"]:
        return None
    by_key = {q.key: q for q in survey.questions}
    questions = [_stats(by_key[q["key"]], q) for q in figures["questions"] if q["key"] in by_key]
    return SurveyResults(
        survey=survey,
        invited=invited,
        responded=figures["responded"],
        questions=questions,
        themes=[ThemeScore(**t) for t in figures["themes"]],
    )


def _question(stats: QuestionStats) -> dict[str, Any]:
    if stats.hidden:
        return {"key": stats.question.key, "answered": stats.answered, "hidden": True}
    e = stats.enps
    return {
        "key": stats.question.key,
        "answered": stats.answered,
        "hidden": False,
        "mean": stats.mean,
        "distribution": [[point, n] for point, n in stats.distribution.items()],
        "enps": None if e is None else [e.score, e.promoters, e.passives, e.detractors],
    }


def _stats(question: Question, raw: Mapping[str, Any]) -> QuestionStats:
    if raw["hidden"]:
        return QuestionStats(question, raw["answered"], None, {}, None, hidden=True)
    enps = raw["enps"]
    return QuestionStats(
        question=question,
        answered=raw["answered"],
        mean=raw["mean"],
        distribution={int(point): int(n) for point, n in raw["distribution"]},
        enps=None if enps is None else Enps(*enps),
    )
