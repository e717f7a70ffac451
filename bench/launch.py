"""A pulse launch to a big channel, end to end, against a Slack stand-in that behaves like Slack.

Run by hand:  python -m bench.launch [--people 5000] [--latency 0.15] [--post-per-minute N]
                                     [--timeout 4200] [--database-url URL]

The workspace's people directory is filled first, as the install-time job does (users.list paged 200 at a
time, straight into the database, before Slack's limits are switched on). Then the stand-in answers like
Slack: every Web API call takes `--latency` seconds, and each method answers 429 + Retry-After past its
per-minute tier (tests/slack_standin.py METHOD_TIERS; `--post-per-minute` overrides chat.postMessage's,
which Slack documents as "special": about 1 a second per channel, a few hundred a minute per workspace).

The bot runs as in production: `python -m bot run` in HTTP mode, with its scheduler (the outbox worker
and the launch resolution job). The launch modal is submitted as Slack would send it (a signed
view_submission over HTTP) by the owner, for a channel of `--people` people plus bots and deactivated
accounts. Reported: the ack time of the submission; when the owner was told how many were asked (the
audience resolved by the job, the confirmation sent); when the last invitation went out; whether each
person got exactly one invitation (and no bot or deactivated account any); how many 429s the stand-in
answered, per method; the outbox rows left pending or dead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, func, select

from bench.config import SECRET, bench_config
from bot.views import ids
from tests.pulse_helpers import launch_values
from tests.slack_requests import interactive_body, sign, slash_command_body, view_submission_payload
from tests.slack_standin import SlackStandIn

OWNER = "ULOWNER01"
TEAM = "T0TEAM1"
CHANNEL = "CALL0001"
PORT = 3911
BOTS, DEACTIVATED = 20, 30


def seed(database_url: str, api_url: str) -> None:
    """The workspace as it stands after install: migrated, its people directory filled."""
    from bot.container import build_container
    from storage.migrate import upgrade

    settings = bench_config(database_url, api_url, OWNER)
    container = build_container(settings)
    upgrade(container.engine)
    container.workspaces.ensure(TEAM)
    started = time.perf_counter()
    report = container.directory.fill_step(container.slack.for_team(TEAM), TEAM, max_pages=10_000)
    assert report.complete and container.directory.is_filled(TEAM)
    print(
        f"directory: {report.people} people in {report.pages} pages of users.list, "
        f"{time.perf_counter() - started:.1f} s (before Slack's limits were switched on)"
    )
    container.close()


class Output:
    """Drains the bot's output; keeps the lines worth reading afterwards."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.counts: Counter[str] = Counter()
        self.problems: list[str] = []
        self._proc = proc

    def wait_ready(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if "HTTP mode: listening" in line:
                threading.Thread(target=self._drain, daemon=True).start()
                return
            self._note(line)
        raise SystemExit("the bot exited before it was ready:\n" + "\n".join(self.problems[-20:]))

    def _drain(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._note(line)

    def _note(self, line: str) -> None:
        if "will be retried" in line:
            self.counts["outbox retry lines"] += 1
        elif "failed for good" in line:
            self.counts["outbox dead lines"] += 1
            self.problems.append(line.rstrip())
        elif " ERROR " in line or "Traceback" in line or " WARNING " in line:
            self.counts["other warnings/errors"] += 1
            self.problems.append(line.rstrip())


def submit_launch(url: str) -> tuple[float, int, str]:
    values = launch_values(channel=CHANNEL, closes=datetime.now(UTC) + timedelta(days=3), reminders="0")
    return _post(url, interactive_body(view_submission_payload(ids.PULSE_MODAL, values, user=OWNER)))


def warm_up(url: str) -> float:
    """A first request (/empathy privacy): Bolt checks the token with auth.test on the first one."""
    return _post(url, slash_command_body("/empathy", "privacy", user=OWNER))[0]


def _post(url: str, body: str) -> tuple[float, int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign(body, SECRET)}
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, body.encode(), headers), timeout=10) as r:
        answer = r.read().decode()
        status = r.status
    return (time.perf_counter() - started) * 1000, status, answer


