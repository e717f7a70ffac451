"""The settings form's fields: one spec per field drives how it is shown (bot/views/settings.py) and how a
raw form value is checked before it is stored (validate)."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.settings import DAYS, WorkspaceSettings

_VALUE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_CHANNEL = re.compile(r"^[CG][A-Z0-9]{2,}$")
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class FieldSpec:
    """How one setting is shown in the settings form and checked before it is stored."""

    key: str
    label: str
    kind: str  # channel | users | int | float | bool | time | days | day | values | timezone | text
    hint: str = ""
    minimum: float | None = None
    maximum: float | None = None
    optional: bool = True
    group: str = "General"


SPECS: tuple[FieldSpec, ...] = (
    FieldSpec("owners", "Owners", "users", "Owners launch surveys and change settings.", group="People"),
    FieldSpec("managers", "Managers", "users", "Managers read digests and survey results.", group="People"),
    FieldSpec("timezone", "Time zone", "timezone", "IANA name, e.g. Europe/Berlin.", optional=False),
    FieldSpec("work_days", "Work days", "days", "No nudges or reminders on other days."),
    FieldSpec("work_start", "Working hours start", "time", "HH:MM, local time.", optional=False),
    FieldSpec("work_end", "Working hours end", "time", "HH:MM; quiet hours after this.", optional=False),
    FieldSpec(
        "feedback_channel",
        "Feedback channel",
        "channel",
        "Where customer feedback cards go by default.",
        group="Customer feedback",
    ),
    FieldSpec(
        "escalation_channel",
        "Escalation channel",
        "channel",
        "Negative feedback is also posted here.",
        group="Customer feedback",
    ),
    FieldSpec(
        "sla_hours",
        "First-response SLA (business hours)",
        "float",
        "Negative feedback untouched this long gets a nudge.",
        0.25,
        240,
        optional=False,
        group="Customer feedback",
    ),
    FieldSpec(
        "positive_threshold",
        "How sure before labelling positive",
        "float",
        "Unrated feedback is labelled positive only when its words are at least this warm (-1 to 1; "
        "0.1 is the default, higher asks for clearer praise). A customer's rating always decides.",
        -1,
        1,
        optional=False,
        group="Customer feedback",
    ),
    FieldSpec(
        "negative_threshold",
        "How sure before labelling negative",
        "float",
        "Unrated feedback is labelled negative when its words are at most this warm (-1 to 1; -0.1 is "
        "the default, higher catches milder complaints). Unsure items need a human read.",
        -1,
        1,
        optional=False,
        group="Customer feedback",
    ),
    FieldSpec(
        "follow_up_days",
        "Follow-up after resolving (days)",
        "int",
        "",
        1,
        60,
        optional=False,
        group="Customer feedback",
    ),
    FieldSpec(
        "keep_pii",
        "Keep emails and phone numbers in the database",
        "bool",
        "Off: they are masked before storing. They are always masked in channel posts.",
        group="Customer feedback",
    ),
    FieldSpec(
        "kudos_channel", "Kudos channel", "channel", "Where recognition is posted.", group="Recognition"
    ),
    FieldSpec(
        "kudos_emoji",
        "Recognition emoji",
        "text",
        "Reacting with it recognises a message's author (name without colons).",
        optional=False,
        group="Recognition",
    ),
    FieldSpec(
        "kudos_daily_limit", "Kudos per person per day", "int", "", 1, 50, optional=False, group="Recognition"
    ),
    FieldSpec(
        "kudos_paused",
        "Kudos giving paused for",
        "users",
        "They can still receive kudos; nobody else is told.",
        group="Recognition",
    ),
    FieldSpec(
        "values",
        "Company values",
        "values",
        "One per line, lowercase-with-dashes; used as #tags.",
        optional=False,
        group="Recognition",
    ),
    FieldSpec(
        "show_monthly_recognition", 'Show monthly "most recognised for" by value', "bool", group="Recognition"
    ),
    FieldSpec(
        "fairness_nudges",
        "Monthly private note to managers about unrecognised teammates",
        "bool",
        group="Recognition",
    ),
    FieldSpec(
        "pulse_min_responses",
        "Minimum responses before results show",
        "int",
        "Never below 3.",
        3,
        1000,
        optional=False,
        group="Pulse surveys",
    ),
    FieldSpec(
        "pulse_comment_min_responses",
        "Minimum responses before comments show",
        "int",
        "Never below the minimum for scores.",
        3,
        1000,
        optional=False,
        group="Pulse surveys",
    ),
    FieldSpec(
        "digest_channel", "Digest channel", "channel", "The weekly digest is posted here.", group="Digest"
    ),
    FieldSpec("digest_day", "Digest day", "day", "", optional=False, group="Digest"),
    FieldSpec("digest_time", "Digest time", "time", "HH:MM, local time.", optional=False, group="Digest"),
    FieldSpec("digest_dm_managers", "Also send the digest to each manager by DM", "bool", group="Digest"),
    FieldSpec(
        "feedback_retention_days",
        "Keep feedback text (days)",
        "int",
        "",
        7,
        3650,
        optional=False,
        group="Privacy",
    ),
    FieldSpec(
        "comment_retention_days",
        "Keep survey comments (days)",
        "int",
        "",
        7,
        3650,
        optional=False,
        group="Privacy",
    ),
    FieldSpec(
        "speakup_channel",
        "Speak up: leadership channel",
        "channel",
        "A private channel where anonymous messages arrive (invite the bot).",
        group="Speak up",
    ),
    FieldSpec(
        "speakup_receivers",
        "Speak up: named receivers",
        "users",
        "Or these people get each message by DM (used when no channel is set).",
        group="Speak up",
    ),
    FieldSpec(
        "speakup_topics",
        "Speak up: topics",
        "values",
        "One per line, lowercase-with-dashes.",
        optional=False,
        group="Speak up",
    ),
    FieldSpec(
        "speakup_delay_min_minutes",
        "Speak up: relay delay from (minutes)",
        "int",
        "Messages are passed on after a random delay, so their time does not tell who wrote.",
        0,
        1440,
        optional=False,
        group="Speak up",
    ),
    FieldSpec(
        "speakup_delay_max_minutes",
        "Speak up: relay delay up to (minutes)",
        "int",
        "",
        0,
        1440,
        optional=False,
        group="Speak up",
    ),
)
SPEC_BY_KEY = {spec.key: spec for spec in SPECS}
assert set(SPEC_BY_KEY) <= {f.name for f in fields(WorkspaceSettings)}


def validate(changes: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Check raw values field by field (strings, lists, bools as a form gives them).

    Returns (clean values ready to store as JSON, errors by key). Rules across fields are checked by
    SettingsService.update against the merged result.
    """
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, raw in changes.items():
        spec = SPEC_BY_KEY.get(key)
        if spec is None:
            errors[key] = f"{key} is not a setting."
            continue
        try:
            clean[key] = _parse(spec, raw)
        except ValueError as exc:
            errors[key] = str(exc)
    return clean, errors


