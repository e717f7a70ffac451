"""Block Kit for pulse surveys: the answering DM, reminders, results, response notes, the list, help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    HeaderBlock,
)

from bot.domain.pulse_questions import AGREE_5, KIND_RANGES, Question
from bot.domain.pulse_stats import QuestionStats, SurveyInfo, SurveyResults
from bot.views import ids
from bot.views.common import (
    Message,
    context,
    count,
    escape,
    md_section,
    message,
    plain,
    quote,
    truncate,
)

MAX_COMMENTS_SHOWN = 15
USAGE = (
    "*Pulse surveys*\n"
    "• `/pulse`: launch a survey (owners)\n"
    "• `/pulse list`: recent surveys and how many took part\n"
    "• `/pulse results <id>`: results, once enough people answered (owners and managers)\n"
    "• `/pulse close <id>`: close a survey now (owners)\n"
    "• `/pulse respond <id>`: tell everyone asked what you heard and what you'll do (owners)\n"
    "• `/pulse away until YYYY-MM-DD`: no surveys for you until then (`/pulse away off` to end it)\n"
    "• `/pulse skip <id>`: no response note for this round; everyone asked sees it was skipped (owners)\n"
    "• `/pulse bank`: the question bank by theme; `/pulse bank add …` adds your own item (owners)\n"
    "• `/pulse help`: this help"
)


def when(moment: datetime, tz: Any) -> str:
    """A time Slack shows in each reader's own time zone, with the workspace's as the fallback."""
    local = moment.astimezone(tz)
    fallback = local.strftime("%a %d %b %H:%M")
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def rules_text(survey: SurveyInfo) -> str:
    if survey.anonymous and survey.recurrence != "none" and 0 < survey.invited < survey.min_responses:
        return (
            ":lock: *Anonymous, pooled.* Your name is never stored with your answers. This team is smaller "
            f"than the {survey.min_responses} answers results need, so this round's answers are pooled with "
            "the next rounds' and shown only as \u201crounds combined\u201d, as a direction (better, same, "
            "worse), never as figures. More: `/empathy privacy`."
        )
    if survey.anonymous:
        least = count(survey.min_responses, "person", "people")
        return (
            ":lock: *Anonymous.* Your name is never stored with your answers. Results are shown only as "
            f"totals, only after the survey closes and only if at least {least} "
            "answered; comments appear only in that summary. Owners and managers see the results. "
            "More: `/empathy privacy`."
        )
    return (
        ":bust_in_silhouette: *Not anonymous.* This survey is attributed: owners and managers can see who "
        "answered what. More: `/empathy privacy`."
    )


def _button_value(survey_id: int, key: str, point: int | str, token: str | None) -> str:
    return f"{survey_id}|{key}|{point}|{token or ''}"


def parse_button_value(value: str) -> tuple[int, str, str, str | None]:
    """(survey id, question key, point, token) from an answer button; ValueError when malformed."""
    survey_id, key, point, token = value.split("|", 3)
    return int(survey_id), key, point, token or None


def _question_blocks(
    survey: SurveyInfo,
    q: Question,
    number: int,
    answers: Mapping[str, Any],
    comments: Mapping[str, str],
    token: str | None,
) -> list[Any]:
    blocks: list[Any] = [md_section(f"*{number}. {escape(q.text)}*")]
    if q.scored:
        chosen = answers.get(q.key)
        buttons = [
            ButtonElement(
                text=str(point),
                action_id=f"{ids.PULSE_ANSWER_PREFIX}{point}",
                value=_button_value(survey.id, q.key, point, token),
                style="primary" if point == chosen else None,
            )
            for point in KIND_RANGES[q.kind]
        ]
        blocks.append(ActionsBlock(block_id=f"pulse_q_{q.key}", elements=buttons))
        legend = (
            "1 = strongly disagree … 5 = strongly agree"
            if q.kind == AGREE_5
            else "0 = not at all … 10 = very"
        )
        blocks.append(context(legend + (f" · your answer: *{chosen}*" if chosen is not None else "")))
    else:
        written = comments.get(q.key)
        if written:
            blocks.append(md_section(quote(truncate(written, 500))))
        blocks.append(
            ActionsBlock(
                block_id=f"pulse_q_{q.key}",
                elements=[
                    ButtonElement(
                        text="Edit your answer" if written else "Write an answer (optional)",
                        action_id=ids.PULSE_WRITE,
                        value=_button_value(survey.id, q.key, "", token),
                    )
                ],
            )
        )
    return blocks


def survey_message(
    survey: SurveyInfo,
    answers: Mapping[str, Any] | None = None,
    comments: Mapping[str, str] | None = None,
    token: str | None = None,
    *,
    intro: str = "",
) -> Message:
    """The DM someone answers in. After an answer it shows their own choices and carries their token."""
    answers, comments = answers or {}, comments or {}
    blocks: list[Any] = [HeaderBlock(text=plain(escape(survey.title)))]
    if answers or comments:
        scored = [q for q in survey.questions if q.scored]
        left = [q for q in scored if q.key not in answers]
        status = (
            "Thank you, your answers are saved."
            if not left
            else f"Saved. {count(len(left), 'question')} to go."
        )
        blocks.append(
            md_section(
                f":white_check_mark: *{status}* You can change them until it closes "
                f"({when(survey.closes_at, survey.timezone)})."
            )
        )
    elif intro:
        blocks.append(md_section(intro))
    blocks.append(context(rules_text(survey)))
    for number, q in enumerate(survey.questions, start=1):
        blocks.extend(_question_blocks(survey, q, number, answers, comments, token))
    blocks.append(context(f"Closes {when(survey.closes_at, survey.timezone)}. Skipping a question is fine."))
    return message(f"Pulse survey: {escape(survey.title)}", blocks)


def invitation_message(survey: SurveyInfo) -> Message:
    return survey_message(
        survey, intro="A short pulse survey: a few clicks, and you can skip any question. :seedling:"
    )


def invitation_closed_message(survey: SurveyInfo) -> Message:
    """An invitation once its survey closed: no buttons left, the answers (if any) already counted."""
    closed = f" {when(survey.closed_at, survey.timezone)}" if survey.closed_at else ""
    return message(
        f"{escape(survey.title)}: closed",
        [
            HeaderBlock(text=plain(escape(survey.title))),
            md_section(
                f":white_check_mark: This survey closed{closed}, thank you: the results are shared by "
                "the owner, as totals only."
            ),
        ],
    )


def reminder_message(survey: SurveyInfo) -> Message:
    return survey_message(
        survey,
        intro=f":wave: A gentle reminder: this survey closes {when(survey.closes_at, survey.timezone)}. "
        "If you'd rather not answer, that's fine too.",
    )


def _change_text(delta: float | None, unit: str = "") -> str:
    if delta is None:
        return ""
    arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
    return f" ({arrow}{abs(delta):g}{unit} vs last round)"


def _stats_text(stats: QuestionStats, previous: QuestionStats | None) -> str:
    head = f"*{escape(stats.question.text)}*\n"
    if stats.hidden:
        return head + "_Too few people answered this question to show it._"
    if not stats.answered or stats.mean is None:
        return head + "_No answers._"
    prev_mean = previous.mean if previous else None
    mean_change = None if prev_mean is None else round(stats.mean - prev_mean, 2)
    lines = [f"Mean {stats.mean:g}{_change_text(mean_change)} · {count(stats.answered, 'answer')}"]
    if stats.enps is not None:
        e = stats.enps
        prev_enps = previous.enps.score if previous and previous.enps else None
        enps_change = None if prev_enps is None else e.score - prev_enps
        lines.append(
            f"eNPS *{e.score:+d}*{_change_text(enps_change)}: {count(e.promoters, 'promoter')} (9-10), "
            f"{count(e.passives, 'passive')} (7-8), {count(e.detractors, 'detractor')} (0-6)"
        )
    lines.append("`" + "  ".join(f"{point}:{count}" for point, count in stats.distribution.items()) + "`")
    return head + "\n".join(lines)


def results_blocks(results: SurveyResults) -> list[Any]:
    survey = results.survey
    state = "open" if survey.state == "open" else "closed"
    rate = f" ({results.response_rate}%)" if results.response_rate is not None else ""
    blocks: list[Any] = [
        HeaderBlock(text=plain(f"Results: {escape(survey.title)}")),
        context(
            f"Survey {survey.id} · round {survey.round} · {state} · {results.responded} of {results.invited} "
            f"answered{rate} · {'anonymous' if survey.anonymous else 'attributed'}"
        ),
    ]
    if results.withheld_reason:
        blocks.append(md_section(f":lock: {results.withheld_reason}"))
        return blocks
    if results.themes:
        blocks.append(md_section(_themes_text(results)))
    for stats in results.questions:
        blocks.append(md_section(_stats_text(stats, results.previous_stats(stats.question.key))))
    if results.comments_hidden:
        blocks.append(
            context(":lock: Comments are shown only when enough people answered; not enough did this time.")
        )
    elif results.comments:
        blocks.append(md_section(f"*Comments* ({len(results.comments)})"))
        for _key, text in results.comments[:MAX_COMMENTS_SHOWN]:
            blocks.append(md_section(quote(truncate(text, 1500))))
        if len(results.comments) > MAX_COMMENTS_SHOWN:
            blocks.append(
                context(f"… and {count(len(results.comments) - MAX_COMMENTS_SHOWN, 'more comment')}.")
            )
    if survey.anonymous:
        blocks.append(
            context("Totals only; no answer can be traced to a person. `/pulse respond` closes the loop.")
        )
    return blocks


def _themes_text(results: SurveyResults) -> str:
    lines = ["*Theme index* (1–5, higher is better; reverse-worded items flipped)"]
    for theme in results.themes:
        before = results.previous_theme(theme.theme)
        trend = ""
        if before is not None:
            delta = round(theme.mean - before.mean, 1)
            trend = f" ({'▲' if delta > 0 else '▼' if delta < 0 else '='}{abs(delta):.1f} vs last round)"
        lines.append(
            f"• {escape(theme.name)}: *{theme.mean:.1f}*, {theme.favourable}% favourable{trend} "
            f"· {theme.items} item{'s' if theme.items != 1 else ''}"
        )
    return "\n".join(lines)


def results_message(results: SurveyResults) -> Message:
    return message(f"Pulse results: {escape(results.survey.title)}", results_blocks(results))


def response_note_message(survey: SurveyInfo, text: str, owner_id: str) -> Message:
    return message(
        f"You said, we're doing: {escape(survey.title)}",
        [
            HeaderBlock(text=plain(f"You said, we're doing: {escape(survey.title)}")),
            md_section(quote(truncate(text, 2800))),
            context(
                f"From <@{owner_id}>, after the pulse survey you were asked to answer. Thank you for it."
            ),
        ],
    )


def _timing(survey: SurveyInfo) -> str:
    """When it closes (open), or when it actually closed (closed, perhaps early by its owner)."""
    if survey.state == "closed" and survey.closed_at is not None:
        return f", closed {when(survey.closed_at, survey.timezone)}"
    if survey.state in ("open", "resolving"):
        return f", closes {when(survey.closes_at, survey.timezone)}"
    return ""


def list_message(items: Sequence[tuple[SurveyInfo, int]]) -> Message:
    if not items:
        return message("No surveys yet", [md_section("No surveys yet. Owners launch one with `/pulse`.")])
    lines = [
        f"• *{s.id}* {escape(s.title)}: {s.state}, {responded} of {s.invited} answered{_timing(s)}"
        for s, responded in items
    ]
    return message("Pulse surveys", [md_section("*Pulse surveys*\n" + "\n".join(lines))])


def usage_message(problem: str = "") -> Message:
    text = (f"{problem}\n\n" if problem else "") + USAGE
    return message(problem or "Pulse survey help", [md_section(text)])


def launch_confirmation(
    survey_id: int, invited: int, anonymous: bool, *, away: int = 0, asked_this_week: int = 0, round_: int = 1
) -> Message:
    kind = "anonymous" if anonymous else "attributed"
    which = f"Round {round_} of survey" if round_ > 1 else "Survey"
    left_out = [
        *([f"{away} away (snoozed with `/pulse away`)"] if away else []),
        *([f"{asked_this_week} already asked this week"] if asked_this_week else []),
    ]
    not_asked = f" Not asked: {' and '.join(left_out)}." if left_out else ""
    return message(
        "Survey launched",
        [
            md_section(
                f":rocket: {which} *{survey_id}* ({kind}) is on its way to "
                f"{count(invited, 'person', 'people')}.{not_asked} "
                f"`/pulse list` shows progress; results come to you when it closes."
            )
        ],
    )


def launch_refused(survey_id: int, title: str, reason: str) -> Message:
    return message(
        "Survey not launched",
        [
            md_section(
                f":warning: Survey *{survey_id}* ({escape(title)}) was not launched, and nobody was asked: "
                f"{reason} Fix that and launch it again with `/pulse`."
            )
        ],
    )
