"""Ack latency under load: the bot in HTTP mode vs a bare Bolt app, against the local Slack stand-in.

Run by hand:  python -m bench.load [--rates 10,25,50] [--seconds 10] [--database-url URL]
Sends a mix of signed requests at a fixed open-loop rate per step and reports, per kind, throughput and
p50/p95/p99 latency of the HTTP answer (the ack), errors, the same for the baseline, and the bot's RSS.
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
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.slack_requests import event_envelope, sign, slash_command_body
from tests.slack_standin import SlackStandIn

SECRET = "bench-signing-secret"
Request = tuple[str, str, str]  # kind, body, content type


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


# Grow this mix as capabilities land (kudos, feedback buttons, survey answers, reactions).
MIX: list[Callable[[int], Request]] = [_home, _privacy]


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(url: str, request: Request, results: Results) -> None:
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
            pool.submit(_send, url, MIX[i % len(MIX)](i), results)
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
            threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # type: ignore[union-attr]
            return proc
    raise SystemExit(f"{cmd} exited before it was ready")


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
    bot = _start(
        [sys.executable, "-m", "bot", "run"],
        {**env, "PORT": "3901", "LOG_LEVEL": "INFO"},
        "HTTP mode: listening",
    )
    base = _start([sys.executable, "-m", "bench.baseline_app"], {**env, "PORT": "3902"}, "baseline listening")
    try:
        print(f"{'rate':>5} {'target':>9} {'kind':<24} {'n':>5} {'err':>4} {'p50':>7} {'p95':>7} {'p99':>7}")
        for rate in (float(r) for r in args.rates.split(",")):
            for name, port in (("bot", 3901), ("baseline", 3902)):
                results = run_step(f"http://127.0.0.1:{port}/slack/events", rate, args.seconds)
                for kind, values in sorted(results.latencies.items()):
                    print(
                        f"{rate:>5.0f} {name:>9} {kind:<24} {len(values):>5} {results.errors[kind]:>4} "
                        f"{_pct(values, 0.5):>7.1f} {_pct(values, 0.95):>7.1f} {_pct(values, 0.99):>7.1f}"
                    )
                everything = [v for values in results.latencies.values() for v in values]
                errors = sum(results.errors.values())
                p50, p95, p99 = (_pct(everything, q) for q in (0.5, 0.95, 0.99))
                print(
                    f"{rate:>5.0f} {name:>9} {'ALL':<24} {len(everything):>5} {errors:>4} "
                    f"{p50:>7.1f} {p95:>7.1f} {p99:>7.1f}"
                )
        print(f"bot resident memory: {_rss_mb(bot.pid):.0f} MB")
    finally:
        for proc in (bot, base):
            proc.terminate()
            proc.wait(timeout=30)
        slack.close()


if __name__ == "__main__":
    main()
