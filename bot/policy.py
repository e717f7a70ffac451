"""Who may do what: one Permission per guarded action, checked by every service through `require`.

Handlers may use `allows` to decide what to show; the check that counts is the service's, so a crafted
request, a CLI call or a job is held to the same rule."""

from __future__ import annotations

from enum import Enum

from bot.domain.actor import MANAGER, OWNER, Actor
from bot.domain.errors import NotAllowed


class Permission(Enum):
    """(role needed, what the refusal says the person tried to do)."""

    LAUNCH_SURVEY = (OWNER, "launch pulse surveys")
    CLOSE_SURVEY = (OWNER, "close a survey")
    WRITE_RESPONSE_NOTE = (OWNER, "share what happens next")
    SEE_SURVEY_RESULTS = (MANAGER, "see survey results")
    LIST_SURVEYS = (MANAGER, "list surveys")
    CHANGE_SETTINGS = (OWNER, "change settings")
    EDIT_ROUTING = (OWNER, "edit feedback routing")
    MANAGE_FEEDBACK_SOURCES = (OWNER, "manage feedback sources")
    PREVIEW_DIGEST = (MANAGER, "preview the digest")
    EXPORT_DATA = (OWNER, "export the workspace's data")
    FORGET_DATA = (OWNER, "forget a customer or a person")
    SEE_SPEAKUP_COUNTS = (MANAGER, "see Speak up counts")

    def __init__(self, role: str, action: str) -> None:
        self.role = role
        self.action = action


def allows(actor: Actor, permission: Permission) -> bool:
    return actor.is_owner if permission.role == OWNER else actor.is_manager


def require(actor: Actor, permission: Permission) -> None:
    """Raise NotAllowed (shown to the person as is) unless `actor` holds the permission's role."""
    if allows(actor, permission):
        return
    if permission.role == OWNER:
        raise NotAllowed(
            f"Only the workspace's empathy-bot owners can {permission.action}. "
            "An owner can add you in the App Home settings."
        )
    raise NotAllowed(
        f"Only managers and owners can {permission.action}. An owner can add you in the App Home settings."
    )
