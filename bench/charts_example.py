"""Draw the README's pictures from example data: docs/digest-chart.png and docs/survey-chart.png.

Run:  python -m bench.charts_example [--out docs]
The example numbers go through the same rules the bot uses (the digest's `trend`, the survey's
`question_stats` and `survey_chart`) and the same drawing functions, so the pictures show what the bot
posts. Fixed numbers, no randomness: re-running gives the same charts.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.digest import WeekPoint, WindowStats, trend, trend_weeks
from bot.domain.digest_period import week_of
from bot.domain.pulse_charts import SurveyChart, ThemeScore, survey_chart
from bot.domain.pulse_questions import AGREE_5, SCALE_10, Question
from bot.domain.pulse_stats import SurveyInfo, SurveyResults, question_stats
from bot.views.charts import sentiment_trend_png, survey_results_png

BERLIN = ZoneInfo("Europe/Berlin")
LAST_WEEK = week_of(datetime(2026, 11, 18, 12, tzinfo=UTC), BERLIN)  # 2026-W47

# Per week, oldest first: negative, needs a human read, neutral, positive (None: no feedback that week).
WEEKLY_LABELS: tuple[tuple[int, int, int, int] | None, ...] = (
    (9, 0, 11, 14),
    (12, 0, 10, 12),
    None,
    (7, 2, 9, 16),
    (14, 3, 8, 10),
    (8, 2, 12, 19),
    (6, 1, 10, 22),
    (5, 2, 9, 25),
)
CORRECTED = (1, 2, 0, 1, 3, 1, 0, 2)
# (weeks before LAST_WEEK the round closed in, eNPS answers 0-10)
ENPS_ROUNDS = (
    (6, (10, 9, 9, 8, 7, 7, 6, 5, 3, 9, 10, 8)),
    (2, (10, 10, 9, 9, 9, 8, 8, 7, 6, 10, 9, 4, 9, 8)),
)

QUESTIONS = (
    Question("q1", AGREE_5, "I can fix a customer's problem without waiting for someone's sign-off."),
    Question("q2", AGREE_5, "My tools let me see what I need to solve a customer's problem."),
    Question("q3", AGREE_5, "When I raise something, something happens."),
    Question("q4", AGREE_5, "Handling upset customers this week left me drained."),
    Question("q5", SCALE_10, "How likely are you to recommend working here to a friend?"),
)
REVERSE_SCORED = frozenset({"q4"})
# How many chose 1..5 (strongly disagree .. strongly agree) per agreement question; q5's 0-10 answers.
AGREEMENT = {"q1": (0, 1, 2, 8, 6), "q2": (1, 3, 4, 6, 3), "q3": (2, 4, 5, 4, 2), "q4": (4, 5, 3, 4, 1)}
RECOMMEND = (10, 10, 9, 9, 9, 9, 8, 8, 7, 7, 6, 6, 5, 3, 9, 8, 10)
THEMES = {"Empowered": ("q1", "q2"), "Voice acted on": ("q3",), "Empathy fatigue": ("q4",)}


def example_points() -> tuple[WeekPoint, ...]:
    """Eight weeks of the digest's trend, built by the digest's own `trend` rule."""
    weeks = trend_weeks(LAST_WEEK)
    stats = []
    for counts, corrected in zip(WEEKLY_LABELS, CORRECTED, strict=True):
        labels = dict(
            zip(("negative", "needs_review", "neutral", "positive"), counts or (0, 0, 0, 0), strict=True)
        )
        total = sum(labels.values())
        mean = None if not total else (labels["positive"] - labels["negative"]) / total / 2
        stats.append(WindowStats(total, labels, mean, corrected if total else 0))
    rounds = []
    for weeks_before, answers in ENPS_ROUNDS:
        closed = weeks[-1 - weeks_before].start + timedelta(days=3)
        e = question_stats(QUESTIONS[4], [{"q5": a} for a in answers]).enps
        assert e is not None
        rounds.append((closed, e.score, e.answered))
    return trend(weeks, stats, rounds)


def theme_scores() -> tuple[ThemeScore, ...]:
    """Each theme over its questions' answers, reverse-scored ones flipped (5 <-> 1): mean, % favourable."""
    scores = []
    for theme, keys in THEMES.items():
        counts = [AGREEMENT[k][::-1] if k in REVERSE_SCORED else AGREEMENT[k] for k in keys]
        n = sum(sum(c) for c in counts)
        total = sum(point * c[point - 1] for c in counts for point in range(1, 6))
        favourable = sum(c[3] + c[4] for c in counts)
        scores.append(ThemeScore(theme, round(total / n, 1), round(100 * favourable / n), n))
    return tuple(scores)


def example_survey() -> SurveyChart:
    """A closed engagement pulse with one reverse-scored item and three themes."""
    answers: list[dict[str, int]] = [{"q5": score} for score in RECOMMEND]
    for key, counts in AGREEMENT.items():
        values = [point for point, n in zip(range(1, 6), counts, strict=True) for _ in range(n)]
        for answer, value in zip(answers, values, strict=False):
            answer[key] = value
    info = SurveyInfo(
        id=1,
        title="Engagement pulse",
        questions=QUESTIONS,
        anonymous=True,
        min_responses=3,
        closes_at=LAST_WEEK.end,
        timezone=BERLIN,
        state="closed",
        invited=21,
    )
    results = SurveyResults(
        survey=info,
        invited=21,
        responded=len(answers),
        questions=[question_stats(q, answers) for q in QUESTIONS],
    )
    return survey_chart(results, reverse_keys=REVERSE_SCORED, themes=theme_scores())


def write(out: Path) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    digest, survey = out / "digest-chart.png", out / "survey-chart.png"
    digest.write_bytes(sentiment_trend_png(example_points()))
    survey.write_bytes(survey_results_png(example_survey()))
    return digest, survey


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs"), help="folder for the PNGs (default: docs)")
    for path in write(parser.parse_args().out):
        print(f"{path}  {path.stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
