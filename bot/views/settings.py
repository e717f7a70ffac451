"""The owners' settings modal, generated from the settings specs, and reading its submitted state."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    HeaderBlock,
    InputBlock,
    NumberInputElement,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
    TimePickerElement,
    UserMultiSelectElement,
)

from bot.domain.settings import DAYS, WorkspaceSettings
from bot.domain.settings_fields import SPEC_BY_KEY, SPECS, FieldSpec
from bot.views import ids
from bot.views.common import Message, context, md_section, message, plain, view

DAY_NAMES = dict(
    zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
YES = "yes"


TITLE = "empathy-bot settings"


def settings_modal(
    current: WorkspaceSettings, problems: Mapping[str, str] | None = None, *, rest_saved: bool = True
) -> dict[str, Any]:
    """The settings form filled with `current`. With `problems` (settings key -> what is wrong), it is the
    form shown again after a save, as the owner entered it, each problem under its field."""
    problems = problems or {}
    blocks: list[Block] = []
    if problems:
        blocks.append(md_section(f":warning: {_not_saved(problems, rest_saved)}"))
    group = None
    for spec in SPECS:
        if spec.group != group:
            group = spec.group
            blocks.append(HeaderBlock(text=plain(group)))
        blocks.append(
            InputBlock(
                block_id=ids.SETTINGS_BLOCK_PREFIX + spec.key,
                label=plain(spec.label, 2000),
                element=_element(spec, getattr(current, spec.key)),
                hint=plain(spec.hint, 2000) if spec.hint else None,
                optional=spec.optional or spec.kind in ("users", "bool", "days"),
            )
        )
        if spec.key in problems:
            blocks.append(context(f":warning: {problems[spec.key]}"))
    return view(
        type="modal",
        callback_id=ids.SETTINGS_MODAL,
        title=TITLE,
        submit="Save",
        close="Cancel",
        blocks=blocks,
    )


def settings_checking() -> dict[str, Any]:
    """What the settings modal shows while the bot asks Slack whether it can post in new channels."""
    return view(
        type="modal",
        title=TITLE,
        close="Close",
        blocks=[
            md_section(":hourglass_flowing_sand: Checking that I can post in the channels you picked…"),
            context(
                "This takes a few seconds. If this message stays, close it and open settings again: "
                "they show what was saved."
            ),
        ],
    )


def _not_saved(problems: Mapping[str, str], rest_saved: bool) -> str:
    labels = ", ".join(f"*{SPEC_BY_KEY[key].label}*" for key in problems if key in SPEC_BY_KEY)
    rest = (
        "Everything else in this form is saved."
        if rest_saved
        else "Nothing was saved: the settings changed meanwhile."
    )
    return f"Not saved: {labels} (see below). {rest} Fix it and press Save again."


def settings_outcome(problems: Mapping[str, str], rest_saved: bool = True) -> Message:
    """The same outcome as a message, for an owner who closed the modal before it could be shown."""
    if not problems:
        return message("Settings saved.", [md_section(":white_check_mark: Settings saved.")])
    lines = [f"• *{SPEC_BY_KEY[k].label}*: {problem}" for k, problem in problems.items() if k in SPEC_BY_KEY]
    text = f":warning: {_not_saved(problems, rest_saved)}\n" + "\n".join(lines)
    return message("Some settings were not saved.", [md_section(text)])


def settings_saved(channels: Mapping[str, str]) -> dict[str, Any]:
    """The settings modal once everything, new channels included, is saved."""
    where = ", ".join(f"<#{channel}> ({SPEC_BY_KEY[key].label})" for key, channel in channels.items())
    return view(
        type="modal",
        title=TITLE,
        close="Done",
        blocks=[md_section(f":white_check_mark: Settings saved. I can post in {where}.")],
    )


def _element(spec: FieldSpec, value: Any) -> Any:
    action_id = ids.SETTINGS_VALUE
    kind = spec.kind
    if kind == "channel":
        return ConversationSelectElement(
            action_id=action_id,
            initial_conversation=value,
            filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        )
    if kind == "users":
        return UserMultiSelectElement(action_id=action_id, initial_users=list(value) or None)
    if kind in ("int", "float"):
        return NumberInputElement(
            action_id=action_id,
            is_decimal_allowed=kind == "float",
            initial_value=f"{value:g}" if kind == "float" else str(value),
            min_value=None if spec.minimum is None else f"{spec.minimum:g}",
            max_value=None if spec.maximum is None else f"{spec.maximum:g}",
        )
    if kind == "bool":
        option = Option(value=YES, text="Yes")
        return CheckboxesElement(
            action_id=action_id, options=[option], initial_options=[option] if value else None
        )
    if kind == "time":
        return TimePickerElement(action_id=action_id, initial_time=value)
    if kind == "days":
        options = [Option(value=d, text=DAY_NAMES[d]) for d in DAYS]
        chosen = [o for o in options if o.value in value]
        return CheckboxesElement(action_id=action_id, options=options, initial_options=chosen or None)
    if kind == "day":
        options = [Option(value=d, text=DAY_NAMES[d]) for d in DAYS]
        return StaticSelectElement(
            action_id=action_id, options=options, initial_option=next(o for o in options if o.value == value)
        )
    if kind == "values":
        return PlainTextInputElement(action_id=action_id, multiline=True, initial_value="\n".join(value))
    return PlainTextInputElement(action_id=action_id, initial_value=value or None)


def read_settings_form(state_values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Turn a submitted settings view's state into raw values by settings key (validated by the service)."""
    raw: dict[str, Any] = {}
    for block_id, actions in state_values.items():
        if not block_id.startswith(ids.SETTINGS_BLOCK_PREFIX):
            continue
        key = block_id[len(ids.SETTINGS_BLOCK_PREFIX) :]
        spec = SPEC_BY_KEY.get(key)
        element = actions.get(ids.SETTINGS_VALUE, {})
        if spec is None:
            continue
        kind = element.get("type")
        if kind == "conversations_select":
            raw[key] = element.get("selected_conversation")
        elif kind == "multi_users_select":
            raw[key] = element.get("selected_users") or []
        elif kind == "checkboxes":
            selected = [o["value"] for o in element.get("selected_options") or []]
            raw[key] = YES in selected if spec.kind == "bool" else selected
        elif kind == "timepicker":
            raw[key] = element.get("selected_time")
        elif kind == "static_select":
            raw[key] = (element.get("selected_option") or {}).get("value")
        else:
            raw[key] = element.get("value")
    return raw
