"""The owners' settings modal, generated from the settings specs, and reading its submitted state."""

from __future__ import annotations

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

from bot.domain.settings import DAYS, SPEC_BY_KEY, SPECS, FieldSpec, WorkspaceSettings
from bot.views import ids
from bot.views.common import plain, view

DAY_NAMES = dict(
    zip(DAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
YES = "yes"


def settings_modal(current: WorkspaceSettings) -> dict[str, Any]:
    blocks: list[Block] = []
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
    return view(
        type="modal",
        callback_id=ids.SETTINGS_MODAL,
        title="empathy-bot settings",
        submit="Save",
        close="Cancel",
        blocks=blocks,
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
