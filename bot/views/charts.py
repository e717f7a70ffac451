"""Charts as PNG bytes (matplotlib, headless): plain series in, image out."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.domain.digest import WeekPoint

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def sentiment_trend_png(
    points: Sequence[WeekPoint], title: str = "Customer sentiment, last 8 weeks"
) -> bytes:
    """Bars of feedback volume, a line of mean polarity, and eNPS rounds as markers (own axis).

    matplotlib is imported here, on first use: it costs ~30 MB of memory a bot that never draws (no
    digest due yet) should not carry.
    """
    import matplotlib

    matplotlib.use("Agg")  # no display; must precede pyplot
    from matplotlib import pyplot as plt

    fig: Figure = plt.figure(figsize=(8, 3.6), dpi=100)
    try:
        volume_ax = fig.add_subplot(111)
        labels = [p.label[-3:] for p in points]
        x = range(len(points))
        volume_ax.bar(x, [p.volume for p in points], color="#d0d7de", label="feedback items")
        volume_ax.set_ylabel("items")
        volume_ax.set_xticks(list(x), labels)
        polarity_ax = volume_ax.twinx()
        polarity_ax.set_ylim(-1, 1)
        polarity_ax.axhline(0, color="#999999", linewidth=0.8)
        polarity_ax.plot(
            [i for i, p in zip(x, points, strict=True) if p.mean_polarity is not None],
            [p.mean_polarity for p in points if p.mean_polarity is not None],
            color="#2f6fde",
            marker="o",
            label="mean polarity",
        )
        polarity_ax.set_ylabel("polarity (-1 … 1)")
        rounds = [(i, p.enps) for i, p in zip(x, points, strict=True) if p.enps is not None]
        if rounds:
            polarity_ax.scatter(
                [i for i, _ in rounds],
                [e / 100 for _, e in rounds],
                color="#1a7f37",
                marker="D",
                zorder=3,
                label="eNPS ÷ 100",
            )
        fig.legend(loc="lower center", ncol=3, fontsize=8, frameon=False)
        volume_ax.set_title(title, fontsize=10)
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)


def distribution_png(title: str, questions: Sequence[tuple[str, dict[int, int]]]) -> bytes:
    """One bar chart per scored question (at most four): how many chose each point of the scale."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    shown = list(questions)[:4]
    fig: Figure = plt.figure(figsize=(8, 2.4 * max(1, len(shown))), dpi=100)
    try:
        for index, (question, distribution) in enumerate(shown, start=1):
            ax = fig.add_subplot(len(shown), 1, index)
            points = sorted(distribution)
            ax.bar([str(p) for p in points], [distribution[p] for p in points], color="#2f6fde")
            ax.set_title(question if len(question) <= 90 else question[:89] + "…", fontsize=9)
            ax.set_ylabel("answers", fontsize=8)
        fig.suptitle(title, fontsize=10)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(fig)
