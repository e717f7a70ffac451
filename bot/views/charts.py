"""Charts as PNG bytes (matplotlib, headless): the digest's weekly feedback mix and a survey's results.

Figures are built with matplotlib's object API (no pyplot: no global state, safe in the scheduler's
threads) and saved at 2x (200 dpi) for high-density screens. matplotlib is imported on first use: it
costs ~30 MB of memory a bot that never draws should not carry. The palette is Okabe-Ito
(colour-blind safe); the words each chart says are in bot/views/chart_text.py.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.digest import WeekPoint
from bot.domain.pulse_charts import SurveyChart
from bot.views.chart_text import SEGMENTS, week_start

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

DPI = 200  # 2x of matplotlib's 100: crisp on high-density screens, still far under 1 MB
MAX_PNG_BYTES = 1_000_000

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
VERMILLION, ORANGE, GREY, SKY_BLUE, BLUE, BLUISH_GREEN = (
    "#D55E00",
    "#E69F00",
    "#BBBBBB",
    "#56B4E9",
    "#0072B2",
    "#009E73",
)
SEGMENT_COLOURS = {"negative": VERMILLION, "needs_review": ORANGE, "neutral": GREY, "positive": BLUISH_GREEN}
SCALE_WORDS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")
SCALE_COLOURS = (VERMILLION, ORANGE, GREY, SKY_BLUE, BLUE)
ENPS_WORDS = ("Detractors (0-6)", "Passives (7-8)", "Promoters (9-10)")
ENPS_COLOURS = (VERMILLION, GREY, BLUE)
INK, MUTED = "#222222", "#666666"


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _plain(ax: Axes) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8, colors=INK)


# The digest ------------------------------------------------------------------------------------------


def digest_figure(points: Sequence[WeekPoint], title: str = "Customer feedback, last 8 weeks") -> Figure:
    """Per week a 100 % stacked bar of the labels (count above it); eNPS rounds in their own panel.

    A week without feedback is a gap with "no feedback" in it, never a zero-height bar; a week without
    an eNPS round has no point.
    """
    fig = _new_figure(8, 5)
    grid = fig.add_gridspec(2, 1, height_ratios=(3.2, 1), hspace=0.45)
    mix = fig.add_subplot(grid[0])
    mix.set_label("feedback mix")
    enps_ax = fig.add_subplot(grid[1], sharex=mix)
    enps_ax.set_label("enps")
    x = list(range(len(points)))
    shown = [i for i in x if points[i].volume]
    bottoms = [0.0] * len(shown)
    for key, words in SEGMENTS:
        heights = [100 * points[i].count(key) / points[i].volume for i in shown]
        mix.bar(
            shown,
            heights,
            bottom=bottoms,
            width=0.7,
            color=SEGMENT_COLOURS[key],
            edgecolor="white",
            linewidth=0.6,
            label=words,
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    for i, point in enumerate(points):
        if point.volume:
            mix.text(i, 102, str(point.volume), ha="center", va="bottom", fontsize=8.5, color=INK)
        else:
            mix.text(i, 50, "no\nfeedback", ha="center", va="center", fontsize=7.5, color=MUTED)
    mix.set_ylim(0, 114)
    mix.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    mix.set_ylabel("share of feedback", fontsize=9)
    mix.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.02), ncol=4, fontsize=8, frameon=False, handlelength=1.2
    )
    mix.tick_params(axis="x", labelbottom=False)
    _plain(mix)
    mix.spines["left"].set_bounds(0, 100)

    rounds = [(i, score, p.enps_responses) for i, p in enumerate(points) if (score := p.enps) is not None]
    enps_ax.axhline(0, color=GREY, linewidth=0.8, zorder=1)
    enps_ax.set_ylim(-100, 100)
    enps_ax.set_yticks([-100, 0, 100], ["-100", "0", "+100"])
    enps_ax.set_ylabel("eNPS", fontsize=9)
    if rounds:
        enps_ax.plot(
            [i for i, _, _ in rounds],
            [score for _, score, _ in rounds],
            linestyle="none",
            marker="o",
            markersize=6,
            color=BLUE,
            zorder=3,
        )
        for i, score, responses in rounds:
            answers = "" if responses is None else f" ({responses} answers)"
            above = score < 60
            enps_ax.annotate(
                f"{round(score):+d}{answers}",
                (i, score),
                xytext=(0, 7 if above else -7),
                textcoords="offset points",
                ha="center",
                va="bottom" if above else "top",
                fontsize=7.5,
                color=INK,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
                zorder=4,
            )
    else:
        enps_ax.text(
            0.5,
            0.5,
            "no eNPS survey closed in these weeks",
            transform=enps_ax.transAxes,
            ha="center",
            va="center",
            fontsize=8,
            color=MUTED,
        )
    enps_ax.set_xticks(x, [week_start(p.label) for p in points])
    enps_ax.set_xlim(-0.6, len(points) - 0.4)
    enps_ax.set_xlabel("week starting", fontsize=9)
    _plain(enps_ax)
    fig.suptitle(title, fontsize=11, fontweight="bold", x=0.08, ha="left", y=0.98)
    fig.text(
        0.08,
        0.925,
        "Number above each bar: feedback items that week. Labels the team corrected count as corrected.",
        fontsize=8,
        color=MUTED,
    )
    fig.subplots_adjust(left=0.1, right=0.97, top=0.8, bottom=0.1)
    return fig


def sentiment_trend_png(points: Sequence[WeekPoint], title: str = "Customer feedback, last 8 weeks") -> bytes:
    return _png(digest_figure(points, title))


# Survey results ---------------------------------------------------------------------------------------

_WIDTH, _LABELS_IN, _NOTES_IN = 9.5, 3.1, 1.9  # inches: figure, question column, right-hand notes
_ROW_IN, _HEAD_IN, _FOOT_IN, _TITLE_IN = 0.46, 0.5, 0.55, 0.5


def _wrap(text: str, width: int = 42, lines: int = 3) -> str:
    wrapped = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _diverging(
    ax: Axes,
    rows: Sequence[Sequence[int]],
    words: Sequence[str],
    colours: Sequence[str],
    centre: int,
) -> None:
    """Each row's shares (%): categories before `centre` left of 0, after it right, `centre` split."""
    ys = list(range(len(rows)))
    shares = [[100 * v / (sum(r) or 1) for v in r] for r in rows]
    lefts = [-(sum(s[:centre]) + s[centre] / 2) for s in shares]
    for k, (word, colour) in enumerate(zip(words, colours, strict=True)):
        widths = [s[k] for s in shares]
        ax.barh(
            ys, widths, left=lefts, height=0.62, color=colour, edgecolor="white", linewidth=0.6, label=word
        )
        lefts = [a + w for a, w in zip(lefts, widths, strict=True)]
    ax.axvline(0, color=INK, linewidth=0.8, zorder=3)
    ax.set_xlim(-100, 100)
    ax.set_xticks([-100, -50, 0, 50, 100], ["100%", "50%", "0", "50%", "100%"])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first question on top
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=len(words),
        fontsize=8,
        frameon=False,
        handlelength=1.2,
        columnspacing=1.0,
    )


