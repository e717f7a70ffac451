"""The words of the charts: series names, week names, and alt text that says every chart's numbers.

Alt text is what a screen reader reads and what shows where images do not load, so it carries the
numbers themselves, not a description of the shapes. Slack takes at most 1,000 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.digest import WeekPoint
from bot.domain.pulse_charts import SurveyChart

ALT_TEXT_LIMIT = 1000

# (label in the data, words on the chart), bottom of the stack first.
SEGMENTS = (
    ("negative", "negative"),
    ("needs_review", "needs a human read"),
    ("neutral", "neutral"),
    ("positive", "positive"),
)


def week_start(label: str) -> str:
    """'2026-W47' -> '16 Nov' (the Monday); the label itself if it is not an ISO week."""
    try:
        year, week = label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1).strftime("%-d %b")
    except ValueError:
        return label


def _items(n: int) -> str:
    return "1 item" if n == 1 else f"{n} items"


def _quoted(question: str) -> str:
    return "“" + " ".join(question.split()).rstrip(".:;") + "”"


def _fit(sentences: Sequence[str]) -> str:
    """Whole sentences up to the limit; an ellipsis says some were left out."""
    text = ""
    for sentence in sentences:
        candidate = f"{text} {sentence}".strip()
        if len(candidate) > ALT_TEXT_LIMIT - 2:
            return text + " …"
        text = candidate
    return text


def digest_alt_text(points: Sequence[WeekPoint]) -> str:
    """Each week's feedback by label and its eNPS round, in words."""
    sentences = [f"Customer feedback by week, {len(points)} weeks."]
    for p in points:
        when = f"Week of {week_start(p.label)}"
        if not p.volume:
            sentence = f"{when}: no feedback"
        else:
            parts = ", ".join(f"{p.count(key)} {words}" for key, words in SEGMENTS if p.count(key))
            sentence = f"{when}: {_items(p.volume)} ({parts})"
        if p.enps is not None:
            answers = "" if p.enps_responses is None else f" from {p.enps_responses} answers"
            sentence += f"; eNPS {round(p.enps):+d}{answers}"
        sentences.append(sentence + ".")
    return _fit(sentences)


def survey_alt_text(chart: SurveyChart) -> str:
    """Each question's favourable share with its agree / neutral / disagree counts, and each eNPS."""
    taken = (
        f"{chart.responded} of {chart.invited} responded" if chart.invited else f"{chart.responded} responded"
    )
    sentences = [f"Results of {chart.title}: {taken}."]
    for t in chart.themes:
        sentences.append(
            f"Theme {t.theme}: {t.favourable}% favourable, mean {t.mean:.1f} of 5, {t.n} answers."
        )
    for item in chart.items:
        flipped = " (reverse-scored: disagreeing is favourable)" if item.reverse else ""
        sentences.append(
            f"{_quoted(item.text)}{flipped}: {item.favourable_pct}% favourable; {item.agree} agree, "
            f"{item.neutral} neutral, {item.disagree} disagree, of {item.n}."
        )
    for e in chart.enps:
        sentences.append(
            f"{_quoted(e.text)}: eNPS {e.score:+d}; {e.promoters} promoters, {e.passives} passives, "
            f"{e.detractors} detractors, of {e.n}."
        )
    return _fit(sentences)
