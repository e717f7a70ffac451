"""Ack latency under load: the bot in HTTP mode vs a bare Bolt app, against the local Slack stand-in.

Run by hand:  python -m bench.load [--rates 10,25,50] [--seconds 10] [--database-url URL]
                                  [--slack-latency 0.15] [--tiers] [--people 10000] [--no-baseline]
Sends a mix of signed requests at a fixed open-loop rate per step and reports, per kind, throughput and
p50/p95/p99/max latency of the HTTP answer (the ack), errors, the same for the baseline, and the bot's RSS.
With --slack-latency / --tiers the stand-in answers like real Slack (every Web API call delayed, 429 +
Retry-After past each method's tier); --people fills a directory of that many people (users.list paged
200 at a time into the bot's people directory before the run).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.config import SECRET, bench_config
from tests.slack_requests import (
    block_actions_payload,
    event_envelope,
    interactive_body,
    sign,
    slash_command_body,
)
from tests.slack_standin import SlackStandIn

Request = tuple[str, str, str]  # kind, body, content type


SURVEY = {"id": 0}
RESPOND = {"url": ""}
FEEDBACK = {"id": 0}
AUDIENCE = 20_000
OWNER = "UBOWNER01"


def _home(i: int) -> Request:
    body = json.dumps(
        event_envelope({"type": "app_home_opened", "user": f"UB{i % 50:06d}", "channel": "D1", "tab": "home"})
    )
    return "event app_home_opened", body, "application/json"


def _privacy(i: int) -> Request:
    return (
        "/empathy privacy",
        slash_command_body("/empathy", "privacy", user=f"UB{i % 50:06d}"),
        "application/x-www-form-urlencoded",
    )


def _pulse_results(i: int) -> Request:
    body = slash_command_body("/pulse", f"results {SURVEY['id']}", user=OWNER, response_url=RESPOND["url"])
    return "/pulse results", body, "application/x-www-form-urlencoded"


def _feedback_modal(i: int) -> Request:
    return (
        "/feedback",
        slash_command_body("/feedback", "", user=f"UB{i % 50:06d}"),
        "application/x-www-form-urlencoded",
    )


def _survey_answer(i: int) -> Request:
    """A first answer from a different invitee each time (the full anonymous write path)."""
    value = f"{SURVEY['id']}|q1|{i % 11}|"
    payload = block_actions_payload(
        f"pulse_answer_{i % 11}",
        user=f"UA{i % AUDIENCE:06d}",
        value=value,
        channel="D1",
        response_url=RESPOND["url"],
    )
    return "action survey answer", interactive_body(payload), "application/x-www-form-urlencoded"


def _feedback_button(i: int) -> Request:
    payload = block_actions_payload(
        "feedback_acknowledge", user=f"UB{i % 50:06d}", value=str(FEEDBACK["id"]), channel="CFEED01"
    )
    return "action feedback ack", interactive_body(payload), "application/x-www-form-urlencoded"


def _reaction(i: int) -> Request:
    event = {
        "type": "reaction_added",
        "user": f"UB{i % 50:06d}",
        "reaction": "tada",
        "item": {"type": "message", "channel": "CRANDOM", "ts": f"1800000000.{i:06d}"},
        "item_user": "UB000001",
    }
    return "event reaction_added", json.dumps(event_envelope(event)), "application/json"


def _digest(i: int) -> Request:
    return (
        "/digest",
        slash_command_body("/digest", "last-week", user=OWNER, response_url=RESPOND["url"]),
        "application/x-www-form-urlencoded",
    )


def _kudos_modal(i: int) -> Request:
    body = slash_command_body("/kudos", "", user=f"UB{i % 50:06d}")
    return "/kudos (modal)", body, "application/x-www-form-urlencoded"


def _kudos(i: int) -> Request:
    """Each from a different giver (the daily allowance would otherwise refuse them after five)."""
    text = f"<@UB{(i + 1) % 50:06d}|b> for calling the customer back the same day #owned-it"
    return (
        "/kudos",
        slash_command_body("/kudos", text, user=f"UG{i:06d}", response_url=RESPOND["url"]),
        "application/x-www-form-urlencoded",
    )


MIX: list[Callable[[int], Request]] = [
    _home,
    _kudos,
    _privacy,
    _pulse_results,
    _feedback_modal,
    _survey_answer,
    _feedback_button,
    _reaction,
    _digest,
    _kudos_modal,
]


def seed(database_url: str, api_url: str, fill_directory: bool = False) -> None:
    """A workspace with one feedback item and an open survey to a large audience (invitations marked sent)."""
    from datetime import timedelta

    from sqlalchemy import update

    from bot.container import build_container
    from bot.domain.feedback import FeedbackInput
    from bot.domain.pulse import SurveyDraft
    from bot.domain.pulse_questions import parse_questions
    from storage.migrate import upgrade
    from storage.models import Feedback, OutboxMessage

    settings = bench_config(database_url, api_url, OWNER)
    container = build_container(settings)
    upgrade(container.engine)
    team = "T0TEAM1"
    container.workspaces.ensure(team)
    container.workspace_settings.update(
        container.actors.of(team, OWNER), {"feedback_channel": "CFEED01", "kudos_channel": "CKUDOS1"}
    )
    container.feedback.ingest(
        team, FeedbackInput("email", "bench-1", "Slow delivery, unhappy."), post_cards=False
    )
    draft = SurveyDraft(
        title="Bench pulse",
        template="enps",
        questions=parse_questions("[0-10] Recommend us?"),
        audience={"kind": "people", "people": [f"UA{n:06d}" for n in range(AUDIENCE)]},
        anonymous=True,
        closes_at=container.clock.now() + timedelta(days=3),
        reminders=0,
    )
    SURVEY["id"] = container.pulse.launch(container.actors.of(team, OWNER), draft)
    # What the launch job does: the audience (picked people here) is resolved, the invitations queued.
    container.pulse.resolve_launches(lambda _team, target: list(target.get("people") or []))
    with container.sessions.begin() as s:
        FEEDBACK["id"] = s.query(Feedback.id).scalar()
        s.execute(update(OutboxMessage).values(status="sent"))
    if fill_directory:  # what the install-time job does over a few minutes, done at once (no tiers yet)
        started = time.perf_counter()
        report = container.directory.fill_step(container.slack.for_team(team), team, max_pages=1000)
        print(
            f"directory: {report.people} people in {report.pages} pages of users.list, "
            f"{time.perf_counter() - started:.1f} s"
        )
    container.close()


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    by_second: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(url: str, request: Request, results: Results, second: int) -> None:
    kind, body, content_type = request
    headers = {"Content-Type": content_type, **sign(body, SECRET)}
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body.encode(), headers), timeout=10) as r:
            r.read()
            ok = r.status == 200
    except (urllib.error.URLError, TimeoutError):
        ok = False
    elapsed = (time.perf_counter() - start) * 1000
    with results.lock:
        if ok:
            results.latencies[kind].append(elapsed)
            results.by_second[second].append(elapsed)
        else:
            results.errors[kind] += 1


def run_step(url: str, rate: float, seconds: float) -> Results:
    results = Results()
    total = int(rate * seconds)
    with ThreadPoolExecutor(max_workers=64) as pool:
        start = time.perf_counter()
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)  # open-loop pacing of the load generator (a benchmark, not a test)
            n = next(SEQUENCE)  # unique across steps: each survey answer comes from a new invitee
            pool.submit(_send, url, MIX[n % len(MIX)](n), results, int(i / rate))
    return results


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _start(cmd: list[str], env: dict[str, str], ready: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(cmd, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    for line in proc.stdout:
        if ready in line:
            threading.Thread(target=_keep_problems, args=(proc,), daemon=True).start()
            return proc
    raise SystemExit(f"{cmd} exited before it was ready")


PROBLEMS: list[str] = []
SEQUENCE = itertools.count()


def _keep_problems(proc: subprocess.Popen[str]) -> None:
    """Drain a server's output, keeping warnings and errors to print after the run."""
    assert proc.stdout is not None
    for line in proc.stdout:
        if (
            " WARNING " in line
            or " ERROR " in line
            or "Traceback" in line
            or _exception_line(line)
            or ("/handlers/" in line)
        ):
            PROBLEMS.append(line.rstrip())


