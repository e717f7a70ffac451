"""The charts' structure read back through matplotlib's objects (not pixels), their alt text, their size,
and the README's pictures coming from bench/charts_example.py."""

from __future__ import annotations

import struct
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sqlalchemy import insert

from bench import charts_example
from bot.clock import FixedClock
from bot.container import Container
from bot.domain.digest import WeekPoint, WindowStats, trend, trend_weeks
from bot.domain.digest_period import week_of
from bot.domain.pulse_charts import EnpsItem, LikertItem, SurveyChart, ThemeScore
from bot.views.chart_text import SEGMENTS, digest_alt_text, survey_alt_text, week_start
from bot.views.charts import (
    DPI,
    MAX_PNG_BYTES,
    digest_figure,
    sentiment_trend_png,
    survey_figure,
    survey_results_png,
)
from jobs.digest import send_weekly_digests
from storage.models import Feedback
from tests.conftest import OWNER
from tests.slack_requests import TEAM_ID, SlackDriver
from tests.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]
BERLIN = charts_example.BERLIN


def axes(fig: Figure, label: str) -> Axes:
    [ax] = [a for a in fig.axes if a.get_label() == label]
    return ax


def bars(ax: Axes) -> dict[str, list[Any]]:
    """Each series (legend label) -> its rectangles."""
    return {c.get_label(): list(c.patches) for c in ax.containers}


def texts(fig: Figure) -> list[str]:
    found = [t.get_text() for t in fig.findobj(match=lambda o: hasattr(o, "get_text"))]
    return [t for t in found if t]


def png_size(png: bytes) -> tuple[int, int]:
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def points_of(
    weekly: list[dict[str, int] | None], rounds: dict[int, tuple[int, int]]
) -> tuple[WeekPoint, ...]:
    """Trend points through the digest's own rule: weekly label counts (None: no feedback), and
    {week index: (eNPS, answers)}."""
    weeks = trend_weeks(charts_example.LAST_WEEK)
    stats = [
        WindowStats(sum(c.values()), c, 0.0, 0) if c else WindowStats(0, {}, None, 0)
        for c in (w or {} for w in weekly)
    ]
    at = [(weeks[i].start + timedelta(days=2), score, n) for i, (score, n) in sorted(rounds.items())]
    return trend(weeks, stats, at)


# The digest chart ------------------------------------------------------------------------------------

WEEKLY: list[dict[str, int] | None] = [
    {"negative": 3, "neutral": 5, "positive": 12},
    None,
    {"negative": 1, "needs_review": 2, "neutral": 0, "positive": 4},
    {"negative": 9, "neutral": 1, "positive": 1},
    None,
    {"positive": 1},
    {"negative": 2, "needs_review": 1, "neutral": 2, "positive": 5},
    {"negative": 4, "needs_review": 4, "neutral": 4, "positive": 4},
]


def test_digest_bars_are_each_weeks_label_shares_with_the_count_above_and_gaps_for_empty_weeks() -> None:
    points = points_of(WEEKLY, {2: (25, 12), 6: (-40, 5)})
    fig = digest_figure(points)
    mix = axes(fig, "feedback mix")
    series = bars(mix)
    assert list(series) == [words for _, words in SEGMENTS]  # bottom of the stack first
    with_data = [i for i, w in enumerate(WEEKLY) if w]
    for (key, words), rects in zip(SEGMENTS, series.values(), strict=True):
        assert [round(r.get_x() + r.get_width() / 2) for r in rects] == with_data, words
        for i, rect in zip(with_data, rects, strict=True):
            counts = WEEKLY[i] or {}
            assert rect.get_height() == pytest.approx(100 * counts.get(key, 0) / sum(counts.values()))
    for n in range(len(with_data)):  # the stack of each week fills 100 %
        top = [rects[n] for rects in series.values()][-1]
        assert top.get_y() + top.get_height() == pytest.approx(100)
    above = {round(t.get_position()[0]): t.get_text() for t in mix.texts}
    for i, w in enumerate(WEEKLY):
        assert above[i] == (str(sum(w.values())) if w else "no\nfeedback")
    assert mix.get_ylabel() == "share of feedback"
    assert not any("polarity" in t.lower() for t in texts(fig))