def _parse(spec: FieldSpec, raw: Any) -> Any:
    empty = raw is None or raw == "" or raw == [] or raw == ()
    if empty:
        if spec.kind in ("users", "days"):
            return []
        if spec.kind == "bool":
            return False
        if spec.optional:
            return None
        raise ValueError(f"{spec.label} is required.")
    kind = spec.kind
    if kind == "channel":
        value = str(raw).strip()
        if not _CHANNEL.match(value):
            raise ValueError(f"{spec.label}: pick a channel.")
        return value
    if kind == "users":
        users = [str(u).strip() for u in raw]
        bad = [u for u in users if not _USER.match(u)]
        if bad:
            raise ValueError(f"{spec.label}: not user IDs: {', '.join(bad)}.")
        return sorted(set(users))
    if kind in ("int", "float"):
        try:
            number = int(str(raw).strip()) if kind == "int" else float(str(raw).strip())
        except ValueError:
            raise ValueError(f"{spec.label} must be a {'whole ' if kind == 'int' else ''}number.") from None
        if spec.minimum is not None and number < spec.minimum:
            raise ValueError(f"{spec.label} must be at least {spec.minimum:g}.")
        if spec.maximum is not None and number > spec.maximum:
            raise ValueError(f"{spec.label} must be at most {spec.maximum:g}.")
        return number
    if kind == "bool":
        if isinstance(raw, bool):
            return raw
        return str(raw).lower() in ("1", "true", "yes", "on")
    if kind == "time":
        value = str(raw).strip()
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
            raise ValueError(f"{spec.label} must be a time like 09:00.")
        return value
    if kind == "day":
        value = str(raw).strip().lower()[:3]
        if value not in DAYS:
            raise ValueError(f"{spec.label} must be a day of the week.")
        return value
    if kind == "days":
        days = [str(d).strip().lower()[:3] for d in raw]
        if any(d not in DAYS for d in days):
            raise ValueError(f"{spec.label}: pick days of the week.")
        return [d for d in DAYS if d in days]
    if kind == "values":
        items = raw if isinstance(raw, list | tuple) else re.split(r"[\n,]+", str(raw))
        values = []
        for item in items:
            value = str(item).strip().lstrip("#").lower()
            if not value:
                continue
            if not _VALUE_NAME.match(value):
                raise ValueError(
                    f"{spec.label}: {value[:40]!r} is not a tag; use lowercase letters, digits and dashes."
                )
            if value not in values:
                values.append(value)
        if not values:
            raise ValueError(f"{spec.label}: list at least one value.")
        if len(values) > 50:
            raise ValueError(f"{spec.label}: at most 50 values.")
        return values
    if kind == "timezone":
        value = str(raw).strip()
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{spec.label}: {value[:60]!r} is not a time zone name.") from None
        return value
    if kind == "text":
        value = str(raw).strip().strip(":")
        if not re.match(r"^[a-z0-9_+'-]{1,100}$", value):
            raise ValueError(f"{spec.label}: use an emoji name like heart_hands.")
        return value
    raise ValueError(f"unknown kind {kind}")


def changed_channels(current: WorkspaceSettings, changes: dict[str, Any]) -> dict[str, str]:
    """The channel settings in `changes` that point somewhere new: where the bot must check it can post."""
    return {
        key: value
        for key, value in changes.items()
        if key in SPEC_BY_KEY
        and SPEC_BY_KEY[key].kind == "channel"
        and isinstance(value, str)
        and value
        and value != getattr(current, key)
    }
