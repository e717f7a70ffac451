"""Errors that carry a message meant for the person who caused them."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by services when a request cannot be done; the message is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(UserFacingError):
    """The user lacks the role for this action (checked on the server, whatever the UI showed)."""


class NotFound(UserFacingError):
    """The thing the user referred to does not exist in their workspace."""


class ConfigError(Exception):
    """Configuration is missing or malformed; `problems` has one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
