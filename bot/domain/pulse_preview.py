"""The launch preview (issue 20's "anonymity receipt"): who would be asked, how many answers to expect at this
workspace's usual response rate, and what the owner will then see (pure: plain values in and out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.pulse import audience_problem
from bot.domain.pulse_questions import SCALE_10, Question
from bot.domain.pulse_stats import SurveyInfo

# What the results will be, at the expected number of answers. Results appear...
SHOWN = "shown"  # ...with comments: enough answers expected for both thresholds
SCORES_ONLY = "scores_only"  # ...without comments: enough for scores, not for comments
AT_RISK = "at_risk"  # ...only if more answer than usual: fewer than the minimum expected
UNKNOWN_RATE = "unknown_rate"  # no closed survey yet to tell how many usually answer
POOLED = "pooled"  # a small team's recurring survey: rounds combined, direction only
REFUSED = "refused"  # the launch would be refused (too few people for an anonymous survey)
ATTRIBUTED = "attributed"  # not anonymous: names with answers, no thresholds
NOT_COUNTED = "not_counted"  # Slack would not say who is in the audience

# The closed surveys whose response rate predicts the next one's.
RATE_SURVEYS = 5


@dataclass(frozen=True)
class ResponseRate:
    """The share who answered this workspace's last closed surveys, pooled (not a mean of shares)."""

    invited: int
    responded: int
    surveys: int

    @property
    def share(self) -> float | None:
        return self.responded / self.invited if self.invited else None


def response_rate(closed: Sequence[tuple[int, int]]) -> ResponseRate:
    """From (invited, responded) of recent closed surveys; those that invited nobody are left out."""
    counted = [(i, r) for i, r in closed if i > 0]
    return ResponseRate(sum(i for i, _ in counted), sum(r for _, r in counted), len(counted))


@dataclass(frozen=True)
class LaunchPreview:
    """What the owner is shown before launching; `survey` is the draft as its invitees will see it."""

    survey: SurveyInfo
    asked: int | None  # who would be invited; None when Slack would not say (see `not_counted`)
    away: int
    not_counted: str | None
    rate: ResponseRate
    comment_min_responses: int
    refusal: str | None

    @property
    def expected(self) -> int | None:
        share = self.rate.share
        return None if share is None or self.asked is None else round(self.asked * share)

    @property
    def outcome(self) -> str:
        expected = self.expected
        if self.asked is None:
            return NOT_COUNTED
        if self.refusal is not None:
            return REFUSED
        if not self.survey.anonymous:
            return ATTRIBUTED
        if self.survey.recurrence != "none" and self.asked < self.survey.min_responses:
            return POOLED
        if expected is None:
            return UNKNOWN_RATE
        if expected < self.survey.min_responses:
            return AT_RISK
        return SHOWN if expected >= self.comment_min_responses else SCORES_ONLY


def launch_preview(
    survey: SurveyInfo,
    asked: int | None,
    *,
    away: int = 0,
    not_counted: str | None = None,
    rate: ResponseRate,
    comment_min_responses: int,
) -> LaunchPreview:
    """The preview of a draft (`survey.min_responses` already the effective minimum). The refusal is the
    launch's own check on the same count, so the preview and the launch cannot disagree."""
    refusal = None
    if asked is not None:
        problem = audience_problem(survey.anonymous, asked, survey.min_responses, survey.recurrence != "none")
        refusal = problem.message if problem is not None else None
    return LaunchPreview(survey, asked, away, not_counted, rate, comment_min_responses, refusal)


def shown_as(question: Question, anonymous: bool) -> str:
    """What the results will show of one question (as bot/views/pulse.py renders them)."""
    if not question.scored:
        return (
            "the comments, word for word, without names" if anonymous else "the comments with who wrote each"
        )
    if question.kind == SCALE_10:
        return "eNPS (promoters 9-10 minus detractors 0-6), its three counts, the mean, each score's count"
    return "the mean and how many chose each point of the scale"