def _exception_line(line: str) -> bool:
    """The last line of a traceback ("sqlalchemy.exc.OperationalError: ...")."""
    head = line.split(":", 1)[0]
    return not line.startswith(" ") and head.endswith(("Error", "Exception", "Refused"))


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="10,25,50")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--slack-latency", type=float, default=0.0, help="seconds per Web API call")
    parser.add_argument("--tiers", action="store_true", help="429 + Retry-After past Slack's tiers")
    parser.add_argument("--people", type=int, default=0, help="people in the workspace directory")
    parser.add_argument("--no-baseline", action="store_true", help="only the bot (halves the run)")
    args = parser.parse_args()

    slack = SlackStandIn()
    tmp = tempfile.mkdtemp()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.url,
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp}/bench.db",
        "EMPATHY_SECRET_KEY": "b" * 64,
        "HOST": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "EMPATHY_ENV_FILE": f"{tmp}/none.env",
        "PYTHONPATH": os.getcwd(),
    }
    for n in range(50):
        slack.add_user(f"UB{n:06d}")
    slack.add_user(OWNER)
    slack.add_people(args.people)
    seed(env["DATABASE_URL"], slack.url, fill_directory=args.people > 0)
    slack.latency = args.slack_latency
    if args.tiers:
        slack.use_rate_tiers()
    RESPOND["url"] = f"{slack.base}/respond"
    env["EMPATHY_OWNERS"] = OWNER
    bot = _start(
        [sys.executable, "-m", "bot", "run"],
        {**env, "PORT": "3901", "LOG_LEVEL": "INFO"},
        "HTTP mode: listening",
    )
    base = (
        None
        if args.no_baseline
        else _start(
            [sys.executable, "-m", "bench.baseline_app"], {**env, "PORT": "3902"}, "baseline listening"
        )
    )
    targets = [("bot", 3901)] + ([] if base is None else [("baseline", 3902)])
    try:
        print(
            f"bot resident memory at start (directory of {args.people} in the database): "
            f"{_rss_mb(bot.pid):.0f} MB"
        )
        print(
            f"{'rate':>5} {'target':>9} {'kind':<24} {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7} "
            f"{'max':>7}"
        )
        for rate in (float(r) for r in args.rates.split(",")):
            for name, port in targets:
                results = run_step(f"http://127.0.0.1:{port}/slack/events", rate, args.seconds)
                for kind, values in sorted(results.latencies.items()):
                    print(
                        f"{rate:>5.0f} {name:>9} {kind:<24} {len(values):>5} {results.errors[kind]:>4} "
                        f"{_pct(values, 0.5):>7.1f} {_pct(values, 0.95):>7.1f} {_pct(values, 0.99):>7.1f} "
                        f"{max(values):>7.1f}"
                    )
                seconds = sorted(results.by_second)
                timeline = " ".join(f"{_pct(results.by_second[s], 0.99):.0f}" for s in seconds)
                print(f"{rate:>5.0f} {name:>9} p99 by second of the step: {timeline}")
                everything = [v for values in results.latencies.values() for v in values]
                errors = sum(results.errors.values())
                p50, p95, p99 = (_pct(everything, q) for q in (0.5, 0.95, 0.99))
                print(
                    f"{rate:>5.0f} {name:>9} {'ALL':<24} {len(everything):>5} {errors:>4} "
                    f"{p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {max(everything, default=0):>7.1f}"
                )
        limited = sum(1 for _ in PROBLEMS if "rate" in _.lower())
        print(
            f"bot resident memory: {_rss_mb(bot.pid):.0f} MB; server lines mentioning rate limits: {limited}"
        )
        print(f"Web API calls the stand-in answered: {len(slack.calls)} ({slack.attempts} attempts)")
        queue = [line for line in PROBLEMS if "waitress.queue" in line]
        others = [line for line in PROBLEMS if "waitress.queue" not in line]
        print(f"server: {len(queue)} waitress 'task queue depth' warnings")
        for line in others[:40]:
            print("server:", line)
    finally:
        for proc in (bot, base):
            if proc is None:
                continue
            proc.terminate()
            proc.wait(timeout=30)
        slack.close()


if __name__ == "__main__":
    main()
