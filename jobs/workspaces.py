"""Per-workspace work of a job: each workspace on its own, one failure costing no other workspace theirs."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


def for_each_workspace(job: str, team_ids: Iterable[str], work: Callable[[str], T]) -> dict[str, T]:
    """Run `work(team_id)` for every workspace; what each returned, for those that did not fail.

    A failure (a database error, a revoked token, a bug tripped by one workspace's data) is logged with
    its traceback and that workspace skipped: its transaction was rolled back with it, so whatever it had
    claimed is unclaimed again and the job's next run retries it. Every job runs again on its schedule,
    and each one's work is idempotent, so nothing needs remembering here.
    """
    done: dict[str, T] = {}
    for team_id in team_ids:
        try:
            done[team_id] = work(team_id)
        except Exception:  # one workspace's fault must not stop the others; it is logged in full
            log.exception("%s for %s failed; the other workspaces go on, the next run retries", job, team_id)
    return done
