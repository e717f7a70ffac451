"""Events no capability wants: acknowledged and dropped, registered last.

Bolt answers 404 to an event no listener matches, and Slack treats that as a failed delivery (it
retries, and too many failures disable the app's event subscriptions). Reactions and messages arrive
for every conversation the bot is in; only card threads, card reactions and the recognition emoji
matter, and everything else ends here, unread.
"""

from __future__ import annotations

from slack_bolt import App


def register(app: App) -> None:
    app.event("reaction_added")(ignore)
    app.event("reaction_removed")(ignore)
    app.event("message")(ignore)


def ignore() -> None:
    return None
