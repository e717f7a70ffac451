"""The manifest and the listeners agree: every registered command, shortcut and event is declared."""

from __future__ import annotations

import inspect
import subprocess
import sys

import yaml
from slack_bolt import App

from bot.manifest import BOT_EVENTS, build_manifest


def registered(app: App) -> dict[str, set[str]]:
    """What the app listens to, read from Bolt's built-in matchers (the closure holds the name)."""
    found: dict[str, set[str]] = {"command": set(), "event": set(), "shortcut": set()}
    for listener in app._listeners:
        for matcher in listener.matchers:
            func = getattr(matcher, "func", None)
            if func is None:
                continue
            kind = func.__qualname__.split(".")[0]
            names = inspect.getclosurevars(func).nonlocals
            if kind == "command":
                found["command"].add(names["command"])
            elif kind == "event":
                found["event"].add(names["event_type"])
            elif kind in ("shortcut", "message_shortcut", "global_shortcut"):
                found["shortcut"].add(names["callback_id"])
    return found


def test_manifest_declares_exactly_the_registered_commands_events_and_shortcuts(app: App) -> None:
    listens = registered(app)
    manifest = build_manifest()
    declared_commands = {c["command"] for c in manifest["features"].get("slash_commands", [])}
    declared_shortcuts = {s["callback_id"] for s in manifest["features"].get("shortcuts", [])}
    assert declared_commands == listens["command"]
    assert declared_shortcuts == listens["shortcut"]
    # "message.channels" / "message.groups" are subscriptions to what Bolt listens to as "message".
    assert {e.split(".")[0] for e in manifest["settings"]["event_subscriptions"]["bot_events"]} == listens[
        "event"
    ]
    assert "app_home_opened" in BOT_EVENTS


def test_manifest_command_prints_yaml_for_socket_mode() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "manifest"], capture_output=True, text=True, check=True
    )
    manifest = yaml.safe_load(out.stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert "chat:write" in manifest["oauth_config"]["scopes"]["bot"]


def test_manifest_with_request_url_fills_http_urls() -> None:
    manifest = build_manifest("https://bot.example.com/")
    url = "https://bot.example.com/slack/events"
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["event_subscriptions"]["request_url"] == url
    assert manifest["settings"]["interactivity"]["request_url"] == url
    assert all(c["url"] == url for c in manifest["features"].get("slash_commands", []))


def test_the_manifest_file_in_the_repository_is_what_the_command_prints() -> None:
    """README step 1 pastes manifest.yml before anything is installed: it must not drift from the code."""
    from pathlib import Path

    from bot.manifest import manifest_yaml

    committed = (Path(__file__).parent.parent / "manifest.yml").read_text(encoding="utf-8")
    assert yaml.safe_load(committed) == yaml.safe_load(manifest_yaml()), (
        "manifest.yml is stale: regenerate it with `empathy-bot manifest > manifest.yml`"
    )