def test_enps_has_its_own_minus_100_to_100_panel_with_the_answers_behind_each_point() -> None:
    points = points_of(WEEKLY, {2: (25, 12), 6: (-40, 5)})
    enps = axes(digest_figure(points), "enps")
    assert enps.get_ylim() == (-100, 100)
    [line] = [ln for ln in enps.lines if ln.get_marker() == "o"]
    assert list(line.get_xdata()) == [2, 6] and list(line.get_ydata()) == [25, -40]
    assert sorted(t.get_text() for t in enps.texts) == ["+25 (12 answers)", "-40 (5 answers)"]
    assert [t.get_text() for t in enps.get_xticklabels()] == [week_start(p.label) for p in points]

    quiet = axes(digest_figure(points_of(WEEKLY, {})), "enps")
    assert not [ln for ln in quiet.lines if ln.get_marker() == "o"]
    assert [t.get_text() for t in quiet.texts] == ["no eNPS survey closed in these weeks"]


def test_digest_alt_text_says_each_weeks_numbers() -> None:
    points = points_of(WEEKLY, {2: (25, 12)})
    alt = digest_alt_text(points)
    assert f"Week of {week_start(points[1].label)}: no feedback." in alt
    assert (
        f"Week of {week_start(points[2].label)}: 7 items (1 negative, 2 needs a human read, 4 positive); "
        "eNPS +25 from 12 answers." in alt
    )
    assert (
        f"Week of {week_start(points[7].label)}: 16 items (4 negative, 4 needs a human read, 4 neutral, "
        "4 positive)." in alt
    )
    assert "1 item (1 positive)" in alt and len(alt) <= 1000


def test_the_png_is_2x_and_under_a_megabyte_even_with_long_weeks() -> None:
    busy = [{"negative": 900, "needs_review": 90, "neutral": 4000, "positive": 9999}] * 8
    png = sentiment_trend_png(points_of(list(busy), {n: (n * 10 - 40, 300) for n in range(8)}))
    assert len(png) < MAX_PNG_BYTES
    assert png_size(png) == (8 * DPI, 5 * DPI)  # 8 x 5 inches at 200 dpi: twice matplotlib's 100


@pytest.fixture
def configured(container: Container) -> Container:
    container.workspaces.ensure(TEAM_ID)
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"digest_channel": "CDIGEST1"})
    return container


def test_the_digest_counts_corrected_and_needs_review_labels_and_the_job_uploads_them_in_words(
    configured: Container, clock: FixedClock, slack: SlackStandIn
) -> None:
    """From the database to the uploaded chart: the chart's bars equal counts made here, independently."""
    now = clock.now()
    tz = configured.workspace_settings.get(TEAM_ID).tz
    rows = []
    plan = ["positive"] * 5 + ["negative"] * 3 + ["needs_review"] * 2 + ["neutral"] * 4
    for n, label in enumerate(plan * 3):
        received = now - timedelta(days=1 + (n * 37) % 40, hours=n % 7)
        corrected = label == "negative" and n % 2 == 0  # scored negative at first, then corrected
        rows.append(
            {
                "team_id": TEAM_ID,
                "source": "seed",
                "external_id": f"c-{n}",
                "text": "x",
                "tags": [],
                "polarity": -0.5 if label == "negative" else 0.3,
                "subjectivity": 0.5,
                "label": "positive" if corrected else label,
                "label_corrected_by": "UAGENT1" if corrected else None,
                "label_corrected_at": received if corrected else None,
                "state": "new",
                "received_at": received,
                "created_at": received,
            }
        )
    with configured.sessions.begin() as s:
        s.execute(insert(Feedback), rows)
    week = week_of(now - timedelta(days=7), tz)
    digest = configured.digests.build(TEAM_ID, week)
    mix = axes(digest_figure(digest.trend), "feedback mix")
    series = bars(mix)
    for i, w in enumerate(trend_weeks(week)):
        in_week = [r for r in rows if w.start <= r["received_at"] < w.end]
        point = digest.trend[i]
        assert point.volume == len(in_week)
        assert point.corrected == sum(1 for r in in_week if r["label_corrected_by"])
        for key, words in SEGMENTS:
            expected = sum(1 for r in in_week if r["label"] == key)
            assert point.count(key) == expected
            shown = [r for r in series[words] if round(r.get_x() + r.get_width() / 2) == i]
            if not in_week:
                assert not shown, "an empty week is a gap"
            else:
                assert shown[0].get_height() == pytest.approx(100 * expected / len(in_week))
    assert any(p.count("needs_review") for p in digest.trend)

    assert send_weekly_digests(configured) == 1
    [requested] = slack.calls_to("files.getUploadURLExternal")
    assert requested["alt_txt"] == digest_alt_text(digest.trend)
    assert f"Week of {week_start(week.label)}: {digest.trend[-1].volume} items (" in requested["alt_txt"]
    [png] = slack.uploads.values()
    assert len(png) < MAX_PNG_BYTES and png_size(png) == (8 * DPI, 5 * DPI)


