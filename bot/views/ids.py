"""Every action_id, callback_id and block_id, shared by views and handlers."""

from __future__ import annotations

# App Home and settings
OPEN_SETTINGS = "open_settings"
SETTINGS_MODAL = "settings_modal"
SETTINGS_BLOCK_PREFIX = "setting__"  # block_id = prefix + settings key; action_id = "value"
SETTINGS_VALUE = "value"

# Customer feedback
FEEDBACK_ACKNOWLEDGE = "feedback_acknowledge"
FEEDBACK_TAKE = "feedback_take"
FEEDBACK_RESOLVE = "feedback_resolve"
FEEDBACK_RELABEL = "feedback_relabel"
FEEDBACK_RESOLVE_MODAL = "feedback_resolve_modal"
FEEDBACK_RESOLUTION_BLOCK = "feedback_resolution"
FEEDBACK_ROOT_CAUSE_BLOCK = "feedback_root_cause"
FEEDBACK_LOG_MODAL = "feedback_log_modal"
FEEDBACK_LOG_TEXT_BLOCK = "feedback_log_text"
FEEDBACK_LOG_CUSTOMER_BLOCK = "feedback_log_customer"
FEEDBACK_LOG_SHORTCUT = "feedback_log_shortcut"
FEEDBACK_VALUE = "value"
FEEDBACK_OPEN_ROUTING = "feedback_open_routing"
FEEDBACK_ROUTING_MODAL = "feedback_routing_modal"
FEEDBACK_DELETE_RULE = "feedback_delete_rule"
FEEDBACK_RULE_KIND_BLOCK = "feedback_rule_kind"
FEEDBACK_RULE_PATTERN_BLOCK = "feedback_rule_pattern"
FEEDBACK_RULE_CHANNEL_BLOCK = "feedback_rule_channel"
