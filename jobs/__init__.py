"""Scheduled work: plain functions of the Container, registered here with stable ids (= function names).

Every job claims its work in the database, so running it twice, or in several processes, is harmless.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from bot.container import Container
from jobs.digest import send_weekly_digests
from jobs.feedback import send_feedback_nudges
from jobs.housekeeping import apply_retention, drop_lapsed_kudos, forget_old_event_keys
from jobs.kudos import send_kudos_fairness_nudges
from jobs.outbox import work_outbox
from jobs.pulse import run_pulse_surveys

MISFIRE_GRACE_SECONDS = 3600


def build_scheduler(container: Container) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=container.settings.tz,
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE_SECONDS},
    )
    add = scheduler.add_job
    add(work_outbox, "interval", seconds=2, args=[container], id="work_outbox", replace_existing=True)
    # Every few minutes, and once at start: a digest missed while the bot was down is caught up (within
    # the grace window); each workspace's own day, time and time zone are read on every run.
    add(
        send_weekly_digests,
        "interval",
        minutes=5,
        next_run_time=datetime.now(container.settings.tz),
        args=[container],
        id="send_weekly_digests",
        replace_existing=True,
    )
    add(
        send_feedback_nudges,
        "interval",
        minutes=5,
        args=[container],
        id="send_feedback_nudges",
        replace_existing=True,
    )
    add(
        run_pulse_surveys,
        "interval",
        minutes=1,
        args=[container],
        id="run_pulse_surveys",
        replace_existing=True,
    )
    add(
        apply_retention,
        "cron",
        hour=3,
        minute=41,
        args=[container],
        id="apply_retention",
        replace_existing=True,
    )
    add(
        send_kudos_fairness_nudges,
        "interval",
        hours=1,
        args=[container],
        id="send_kudos_fairness_nudges",
        replace_existing=True,
    )
    add(
        drop_lapsed_kudos,
        "cron",
        hour=3,
        minute=29,
        args=[container],
        id="drop_lapsed_kudos",
        replace_existing=True,
    )
    add(
        forget_old_event_keys,
        "cron",
        hour=3,
        minute=17,
        args=[container],
        id="forget_old_event_keys",
        replace_existing=True,
    )

    def wake_outbox() -> None:
        if scheduler.running:
            scheduler.modify_job("work_outbox", next_run_time=datetime.now(container.settings.tz))

    container.outbox.wakeup = wake_outbox
    return scheduler