# The survey chart --------------------------------------------------------------------------------------

SURVEY = SurveyChart(
    title="Engagement pulse",
    responded=14,
    invited=20,
    items=(
        LikertItem("I can fix a customer's problem without waiting for someone's sign-off.", (1, 2, 3, 5, 3)),
        LikertItem("I often feel worn out.", (4, 5, 1, 2, 2), reverse=True),
        LikertItem("When I raise something, something happens.", (0, 0, 2, 0, 0)),
    ),
    enps=(EnpsItem("How likely are you to recommend working here?", 3, 4, 7),),
)


def row_spans(ax: Axes, words: tuple[str, ...], row: int) -> list[tuple[float, float]]:
    series = bars(ax)
    return [
        (r.get_x(), r.get_x() + r.get_width())
        for word in words
        for r in series[word]
        if round(r.get_y() + r.get_height() / 2) == row
    ]


def test_diverging_bars_put_disagree_left_and_agree_right_of_the_centre_with_neutral_split() -> None:
    fig = survey_figure(SURVEY)
    ax = axes(fig, "agreement")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Strongly disagree",
        "Disagree",
        "Neutral",
        "Agree",
        "Strongly agree",
    ]
    for row, item in enumerate(SURVEY.items):
        left_words, right_words = ("Strongly disagree", "Disagree"), ("Agree", "Strongly agree")
        left = sum(b - a for a, b in row_spans(ax, left_words, row))
        right = sum(b - a for a, b in row_spans(ax, right_words, row))
        [(n_from, n_to)] = row_spans(ax, ("Neutral",), row)
        assert n_from == pytest.approx(-n_to)  # neutral straddles the centre
        assert all(b <= n_from + 1e-9 for _, b in row_spans(ax, left_words, row))
        assert all(a >= n_to - 1e-9 for a, _ in row_spans(ax, right_words, row))
        # Right of the centre: the favourable answers (agree; disagree when reverse-scored).
        assert right * item.n / 100 == pytest.approx(item.favourable)
        assert left * item.n / 100 == pytest.approx(item.unfavourable)
    plain, flipped = SURVEY.items[0], SURVEY.items[1]
    assert sum(b - a for a, b in row_spans(ax, ("Strongly disagree", "Disagree"), 0)) * plain.n / 100 == (
        pytest.approx(plain.disagree)
    )
    assert sum(b - a for a, b in row_spans(ax, ("Agree", "Strongly agree"), 1)) * flipped.n / 100 == (
        pytest.approx(flipped.disagree)
    )
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[1].startswith("† ") and not labels[0].startswith("† ")
    assert any(t.startswith("† Reverse-scored") for t in texts(fig))
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["57% favourable\n14 answers", "64% favourable\n14 answers", "0% favourable\n2 answers"]


