"""Scheduled work: plain functions of the Container, registered here with stable ids (= function names).

Every job claims its work in the database, so running it twice, or in several processes, is harmless.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.container import Container
from jobs.digest import send_weekly_digests
from jobs.directory import fill_people_directories
from jobs.feedback import learn_feedback_labels, send_feedback_nudges
from jobs.housekeeping import apply_retention, drop_lapsed_kudos, forget_old_event_keys
from jobs.intake import poll_review_sources
from jobs.kudos import send_kudos_fairness_nudges
from jobs.outbox import work_outbox
from jobs.pulse import resolve_pulse_launches, run_pulse_surveys
from jobs.speakup import apply_speakup_retention, relay_speakup_messages

MISFIRE_GRACE_SECONDS = 3600


def _not_an_outbox_overlap(record: logging.LogRecord) -> bool:
    """APScheduler warns each time a run is skipped because the previous one still runs. For the outbox
    that is expected (a run sending a launch's hundreds of invitations outlasts its 2 s interval; the
    wake-up runs it again right after), and would be a warning every 2 s: leave those out."""
    message = record.getMessage()
    return not ("maximum number of running instances" in message and '"work_outbox' in message)


logging.getLogger("apscheduler.scheduler").addFilter(_not_an_outbox_overlap)


def build_scheduler(container: Container) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=container.config.tz,
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    now = datetime.now(container.config.tz)
    for job, trigger in (
        (work_outbox, {"trigger": "interval", "seconds": 2}),
        # Every few minutes, and once at start: a digest missed while the bot was down is caught up
        # (within the grace window); each workspace's own day, time and time zone are read on every run.
        (send_weekly_digests, {"trigger": "interval", "minutes": 5, "next_run_time": now}),
        (send_feedback_nudges, {"trigger": "interval", "minutes": 5}),
        (learn_feedback_labels, {"trigger": "interval", "minutes": 1}),
        (run_pulse_surveys, {"trigger": "interval", "minutes": 1}),
        # A launch is stored before the modal closes; who is in its audience is asked of Slack here, soon.
        (resolve_pulse_launches, {"trigger": "interval", "seconds": 5}),
        (send_kudos_fairness_nudges, {"trigger": "interval", "hours": 1}),
        (forget_old_event_keys, {"trigger": "cron", "hour": 3, "minute": 17}),
        (drop_lapsed_kudos, {"trigger": "cron", "hour": 3, "minute": 29}),
        (apply_retention, {"trigger": "cron", "hour": 3, "minute": 41}),
        (relay_speakup_messages, {"trigger": "interval", "minutes": 1}),
        (apply_speakup_retention, {"trigger": "cron", "hour": 3, "minute": 53}),
        # At start (install or first run) and every minute: a few users.list pages per workspace that
        # needs them (never filled, mid-pass, or filled over a week ago); otherwise nothing to do.
        (fill_people_directories, {"trigger": "interval", "minutes": 1, "next_run_time": now}),
        (poll_review_sources, {"trigger": "interval", "minutes": 1}),
    ):
        scheduler.add_job(job, args=[container], id=job.__name__, replace_existing=True, **trigger)

    container.wakeup.subscribe(_coalesced_wake(scheduler, container))
    return scheduler


def _coalesced_wake(scheduler: BackgroundScheduler, container: Container) -> Callable[[], None]:
    """Run the outbox job now, unless a run is going: then once more right after it (not a second
    instance, which APScheduler refuses with a WARNING; under load wake-ups come several a second)."""
    lock = threading.Lock()
    # A count, not a flag: the "executed" event of a quick run can arrive before its "submitted" one.
    state = {"running": 0, "again": False}

    def run_now() -> None:
        if scheduler.running:
            scheduler.modify_job("work_outbox", next_run_time=datetime.now(container.config.tz))

    def on_event(event: JobEvent) -> None:
        if event.job_id != "work_outbox":
            return
        with lock:
            if event.code == EVENT_JOB_SUBMITTED:
                state["running"] += 1
                return
            state["running"] -= 1
            if state["running"] > 0:
                return
            again, state["again"] = state["again"], False
        if again:
            run_now()

    def wake() -> None:
        with lock:
            if state["running"] > 0:
                state["again"] = True
                return
        run_now()

    scheduler.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return wake


def stop_scheduler(scheduler: BackgroundScheduler, container: Container) -> None:
    """Shutting down: no new runs, no waiting for running ones (the outbox stops after its call in
    flight and hands its other claimed rows back; every job is safe to cut short and run again)."""
    container.outbox.stop()
    if scheduler.running:
        scheduler.shutdown(wait=False)
