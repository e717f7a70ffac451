"""Every action_id, callback_id and block_id, shared by views and handlers."""

from __future__ import annotations

# App Home and settings
OPEN_SETTINGS = "open_settings"
CLAIM_OWNERSHIP = "claim_ownership"  # first owner: App Home, while a workspace has no owner
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
FEEDBACK_MOVE_RULE_UP = "feedback_move_rule_up"
FEEDBACK_RULE_KIND_BLOCK = "feedback_rule_kind"
FEEDBACK_RULE_PATTERN_BLOCK = "feedback_rule_pattern"
FEEDBACK_RULE_CHANNEL_BLOCK = "feedback_rule_channel"

# Pulse surveys
PULSE_MODAL = "pulse_launch_modal"
PULSE_TEMPLATE = "pulse_template"  # dispatches: choosing a template refills the questions
PULSE_TITLE_BLOCK = "pulse_title"
PULSE_TEMPLATE_BLOCK = "pulse_template_block"
PULSE_QUESTIONS_BLOCK = "pulse_questions"
PULSE_CHANNEL_BLOCK = "pulse_channel"
PULSE_USERGROUP_BLOCK = "pulse_usergroup"
PULSE_PEOPLE_BLOCK = "pulse_people"
PULSE_ANONYMOUS_BLOCK = "pulse_anonymous"
PULSE_CLOSES_BLOCK = "pulse_closes"
PULSE_REMINDERS_BLOCK = "pulse_reminders"
PULSE_RECURRENCE_BLOCK = "pulse_recurrence"
PULSE_PREVIEW = "pulse_preview"  # the launch modal's "what you will see" button: the launch preview
PULSE_PREVIEW_MODAL = "pulse_preview_modal"  # read-only (no submit): Back returns to the launch form
PULSE_VALUE = "value"
PULSE_ANSWER_PREFIX = "pulse_answer_"  # + scale point; one button per point, unique within its block
PULSE_WRITE = "pulse_write"
PULSE_TEXT_MODAL = "pulse_text_modal"
PULSE_TEXT_BLOCK = "pulse_text"
PULSE_FOLLOW_UP_MODAL = "pulse_follow_up_modal"
PULSE_FOLLOW_UP_BLOCK = "pulse_follow_up"

# Kudos
KUDOS_MODAL = "kudos_modal"
KUDOS_USERS_BLOCK = "kudos_users"
KUDOS_STORY_BLOCK = "kudos_story"
KUDOS_IMPACT_BLOCK = "kudos_impact"
KUDOS_VALUES_BLOCK = "kudos_values"
KUDOS_BENEFICIARY_BLOCK = "kudos_beneficiary"
KUDOS_VALUE = "value"
KUDOS_PLUS_ONE = "kudos_plus_one"
KUDOS_ADD_REASON = "kudos_add_reason"
KUDOS_REASON_MODAL = "kudos_reason_modal"
KUDOS_FROM_FEEDBACK = "kudos_from_feedback"

# Speak up
SPEAKUP_OPEN = "speakup_open"
SPEAKUP_MODAL = "speakup_modal"
SPEAKUP_TEXT_BLOCK = "speakup_text"
SPEAKUP_TOPIC_BLOCK = "speakup_topic"
SPEAKUP_HOW_BLOCK = "speakup_how"
SPEAKUP_VALUE = "value"
SPEAKUP_REPLY = "speakup_reply"
SPEAKUP_ACKNOWLEDGE = "speakup_acknowledge"
SPEAKUP_RESOLVE = "speakup_resolve"
SPEAKUP_SHARE = "speakup_share"
SPEAKUP_FLAG = "speakup_flag"
SPEAKUP_REPLY_MODAL = "speakup_reply_modal"
SPEAKUP_REPLY_BLOCK = "speakup_reply_text"
SPEAKUP_ANSWER = "speakup_answer"
SPEAKUP_ANSWER_MODAL = "speakup_answer_modal"
SPEAKUP_CLOSE = "speakup_close"
SPEAKUP_AGREE_SHARE = "speakup_agree_share"

# Feedback sources (App Home > Feedback sources)
SOURCES_OPEN = "sources_open"
SOURCES_ADD = "sources_add"
SOURCES_ADD_MODAL = "sources_add_modal"
SOURCES_TEST = "sources_test"
SOURCES_VALUE = "value"
SOURCES_KIND_BLOCK = "sources_kind"
SOURCES_NAME_BLOCK = "sources_name"
SOURCES_SCALE_BLOCK = "sources_scale"
SOURCES_TAGS_BLOCK = "sources_tags"
SOURCES_APP_ID_BLOCK = "sources_app_id"
SOURCES_COUNTRY_BLOCK = "sources_country"
