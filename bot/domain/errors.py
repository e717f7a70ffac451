"""Errors that carry a message meant for the person who caused them."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by services when a request cannot be done; the message is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldError(UserFacingError):
    """The one validation error: `field` names the input the message belongs to ("" for the whole form).

    Views map fields to their block ids, so a modal can show the message beside the right input."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotAllowed(UserFacingError):
    """The user lacks the role for this action (checked on the server, whatever the UI showed)."""


class NotFound(UserFacingError):
    """The thing the user referred to does not exist in their workspace."""
