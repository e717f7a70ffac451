"""Every action_id, callback_id and block_id, shared by views and handlers."""

from __future__ import annotations

# App Home and settings
OPEN_SETTINGS = "open_settings"
SETTINGS_MODAL = "settings_modal"
SETTINGS_BLOCK_PREFIX = "setting__"  # block_id = prefix + settings key; action_id = "value"
SETTINGS_VALUE = "value"