def outbox_rows(database_url: str) -> dict[str, int]:
    from storage.models import OutboxMessage

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as c:
        rows = c.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
        attempts = c.scalar(select(func.max(OutboxMessage.attempts)))
    engine.dispose()
    return {**{str(status): int(n) for status, n in rows}, "max attempts of a row": int(attempts or 0)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per Web API call")
    parser.add_argument("--post-per-minute", type=int, default=None, help="chat.postMessage tier")
    parser.add_argument("--timeout", type=float, default=4200, help="give up after this many seconds")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    slack = SlackStandIn()
    tmp = tempfile.mkdtemp()
    database_url = args.database_url or f"sqlite:///{tmp}/launch.db"
    slack.add_user(OWNER, "owner")
    slack.add_user("UBOT0001", "empathy-bot", is_bot=True)
    everyone = slack.add_people(args.people + BOTS + DEACTIVATED, bots=BOTS, deleted=DEACTIVATED)
    people = set(everyone[BOTS + DEACTIVATED :])
    slack.members[CHANNEL] = [*everyone, "UBOT0001"]
    seed(database_url, slack.url)

    slack.latency = args.latency
    slack.use_rate_tiers({"chat.postMessage": args.post_per_minute} if args.post_per_minute else None)
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": database_url,
        "EMPATHY_SECRET_KEY": "b" * 64,
        "EMPATHY_OWNERS": OWNER,
        "EMPATHY_ENV_FILE": f"{tmp}/none.env",
        "HOST": "127.0.0.1",
        "PORT": str(PORT),
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": os.getcwd(),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = Output(proc)
    try:
        output.wait_ready()
        time.sleep(2)  # the start-up jobs' first runs (directory: nothing to do; digests: none due)
        url = f"http://127.0.0.1:{PORT}/slack/events"
        print(f"first request (/empathy privacy, with Bolt's one-off auth.test): {warm_up(url):.0f} ms")
        before = len(slack.calls)
        limited_before = dict(slack.limited_by_method)
        started = time.perf_counter()
        ack_ms, status, answer = submit_launch(url)
        print(f"launch submission: HTTP {status} in {ack_ms:.0f} ms, answer {answer[:80]!r}")
        report(slack, people, before, started, args.timeout)
        limited = Counter(slack.limited_by_method) - Counter(limited_before)
        print(f"429s answered by the stand-in during the launch: {sum(limited.values())} {dict(limited)}")
        print(f"outbox rows: {outbox_rows(database_url)}")
        print(f"bot log: {dict(output.counts)}")
        for line in output.problems[:20]:
            print("  bot:", line[:200])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        slack.close()


def report(slack: SlackStandIn, people: set[str], before: int, started: float, timeout: float) -> None:
    """Watch the stand-in until every person got an invitation (or `timeout`); print the timeline."""
    told_at: float | None = None
    last_at: float | None = None
    next_minute = 60.0
    seen = 0
    while True:
        elapsed = time.perf_counter() - started
        calls = slack.calls[before:]
        posts = [c for c in calls if c.method == "chat.postMessage"]
        if told_at is None and any(c["channel"] == OWNER for c in posts):
            told_at = elapsed
            owner_text = next(c["text"] for c in posts if c["channel"] == OWNER)
            print(f"owner told after {told_at:.1f} s: {owner_text[:120]!r}")
        invited = {c["channel"] for c in posts if c["channel"] in people}
        if len([c for c in posts if c["channel"] in people]) > seen:
            seen = len([c for c in posts if c["channel"] in people])
            last_at = elapsed
        if elapsed >= next_minute:
            print(f"  {elapsed / 60:4.0f} min: {len(invited)} invited, {slack.limited} 429s so far")
            next_minute += 60
        if len(invited) >= len(people) or elapsed > timeout:
            break
        time.sleep(0.5)
    time.sleep(3)  # anything sent twice shortly after the last one
    posts = [c for c in slack.calls[before:] if c.method == "chat.postMessage"]
    to_people = [c["channel"] for c in posts if c["channel"] in people]
    strays = [c["channel"] for c in posts if c["channel"] not in people and c["channel"] != OWNER]
    per_person = Counter(to_people)
    print(
        f"invitations: {len(to_people)} messages to {len(per_person)} distinct people of {len(people)}; "
        f"sent twice or more: {sum(1 for n in per_person.values() if n > 1)}; "
        f"to bots/deactivated/others: {len(strays)}"
    )
    if last_at is not None:
        print(f"last invitation sent after {last_at:.1f} s ({last_at / 60:.1f} min)")
    methods = Counter(c.method for c in slack.calls[before:])
    print(f"Web API calls accepted during the launch: {json.dumps(dict(methods))}")


if __name__ == "__main__":
    main()
