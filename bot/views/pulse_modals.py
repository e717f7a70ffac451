"""Block Kit for the pulse modals (launching a survey, a text answer, the response note) and their parser."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    DateTimePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)

from bot.domain.pulse import SurveyDraft
from bot.domain.pulse_questions import TEMPLATES, Question, QuestionsInvalid, parse_questions
from bot.domain.pulse_stats import SurveyInfo
from bot.views import ids
from bot.views.common import MODAL_TITLE_LIMIT, context, escape, md_section, truncate, view

RECURRENCE_LABELS = {
    "none": "Just once",
    "weekly": "Every week",
    "biweekly": "Every two weeks",
    "monthly": "Every month",
}
FIELD_BLOCKS = {
    "audience": ids.PULSE_CHANNEL_BLOCK,
    "closes": ids.PULSE_CLOSES_BLOCK,
    "recurrence": ids.PULSE_RECURRENCE_BLOCK,
}
REMINDER_LABELS = {0: "No reminder", 1: "A day before closing", 2: "Halfway and a day before closing"}


def launch_modal(
    template_key: str,
    usergroups: Sequence[tuple[str, str]],
    closes_default: datetime,
) -> dict[str, Any]:
    """The /pulse modal. The questions block id carries the template so a template change refills it."""
    template = TEMPLATES[template_key]
    template_options = [Option(value=t.key, text=t.name) for t in TEMPLATES.values()]
    blocks: list[Any] = [
        SectionBlock(  # a section, not a bare actions block: the select gets a label like the fields below
            block_id=ids.PULSE_TEMPLATE_BLOCK,
            text=MarkdownTextObject(text="*Template*\nFills in the questions below; edit them as you like."),
            accessory=StaticSelectElement(
                action_id=ids.PULSE_TEMPLATE,
                options=template_options,
                initial_option=next(o for o in template_options if o.value == template_key),
            ),
        ),
        InputBlock(
            block_id=ids.PULSE_TITLE_BLOCK,
            label="Title",
            element=PlainTextInputElement(
                action_id=ids.PULSE_VALUE, initial_value=template.title, max_length=150
            ),
        ),
        InputBlock(
            block_id=f"{ids.PULSE_QUESTIONS_BLOCK}:{template_key}",
            label="Questions, one per line",
            hint="Start a line with [0-10], [1-5] (agreement) or [text]. Edit, remove or add freely.",
            element=PlainTextInputElement(
                action_id=ids.PULSE_VALUE,
                multiline=True,
                initial_value="\n".join(template.lines) or None,
                placeholder="[1-5] I feel heard when I raise a problem.",
            ),
        ),
        InputBlock(
            block_id=ids.PULSE_CHANNEL_BLOCK,
            label="Audience: everyone in a channel",
            optional=True,
            element=ConversationSelectElement(
                action_id=ids.PULSE_VALUE, filter=ConversationFilter(include=["public", "private"])
            ),
        ),
    ]
    if usergroups:
        blocks.append(
            InputBlock(
                block_id=ids.PULSE_USERGROUP_BLOCK,
                label="…or a user group",
                optional=True,
                element=StaticSelectElement(
                    action_id=ids.PULSE_VALUE,
                    options=[Option(value=gid, text=truncate(name, 75)) for gid, name in usergroups[:100]],
                ),
            )
        )
    anonymous = Option(value="anonymous", text="Anonymous (cannot be turned off after launch)")
    blocks += [
        InputBlock(
            block_id=ids.PULSE_PEOPLE_BLOCK,
            label="…or these people",
            optional=True,
            element=UserMultiSelectElement(action_id=ids.PULSE_VALUE),
        ),
        InputBlock(
            block_id=ids.PULSE_ANONYMOUS_BLOCK,
            label="Anonymity",
            optional=True,
            element=CheckboxesElement(
                action_id=ids.PULSE_VALUE, options=[anonymous], initial_options=[anonymous]
            ),
        ),
        InputBlock(
            block_id=ids.PULSE_CLOSES_BLOCK,
            label="Closes at",
            element=DateTimePickerElement(
                action_id=ids.PULSE_VALUE, initial_date_time=int(closes_default.timestamp())
            ),
        ),
        _select_input(
            ids.PULSE_REMINDERS_BLOCK, "Reminders", {str(k): v for k, v in REMINDER_LABELS.items()}, "1"
        ),
        _select_input(ids.PULSE_RECURRENCE_BLOCK, "Repeat", RECURRENCE_LABELS, "none"),
        ActionsBlock(
            elements=[ButtonElement(text="Preview what you'll see", action_id=ids.PULSE_PREVIEW)],
        ),
        context("Before launching: who would be asked, how many usually answer, what results will show."),
    ]
    return view(
        type="modal",
        callback_id=ids.PULSE_MODAL,
        title=truncate("New pulse survey", MODAL_TITLE_LIMIT),
        submit="Launch",
        close="Cancel",
        blocks=blocks,
    )


def _select_input(block_id: str, label: str, options: Mapping[str, str], initial: str) -> InputBlock:
    choices = [Option(value=k, text=v) for k, v in options.items()]
    return InputBlock(
        block_id=block_id,
        label=label,
        element=StaticSelectElement(
            action_id=ids.PULSE_VALUE,
            options=choices,
            initial_option=next(o for o in choices if o.value == initial),
        ),
    )


def text_answer_modal(question: Question, current: str, metadata: str) -> dict[str, Any]:
    return view(
        type="modal",
        callback_id=ids.PULSE_TEXT_MODAL,
        private_metadata=metadata,
        title="Your answer",
        submit="Save",
        close="Cancel",
        blocks=[
            InputBlock(
                block_id=ids.PULSE_TEXT_BLOCK,
                label=truncate(question.text, 2000),
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.PULSE_VALUE, multiline=True, max_length=2000, initial_value=current or None
                ),
            ),
            context(
                "Shown only in the summary, and only if enough people answered. Leave empty to remove it."
            ),
        ],
    )


def response_note_modal(survey: SurveyInfo) -> dict[str, Any]:
    return view(
        type="modal",
        callback_id=ids.PULSE_FOLLOW_UP_MODAL,
        private_metadata=str(survey.id),
        title="You said, we're doing",
        submit="Send to everyone",
        close="Cancel",
        blocks=[
            md_section(
                f"Survey *{survey.id}*: {escape(survey.title)}. This goes by DM to everyone who was asked."
            ),
            InputBlock(
                block_id=ids.PULSE_FOLLOW_UP_BLOCK,
                label="What you heard, and what you'll do",
                element=PlainTextInputElement(action_id=ids.PULSE_VALUE, multiline=True, max_length=2800),
            ),
        ],
    )


def launch_block_of(field: str) -> str:
    """The launch modal's block a SurveyInvalid field belongs to (the audience for anything else)."""
    return FIELD_BLOCKS.get(field, ids.PULSE_CHANNEL_BLOCK)