def test_enps_is_drawn_as_detractors_passives_promoters_and_themes_only_when_there_are_some() -> None:
    fig = survey_figure(SURVEY)
    ax = axes(fig, "enps")
    words = ("Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(words)
    (d0, d1), (p0, p1), (m0, m1) = row_spans(ax, words, 0)
    assert (d1 - d0, p1 - p0, m1 - m0) == pytest.approx((100 * 3 / 14, 100 * 4 / 14, 100 * 7 / 14))
    assert d1 == pytest.approx(p0) and p0 == pytest.approx(-p1) and m0 == pytest.approx(p1)
    assert [t.get_text() for t in ax.texts] == ["eNPS +29\n14 answers"]
    assert not [a for a in fig.axes if a.get_label() == "themes"]

    themed = replace(SURVEY, themes=(ThemeScore("Clarity", 3.9, 72, 40),))
    themes = axes(survey_figure(themed), "themes")
    [bar] = bars(themes)["% favourable"]
    assert bar.get_width() == 72 and [t.get_text() for t in themes.get_yticklabels()] == ["Clarity"]
    assert themes.texts[0].get_text() == "72% favourable\nmean 3.9 of 5, 40 answers"
    png = survey_results_png(themed)
    assert len(png) < MAX_PNG_BYTES and png_size(png)[0] == 9.5 * DPI


def test_survey_alt_text_says_the_numbers() -> None:
    alt = survey_alt_text(SURVEY)
    assert alt.startswith("Results of Engagement pulse: 14 of 20 responded.")
    assert (
        "“I can fix a customer's problem without waiting for someone's sign-off”: 57% favourable; "
        "8 agree, 3 neutral, 3 disagree, of 14." in alt
    )
    assert (
        "“I often feel worn out” (reverse-scored: disagreeing is favourable): 64% favourable; 4 agree" in alt
    )
    assert "eNPS +29; 7 promoters, 4 passives, 3 detractors, of 14." in alt
    many = SurveyChart("Long", 3, 3, tuple(LikertItem("q" * 150, (1, 0, 0, 1, 1)) for _ in range(10)), ())
    assert len(survey_alt_text(many)) <= 1000 and survey_alt_text(many).endswith("…")


def test_the_pulse_job_uploads_the_new_chart_with_its_numbers_as_alt_text(
    driver: SlackDriver, container: Container, slack: SlackStandIn
) -> None:
    from jobs.pulse import run_pulse_surveys
    from tests.pulse_helpers import Respondent, launch, people

    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"digest_channel": "CDIGEST1"})
    team = people(slack, 6)
    survey_id = launch(driver, container)
    container.outbox.drain()
    for user, score in zip(team, (10, 9, 8, 7, 3, 9), strict=True):
        Respondent.from_dm(driver, slack, user).click("q1", score)
    driver.command("/pulse", f"close {survey_id}", user=OWNER)
    run_pulse_surveys(container)
    [requested] = slack.calls_to("files.getUploadURLExternal")
    assert "eNPS +33; 3 promoters, 2 passives, 1 detractors, of 6." in requested["alt_txt"]
    [png] = slack.uploads.values()
    assert len(png) < MAX_PNG_BYTES


# The README's pictures -------------------------------------------------------------------------------


def test_the_readme_pictures_are_what_the_example_script_draws(tmp_path: Path) -> None:
    digest_png, survey_png = charts_example.write(tmp_path)
    for made in (digest_png, survey_png):
        committed = ROOT / "docs" / made.name
        assert committed.exists(), f"run python -m bench.charts_example to write {committed}"
        assert png_size(committed.read_bytes()) == png_size(made.read_bytes())
        assert made.stat().st_size < MAX_PNG_BYTES
        assert f"(docs/{made.name})" in (ROOT / "README.md").read_text()
    # The example data is drawn as the charts' rules say: bars per week equal the example's counts.
    points = charts_example.example_points()
    series = bars(axes(digest_figure(points), "feedback mix"))
    for i, counts in enumerate(charts_example.WEEKLY_LABELS):
        heights = [r.get_height() for rects in series.values() for r in rects if round(r.get_x() + 0.35) == i]
        if counts is None:
            assert not heights
        else:
            assert heights == pytest.approx([100 * c / sum(counts) for c in counts])
    chart = charts_example.example_survey()
    assert [i.counts for i in chart.items] == list(charts_example.AGREEMENT.values())
    assert [i.reverse for i in chart.items] == [False, False, False, True]
    by_theme = {t.theme: t for t in chart.themes}  # a one-question theme says what its question says
    assert (by_theme["Voice acted on"].favourable, by_theme["Voice acted on"].n) == (
        chart.items[2].favourable_pct,
        chart.items[2].n,
    )
    assert by_theme["Empathy fatigue"].favourable == chart.items[3].favourable_pct
