"""Block Kit for the weekly digest. Reads well without the chart; every list is cut with "and N more"."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import DividerBlock, HeaderBlock

from bot.domain.digest import (
    Digest,
    Durations,
    LoopSection,
    OpenItem,
    SentimentSection,
    TeamSection,
    WinsSection,
)
from bot.domain.speakup import SpeakupSummary
from bot.views.common import Message, context, count, escape, md_section, message, plain, truncate
from bot.views.feedback import EMOJI

EXCERPT = 140


def _signed(value: float | None, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:+.2f}{unit}"


def _arrow(change: float | None, against: str) -> str:
    if change is None:
        return ""
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    return f"{arrow}{abs(change):.2f} vs {against}"


def _duration(hours: float | None, minutes: int | None) -> str:
    """Minutes under an hour ("median 0 h" said nothing), hours under two days, then days."""
    if hours is None:
        return "n/a"
    if minutes is not None and minutes < 60:
        return "under a minute" if minutes < 1 else f"{minutes} min"
    return f"{hours:g} h" if hours < 48 else f"{hours / 24:.1f} days"


def _durations(name: str, d: Durations) -> str:
    if not d.count:
        return f"{name}: none this week"
    median, p90 = _duration(d.median_hours, d.median_minutes), _duration(d.p90_hours, d.p90_minutes)
    return f"{name}: median {median}, 90th percentile {p90} (of {count(d.count, 'item')})"


def card_link(channel: str, ts: str) -> str:
    """The archive link of a message, from where it is (no chat.getPermalink call needed)."""
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


def _age(days: int) -> str:
    return "received today" if days == 0 else f"{count(days, 'day')} old"


def _open_item(item: OpenItem) -> str:
    ref = f"#{item.id}"
    if item.card_channel and item.card_ts:
        ref = f"<{card_link(item.card_channel, item.card_ts)}|{ref}>"
    owner = f"<@{item.assignee}>" if item.assignee else "nobody yet"
    return f"• {ref}, {_age(item.age_days)}, {owner}: {_excerpt(item.excerpt)}"


def _excerpt(text: str) -> str:
    return "“" + escape(truncate(" ".join(text.split()), EXCERPT)) + "”"


def sentiment_blocks(section: SentimentSection) -> list[Any]:
    labels = " · ".join(
        f"{EMOJI[label]} {section.by_label.get(label, 0)} {label} ({section.share(label)}%)"
        for label in ("positive", "neutral", "negative")
    )
    changes = ", ".join(
        c
        for c in (
            _arrow(section.change_vs_last_week, "last week"),
            _arrow(section.change_vs_8_weeks, "the 8-week mean"),
        )
        if c
    )
    lines = [
        f"*Customer sentiment*: {count(section.count, 'item')} · {labels}",
        f"Mean polarity {_signed(section.mean_polarity)}" + (f" ({changes})" if changes else ""),
    ]
    if unsure := section.by_label.get("needs_review", 0):  # counted apart: never folded into neutral
        lines.insert(1, f":large_yellow_circle: {unsure} need{'s' if unsure == 1 else ''} a human read")
    if section.themes:
        lines.append(
            "Negative feedback keeps mentioning: "
            + ", ".join(f"_{escape(w)}_ ({n})" for w, n in section.themes)
        )
    corrected = f"; {section.corrected} corrected by people" if section.corrected else ""
    return [
        md_section("\n".join(lines)),
        context(
            f"Labels come from customers' ratings, else are scored automatically{corrected}. "
            "Anyone can correct one on its card."
        ),
    ]


def loop_blocks(loop: LoopSection) -> list[Any]:
    lines = [f"*Closing the loop*: {count(loop.open_negative, 'negative item')} still open"]
    lines.extend(_open_item(item) for item in loop.oldest_open)
    if loop.open_negative > len(loop.oldest_open):
        lines.append(f"… and {loop.open_negative - len(loop.oldest_open)} more")
    lines.append(_durations("First response", loop.first_response))
    lines.append(_durations("Resolution", loop.resolution))
    lines.append(f"SLA breaches: {loop.sla_breaches} · resolved this week: {loop.resolved}")
    blocks: list[Any] = [md_section("\n".join(lines))]
    if loop.you_said_we_did:
        said = [f"*You said, we did* ({loop.resolved})"]
        for customer, we_did in loop.you_said_we_did:
            said.append(f"• {_excerpt(customer)} → {escape(truncate(we_did, 300))}")
        if loop.resolved > len(loop.you_said_we_did):
            said.append(f"… and {loop.resolved - len(loop.you_said_we_did)} more")
        blocks.append(md_section("\n".join(said)))
    return blocks


def team_blocks(team: TeamSection) -> list[Any]:
    lines = ["*Team*"]
    results = team.results
    if results is not None and results.withheld_reason:
        lines.append(f"“{escape(results.survey.title)}” closed; {escape(results.withheld_reason)}")
    elif results is not None:
        rate = f"{results.responded} of {results.invited} answered ({results.response_rate}%)"
        enps = results.enps
        if enps is not None:
            previous = results.previous.enps if results.previous else None
            change = ""
            if previous is not None:
                delta = enps.score - previous.score
                change = f" ({'▲' if delta >= 0 else '▼'}{abs(delta)} vs last round)"
            lines.append(f"eNPS *{enps.score:+d}*{change} · {rate}")
        else:
            lines.append(f"“{escape(results.survey.title)}” · {rate}")
        for stats in results.questions:
            if stats.hidden or stats.mean is None or stats.enps is not None:
                continue
            lines.append(f"• {escape(truncate(stats.question.text, 120))}: {stats.mean:g}")
    for survey, text in team.follow_ups:
        lines.append(f"You said, we're doing (“{escape(survey.title)}”): {escape(truncate(text, 300))}")
    for survey in team.awaiting_follow_up[:3]:
        lines.append(
            f":warning: “{escape(survey.title)}” closed over {team.follow_up_due_days} days ago with no "
            f"follow-up yet: `/pulse respond {survey.id}`"
        )
    return [md_section("\n".join(lines))]


def wins_blocks(wins: WinsSection) -> list[Any]:
    values = ", ".join(f"#{escape(v.value)} ({v.count})" for v in wins.by_value[:3])
    lines = [
        f"*Team wins*: {wins.total} kudos for {count(wins.people_recognised, 'person', 'people')}"
        + (f" · most recognised: {values}" if values else "")
    ]
    for story in wins.highlights[:3]:
        receivers = ", ".join(f"<@{r}>" for r in story.receivers)
        lines.append(f"• <@{story.giver}> → {receivers}: {_excerpt(story.reason or '')}")
    return [md_section("\n".join(lines))]


def digest_message(digest: Digest) -> Message:
    week = digest.week
    local_start = week.start.astimezone(week.tz)
    local_end = (week.end.astimezone(week.tz)).replace(hour=0)
    span = f"{local_start:%d %b} – {(local_end.date().fromordinal(local_end.date().toordinal() - 1)):%d %b}"
    blocks: list[Any] = [HeaderBlock(text=plain(f"Weekly digest · {week.label} ({span})"))]
    if digest.empty:
        blocks.append(md_section("A quiet week: no feedback, surveys or kudos to report."))
    sections = (
        sentiment_blocks(digest.sentiment) if digest.sentiment is not None else [],
        loop_blocks(digest.loop) if digest.loop is not None else [],
        team_blocks(digest.team) if digest.team is not None else [],
        wins_blocks(digest.wins) if digest.wins is not None else [],
        speakup_blocks(digest.speakup) if digest.speakup is not None else [],
    )
    for section in sections:
        if section:
            blocks.append(DividerBlock())
            blocks.extend(section)
    return message(f"Weekly digest {week.label}", blocks)


def speakup_blocks(summary: SpeakupSummary) -> list[Any]:
    """Counts only: what was raised, by topic, and how soon someone answered; shared stories with consent."""
    topics = ", ".join(f"{escape(t.topic)} {t.count}" for t in summary.by_topic)
    line = f"*Speak up* · {count(summary.total, 'conversation')} started ({topics})"
    line += f" · {summary.replied} answered"
    if summary.median_days_to_first_reply is not None:
        days = summary.median_days_to_first_reply
        line += (
            " · first reply the same day (median)"
            if days < 1
            else f" · first reply after {days:g} days (median)"
        )
    blocks: list[Any] = [md_section(line)]
    for story in summary.shared[:3]:
        blocks.append(
            context(
                f"You said, shared with consent ({escape(story.topic)}): {escape(truncate(story.text, 280))}"
            )
        )
    return blocks
