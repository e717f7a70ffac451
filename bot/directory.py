"""The people directory: the one answer to "is this a human, what are they called, what is their time zone".

Filled per workspace by a paged job (jobs/directory.py) that walks users.list 200 people a page within
Slack's Tier 2 limit, kept fresh by team_join / user_change / user_profile_changed events and refreshed
weekly. The request path reads it from the database only; a person it has never heard of is looked up
with one users.info, and only after the request was acknowledged (`look_up`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock
from bot.domain.directory import DirectoryPerson, person_from_slack
from storage.repositories import directory as repo

log = logging.getLogger(__name__)

PAGE_SIZE = 200  # users.list: Slack returns at most about 200 per page whatever `limit` asks
# Tier 2 is about 20 calls a minute per workspace; the fill job runs every minute and takes at most this
# many pages per run, leaving the rest of the minute's budget to other users.list callers.
PAGES_PER_RUN = 10
REFRESH_EVERY = timedelta(days=7)
NOT_FOUND = ("user_not_found", "user_not_visible")


@dataclass(frozen=True)
class FillReport:
    pages: int = 0
    people: int = 0
    complete: bool = False
    rate_limited: bool = False


class Directory:
    def __init__(self, sessions: sessionmaker[Session], clock: Clock) -> None:
        self._sessions = sessions
        self._clock = clock

    # --- reading (database only: safe before ack) -----------------------------------------------------
    def people(self, team_id: str, user_ids: Iterable[str]) -> dict[str, DirectoryPerson]:
        """The known ones among `user_ids`; ids never heard of are absent (see `look_up`)."""
        with self._sessions() as s:
            return repo.people(s, team_id, user_ids)

    def unknown(self, team_id: str, user_ids: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(user_ids))
        known = self.people(team_id, wanted)
        return [u for u in wanted if u not in known]

    def humans(self, team_id: str, user_ids: Iterable[str]) -> list[str]:
        """`user_ids` without bots, Slackbot and deactivated accounts (unknown ids are kept: nobody said
        they are not people; the fill job or an event will tell)."""
        wanted = list(dict.fromkeys(user_ids))
        known = self.people(team_id, wanted)
        return [u for u in wanted if (p := known.get(u)) is None or p.is_human]

    def names(self, team_id: str) -> dict[str, list[str]]:
        """Active people's names (real and display), for recognising who customer praise is about."""
        with self._sessions() as s:
            return {p.id: p.names for p in repo.active_people(s, team_id) if p.names}

    def is_filled(self, team_id: str) -> bool:
        with self._sessions() as s:
            state = repo.fill_state(s, team_id)
        return state is not None and state.filled_at is not None

    # --- learning (events, lookups after ack, the fill job) -------------------------------------------
    def record(self, team_id: str, users: Iterable[dict[str, Any]]) -> int:
        """Store Slack `user` objects (from an event, users.info or a users.list page)."""
        records = [person_from_slack(u) for u in users if u.get("id")]
        with self._sessions.begin() as s:
            return repo.upsert(s, team_id, records, self._clock.now())

    def look_up(
        self, client: WebClient, team_id: str, user_ids: Iterable[str]
    ) -> dict[str, DirectoryPerson | None]:
        """Everyone in `user_ids`: from the directory, and ONE users.info each for those it lacks (so
        call this after ack). None: Slack does not know them (or won't show them)."""
        wanted = list(dict.fromkeys(user_ids))
        found: dict[str, DirectoryPerson | None] = dict(self.people(team_id, wanted))
        fetched: list[dict[str, Any]] = []
        for user_id in (u for u in wanted if u not in found):
            try:
                user = client.users_info(user=user_id)["user"]
            except SlackApiError as exc:
                if exc.response.get("error") in NOT_FOUND:
                    found[user_id] = None
                    continue
                raise
            fetched.append(user)
            found[user_id] = person_from_slack(user)
        if fetched:
            self.record(team_id, fetched)
        return {u: found[u] for u in wanted}

    def teams_to_fill(self, team_ids: Iterable[str]) -> list[str]:
        """Workspaces never filled, in the middle of a pass, or last filled over a week ago."""
        ids = list(team_ids)
        with self._sessions() as s:
            states = repo.fill_states(s, ids)
        now = self._clock.now()
        due = []
        for team_id in ids:
            state = states.get(team_id)
            filled_at = state.filled_at if state is not None else None
            if state is None or state.cursor or filled_at is None or filled_at <= now - REFRESH_EVERY:
                due.append(team_id)
        return due

    def fill_step(self, client: WebClient, team_id: str, max_pages: int = PAGES_PER_RUN) -> FillReport:
        """Fetch up to `max_pages` pages of users.list from where the last run stopped.

        Each page is stored with the cursor of the next in one transaction (no Slack call inside it), so
        a crash or a 429 loses nothing: the next run carries on from the saved cursor.
        """
        with self._sessions() as s:
            state = repo.fill_state(s, team_id)
        cursor = state.cursor if state else ""
        started = state.pass_started_at if state and cursor else self._clock.now()
        pages = people = 0
        while pages < max_pages:
            try:
                response = client.users_list(limit=PAGE_SIZE, cursor=cursor or None)
            except SlackApiError as exc:
                if exc.response.status_code == 429:
                    log.info("directory fill for %s paused by a rate limit after %d page(s)", team_id, pages)
                    return FillReport(pages, people, rate_limited=True)
                if exc.response.get("error") == "invalid_cursor" and cursor:
                    log.warning("directory fill for %s: cursor expired, starting the pass again", team_id)
                    cursor, started = "", self._clock.now()
                    continue
                raise
            members = list(response.get("members") or [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or ""
            pages += 1
            people += len(members)
            now = self._clock.now()
            with self._sessions.begin() as s:
                repo.upsert(s, team_id, (person_from_slack(m) for m in members if m.get("id")), now)
                previous = repo.fill_state(s, team_id)
                filled_at = now if not cursor else (previous.filled_at if previous else None)
                repo.save_fill(s, team_id, cursor, started if cursor else None, filled_at)
            if not cursor:
                return FillReport(pages, people, complete=True)
        return FillReport(pages, people)