def _input(values: dict[str, Any], block: str) -> dict[str, Any]:
    return values.get(block, {}).get(ids.PULSE_VALUE, {})


def read_launch(values: dict[str, Any]) -> tuple[SurveyDraft, dict[str, str]]:
    """The draft from the modal, or the errors to show next to the inputs."""
    errors: dict[str, str] = {}
    template = (
        values.get(ids.PULSE_TEMPLATE_BLOCK, {}).get(ids.PULSE_TEMPLATE, {}).get("selected_option") or {}
    ).get("value", "custom")
    questions_block = next(
        (b for b in values if b.startswith(ids.PULSE_QUESTIONS_BLOCK)), ids.PULSE_QUESTIONS_BLOCK
    )
    questions = []
    try:
        questions = parse_questions(_input(values, questions_block).get("value") or "")
    except QuestionsInvalid as invalid:
        errors[questions_block] = str(invalid)
    channel = _input(values, ids.PULSE_CHANNEL_BLOCK).get("selected_conversation")
    group = (_input(values, ids.PULSE_USERGROUP_BLOCK).get("selected_option") or {}).get("value")
    people = _input(values, ids.PULSE_PEOPLE_BLOCK).get("selected_users") or []
    chosen = [a for a in (channel, group, people) if a]
    target: dict[str, Any] = {}
    if len(chosen) != 1:
        errors[ids.PULSE_CHANNEL_BLOCK] = "Choose exactly one audience: a channel, a user group, or people."
    elif channel:
        target = {"kind": "channel", "ref": channel}
    elif group:
        target = {"kind": "usergroup", "ref": group}
    else:
        target = {"kind": "people", "people": sorted(people)}
    closes_raw = _input(values, ids.PULSE_CLOSES_BLOCK).get("selected_date_time")
    if not closes_raw:
        errors[ids.PULSE_CLOSES_BLOCK] = "Pick when the survey closes."
    draft = SurveyDraft(
        title=(_input(values, ids.PULSE_TITLE_BLOCK).get("value") or "").strip() or TEMPLATES[template].title,
        template=template,
        questions=questions,
        audience=target,
        anonymous=bool(_input(values, ids.PULSE_ANONYMOUS_BLOCK).get("selected_options")),
        closes_at=datetime.fromtimestamp(int(closes_raw or 0), UTC),
        reminders=int(
            (_input(values, ids.PULSE_REMINDERS_BLOCK).get("selected_option") or {}).get("value", 1)
        ),
        recurrence=(_input(values, ids.PULSE_RECURRENCE_BLOCK).get("selected_option") or {}).get(
            "value", "none"
        ),
    )
    return draft, errors
