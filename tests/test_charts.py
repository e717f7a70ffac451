"""Charts render headless to a PNG, with gaps and eNPS rounds."""

from __future__ import annotations

from bot.domain.digest import WeekPoint
from bot.views.charts import sentiment_trend_png


def test_trend_chart_is_a_png_even_with_empty_weeks() -> None:
    points = [
        WeekPoint(
            f"2026-W{w}", None if w == 41 else (w - 44) / 10, 0 if w == 41 else w, 20.0 if w == 46 else None
        )
        for w in range(40, 48)
    ]
    png = sentiment_trend_png(points)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
