"""Who a survey goes to: the people in a channel, a user group or a list, without bots or deactivated users.

Reads only membership lists and the user directory (never messages).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.directory import Directory
from bot.domain.errors import UserFacingError
from bot.domain.pulse import AudienceRefused, AudienceUnavailable

SLACKBOT = "USLACKBOT"
# Slack answers that mean "not now" rather than "no": a launch waits for the next run.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def _paged(client: WebClient, method: str, key: str, **params: Any) -> list[Any]:
    items: list[Any] = []
    cursor = None
    while True:
        response = client.api_call(
            method, params={**params, "limit": 1000, **({"cursor": cursor} if cursor else {})}
        )
        items.extend(response.get(key) or [])
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return items


def humans(client: WebClient) -> dict[str, bool]:
    """Every user in Slack's directory, paged (Tier 2!): True for an active person. Only for callers
    without a people directory; everything else asks `Directory.humans` (the database)."""
    return {
        u["id"]: not (u.get("is_bot") or u.get("deleted") or u["id"] == SLACKBOT)
        for u in _paged(client, "users.list", "members")
    }


def resolve(
    client: WebClient,
    audience: dict[str, Any],
    *,
    team_id: str = "",
    directory: Directory | None = None,
    page_users: bool = True,
) -> list[str]:
    """The user ids an audience stands for today (channel members and groups change between rounds).

    With a filled `directory`, bots and deactivated accounts are left out by the workspace's people
    directory (no users.list paging); before it is filled (the first minutes after install), by paging
    Slack's: this runs in a job, never before an ack. Without `page_users` (a person is waiting) an
    unfilled directory leaves picked people as picked and asks Slack nothing else."""
    kind = audience.get("kind")
    directory_filled = directory is not None and directory.is_filled(team_id)
    if kind == "people":
        members = list(audience.get("people") or [])
    elif not page_users and not directory_filled:  # users.list is Tier 2: a request does without it
        raise AudienceUnavailable("the people directory is still being filled")
    elif kind == "channel":
        members = _paged(client, "conversations.members", "members", channel=audience["ref"])
    elif kind == "usergroup":
        response = client.api_call("usergroups.users.list", params={"usergroup": audience["ref"]})
        members = list(response.get("users") or [])
    else:
        raise UserFacingError("Choose who to ask: a channel, a user group or some people.")
    if directory is not None and directory_filled:
        return sorted(set(directory.humans(team_id, members)))
    if not page_users:
        return sorted(set(members))  # picked people, as picked (bots not left out yet)
    people = humans(client)
    return sorted({m for m in members if people.get(m, True)})


def usergroups(client: WebClient) -> list[tuple[str, str]]:
    """(id, "@handle: name") of the workspace's user groups, for the launch modal; empty if unavailable."""
    response = client.api_call("usergroups.list", params={"include_disabled": False})
    return [
        (g["id"], f"@{g.get('handle', '')}: {g.get('name', '')}") for g in response.get("usergroups") or []
    ]


def resolver(
    clients: Callable[[str], WebClient], directory: Directory, *, page_users: bool = True
) -> Callable[[str, dict[str, Any]], list[str]]:
    """`resolve` for a workspace's audience, Slack's refusals turned into the pulse service's terms:
    AudienceUnavailable (try again later) or AudienceRefused (with what to do about it). Without
    `page_users` (a request, not a job) an unfilled people directory is "try again later"."""

    def resolve_for(team_id: str, target: dict[str, Any]) -> list[str]:
        try:
            return resolve(
                clients(team_id), target, team_id=team_id, directory=directory, page_users=page_users
            )
        except SlackApiError as exc:
            reason = str(exc.response.get("error", "") or "")
            status = exc.response.status_code
            if reason in TRANSIENT_ERRORS or status == 429 or status >= 500:
                raise AudienceUnavailable(reason or f"HTTP {status}") from exc
            hint = (
                "I can't see who is in that channel: invite me to it first (`/invite @empathy-bot`)."
                if reason == "not_in_channel"
                else f"I can't see who is in that audience: Slack said {reason}."
            )
            raise AudienceRefused(hint) from exc
        except OSError as exc:  # network trouble: try again later
            raise AudienceUnavailable(str(exc)) from exc

    return resolve_for
