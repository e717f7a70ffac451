"""Block Kit for feedback sources: the owners' App Home entry, the sources modal, the Add modal, the
credentials shown once, the last delivery ("send a test") and the first poll's backfill summary card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)

from bot.domain.intake.source import APP_STORE, GENERIC, BackfillSummary, LastDelivery, NewSource, Source
from bot.views import ids
from bot.views.common import Message, context, escape, md_section, message, plain, view

FIELD_BLOCKS = {
    "kind": ids.SOURCES_KIND_BLOCK,
    "name": ids.SOURCES_NAME_BLOCK,
    "rating_scale": ids.SOURCES_SCALE_BLOCK,
    "tags": ids.SOURCES_TAGS_BLOCK,
    "app_id": ids.SOURCES_APP_ID_BLOCK,
    "country": ids.SOURCES_COUNTRY_BLOCK,
    "secret": ids.SOURCES_NAME_BLOCK,
}
KIND_LABELS = {GENERIC: "Your own JSON", APP_STORE: "App Store reviews (polled)"}


def sources_home_section(*, is_owner: bool) -> list[Block]:
    """The App Home entry to feedback sources: owners only (the sources service checks again)."""
    if not is_owner:
        return []
    return [
        md_section(
            "*Feedback sources*\nConnect Typeform, Delighted, Zendesk, Intercom, the App Store and more."
        ),
        ActionsBlock(elements=[ButtonElement(text=plain("Feedback sources"), action_id=ids.SOURCES_OPEN)]),
    ]


def _test_button(name: str) -> ButtonElement:
    return ButtonElement(text=plain("Send a test: last delivery"), action_id=ids.SOURCES_TEST, value=name)


def sources_modal(sources: Sequence[Source]) -> dict[str, Any]:
    """Every source with its kind, scale and URL, a "last delivery" button each, and Add."""
    blocks: list[Block] = []
    for src in sources[:40]:
        scale = f", {src.rating_scale} scale" if src.rating_scale else ""
        where = "polled every 15 minutes" if src.polled else f"`{escape(src.path)}`"
        blocks.append(
            md_section(f"*{escape(src.name)}* ({KIND_LABELS.get(src.kind, src.kind)}{scale})\n{where}")
        )
        blocks.append(ActionsBlock(elements=[_test_button(src.name)]))
    if not sources:
        blocks.append(md_section("No sources yet. Add one to hear your customers' tools."))
    blocks.append(
        ActionsBlock(elements=[ButtonElement(text=plain("Add a source"), action_id=ids.SOURCES_ADD)])
    )
    return view(type="modal", title=plain("Feedback sources"), close=plain("Close"), blocks=blocks)


def _select(options: Mapping[str, str], initial: str | None = None) -> StaticSelectElement:
    choices = [Option(value=value, label=label[:75]) for value, label in options.items()]
    chosen = next((o for o in choices if o.value == initial), None)
    return StaticSelectElement(action_id=ids.SOURCES_VALUE, options=choices, initial_option=chosen)


def _text(placeholder: str = "") -> PlainTextInputElement:
    return PlainTextInputElement(
        action_id=ids.SOURCES_VALUE, placeholder=plain(placeholder) if placeholder else None
    )


def add_source_modal(kinds: Sequence[str], scales: Sequence[str]) -> dict[str, Any]:
    """Kind, name, rating scale, default tags; App Store sources also their app id and country."""
    return view(
        type="modal",
        callback_id=ids.SOURCES_ADD_MODAL,
        title=plain("Add a feedback source"),
        submit=plain("Add"),
        close=plain("Cancel"),
        blocks=[
            InputBlock(
                block_id=ids.SOURCES_KIND_BLOCK,
                label=plain("Kind"),
                element=_select({k: KIND_LABELS.get(k, k.replace("_", " ").title()) for k in kinds}),
            ),
            InputBlock(
                block_id=ids.SOURCES_NAME_BLOCK, label=plain("Name"), element=_text("e.g. nps-survey")
            ),
            InputBlock(
                block_id=ids.SOURCES_SCALE_BLOCK,
                label=plain("Rating scale"),
                optional=True,
                element=_select({s: s for s in scales}),
                hint=plain("Leave empty to use the vendor's own scale."),
            ),
            InputBlock(
                block_id=ids.SOURCES_TAGS_BLOCK,
                label=plain("Default tags"),
                optional=True,
                element=_text("comma separated, e.g. survey, web"),
            ),
            InputBlock(
                block_id=ids.SOURCES_APP_ID_BLOCK,
                label=plain("App Store app id (App Store only)"),
                optional=True,
                element=_text("digits, e.g. 284882215"),
            ),
            InputBlock(
                block_id=ids.SOURCES_COUNTRY_BLOCK,
                label=plain("App Store country (App Store only)"),
                optional=True,
                element=_text("two letters, default us"),
            ),
        ],
    )


def read_add_form(values: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, str]:
    """kind, name, rating_scale, tags, app_id, country from a submitted Add modal ("" when left empty)."""

    def value(block: str) -> str:
        element = values.get(block, {}).get(ids.SOURCES_VALUE, {})
        selected = element.get("selected_option") or {}
        return str(selected.get("value") or element.get("value") or "").strip()

    return {field: value(block) for field, block in FIELD_BLOCKS.items() if field != "secret"}


def created_modal(made: NewSource) -> dict[str, Any]:
    """The URL, secret and token, shown this once (only the owner who made the source sees this modal)."""
    src = made.source
    if src.polled:
        body = (
            f"*{escape(src.name)}* is added: its reviews are polled every 15 minutes. The first poll posts "
            "the newest reviews as cards and stores older ones as history under one summary card."
        )
        blocks: list[Block] = [md_section(body)]
    else:
        blocks = [
            md_section(f"*{escape(src.name)}* is ready. Point your tool's webhook at:"),
            md_section(f"```https://<this bot's address>{escape(made.path)}```"),
            md_section(
                f"*Signing secret*\n```{made.secret}```\n*Bearer token*\n```{made.token}```\n"
                "Shown once: copy them into the tool now. If the tool makes its own secret (Stripe, "
                "Intercom), run `empathy-bot feedback-source set-secret` with it."
            ),
            ActionsBlock(elements=[_test_button(src.name)]),
        ]
    return view(type="modal", title=plain("Source added"), close=plain("Done"), blocks=blocks)


def last_delivery_modal(name: str, last: LastDelivery | None) -> dict[str, Any]:
    """What the source last received and what it became, or why it was refused."""
    if last is None:
        blocks: list[Block] = [
            md_section(
                f"*{escape(name)}* has received nothing yet. Send a test from the tool, then look again."
            )
        ]
    else:
        mark = "✅" if last.accepted else "⚠️"
        blocks = [
            md_section(f"{mark} {escape(last.outcome)}"),
            context(f"Received {last.at.strftime('%Y-%m-%d %H:%M UTC')}"),
            md_section(f"```{escape(last.payload) or '(empty body)'}```"),
        ]
    return view(type="modal", title=plain("Last delivery"), close=plain("Close"), blocks=blocks)


def backfill_summary(summary: BackfillSummary) -> Message:
    """One card for a first poll's history, instead of one per earlier review."""
    text = (
        f"{summary.stored} earlier reviews from {summary.source} stored; newest {summary.shown} shown "
        "as cards. The earlier ones count in trends and digests."
    )
    return message(text, [md_section(f":inbox_tray: {escape(text)}")])