def _notes(ax: Axes, notes: Sequence[str]) -> None:
    from matplotlib.transforms import blended_transform_factory

    where = blended_transform_factory(ax.transAxes, ax.transData)
    for y, note in enumerate(notes):
        ax.text(1.03, y, note, transform=where, ha="left", va="center", fontsize=8.5, color=INK)


def survey_figure(chart: SurveyChart) -> Figure:
    """Themes (when any), agreement questions as diverging bars, eNPS questions as detractors | passives
    | promoters; % favourable (or the eNPS) and the answers behind it on the right of each bar."""
    sizes = (("themes", len(chart.themes)), ("agreement", len(chart.items)), ("enps", len(chart.enps)))
    panels = [(kind, n) for kind, n in sizes if n]
    reversed_any = any(item.reverse for item in chart.items)
    height = (
        _TITLE_IN + sum(_HEAD_IN + n * _ROW_IN + _FOOT_IN for _, n in panels) + (0.3 if reversed_any else 0)
    )
    fig = _new_figure(_WIDTH, max(height, 2.0))
    top = height - _TITLE_IN
    for kind, n in panels:
        top -= _HEAD_IN
        bottom = top - n * _ROW_IN
        ax = fig.add_axes(
            (
                _LABELS_IN / _WIDTH,
                bottom / height,
                (_WIDTH - _LABELS_IN - _NOTES_IN) / _WIDTH,
                n * _ROW_IN / height,
            )
        )
        ax.set_label(kind)
        if kind == "themes":
            ys = list(range(n))
            ax.barh(ys, [t.favourable for t in chart.themes], height=0.62, color=BLUE, label="% favourable")
            ax.set_xlim(0, 100)
            ax.set_ylim(n - 0.5, -0.5)
            ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
            ax.set_yticks(ys, [_wrap(t.theme) for t in chart.themes])
            ax.set_title("Themes: share favourable", fontsize=9, loc="left", color=INK)
            _notes(
                ax,
                [f"{t.favourable}% favourable\nmean {t.mean:.1f} of 5, {t.n} answers" for t in chart.themes],
            )
        elif kind == "agreement":
            _diverging(
                ax,
                [i.counts[::-1] if i.reverse else i.counts for i in chart.items],
                SCALE_WORDS,
                SCALE_COLOURS,
                centre=2,
            )
            ax.set_yticks(list(range(n)), [("† " if i.reverse else "") + _wrap(i.text) for i in chart.items])
            _notes(ax, [f"{i.favourable_pct}% favourable\n{i.n} answers" for i in chart.items])
            ax.set_xlabel("share of answers:  ◀ unfavourable  |  favourable ▶", fontsize=8, color=MUTED)
        else:
            _diverging(
                ax,
                [(e.detractors, e.passives, e.promoters) for e in chart.enps],
                ENPS_WORDS,
                ENPS_COLOURS,
                centre=1,
            )
            ax.set_yticks(list(range(n)), [_wrap(e.text) for e in chart.enps])
            _notes(ax, [f"eNPS {e.score:+d}\n{e.n} answers" for e in chart.enps])
            ax.set_xlabel("share of answers", fontsize=8, color=MUTED)
        _plain(ax)
        ax.tick_params(axis="y", length=0)
        top = bottom - _FOOT_IN
    taken = (
        f"{chart.responded} of {chart.invited} responded" if chart.invited else f"{chart.responded} responded"
    )
    fig.text(
        0.3 / _WIDTH, 1 - 0.3 / height, f"{chart.title}: {taken}", fontsize=11, fontweight="bold", va="center"
    )
    if reversed_any:
        fig.text(
            0.3 / _WIDTH,
            0.18 / height,
            "† Reverse-scored: agreeing is unfavourable, so its bar is flipped: "
            "blue on the right = disagreed (favourable), orange on the left = agreed.",
            fontsize=7.5,
            color=MUTED,
            va="center",
        )
    return fig


def survey_results_png(chart: SurveyChart) -> bytes:
    return _png(survey_figure(chart))
