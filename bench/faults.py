"""Delivery under faults: real bot processes, a Slack stand-in, and faults injected from outside.

Run by hand:  python -m bench.faults [--database-url postgresql://postgres@127.0.0.1:5432/DB] [--only NAME]
Each scenario queues direct messages in the outbox (one per person, as a fan-out does), runs
`python -m bot run` against them and injects one fault:
  kill9     kill -9 a process mid fan-out, start a new one
  replicas  three processes at once against a slow Slack (1 s per post)
  db-outage the database unreachable for 20 s mid fan-out (a TCP proxy in front of it drops every
            connection and refuses new ones; PostgreSQL only, the shared server itself is never stopped)
  429-storm Slack answers every 4th call with 429 Retry-After: 1 (honoured: >= 25 s for 100 posts)
and reports messages lost (never posted), duplicated (posted more than once) and the time to drain
(from the fault's end, or the start, until the last message was posted). Bounded: a few hundred
messages and at most a minute per scenario.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import text

from storage.db import create_db_engine, make_sessions
from storage.migrate import upgrade
from storage.repositories import outbox as outbox_repo
from tests.slack_standin import SlackStandIn

DRAIN_TIMEOUT = 90.0


@dataclass
class Result:
    name: str
    messages: int
    lost: int
    duplicated: int
    drain_seconds: float
    note: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Bot:
    """`python -m bot run` in HTTP mode, its log kept in a file."""

    def __init__(self, slack: SlackStandIn, database_url: str, workdir: Path, name: str) -> None:
        env = {
            "PATH": os.environ["PATH"],
            "HOME": str(workdir),
            "EMPATHY_ENV_FILE": str(workdir / "none.env"),
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_SIGNING_SECRET": "bench-secret",
            "SLACK_API_URL": slack.url,
            "DATABASE_URL": database_url,
            "PORT": str(free_port()),
            "HOST": "127.0.0.1",
            "EMPATHY_SECRET_KEY": "b" * 64,
            "LOG_LEVEL": "INFO",
        }
        self.log = workdir / f"{name}.log"
        self._out = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            env=env,
            cwd=workdir,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while "HTTP mode: listening" not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"bot did not start:\n{self.log.read_text()}")
            time.sleep(0.1)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._out.close()

    def stop(self) -> float:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=30)
        self._out.close()
        return time.monotonic() - started


class Proxy:
    """A TCP proxy that can cut every connection and refuse new ones: a database outage on demand."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._down = threading.Event()
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            client, _ = self._listener.accept()
            if self._down.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self._target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self._down.set()
        with self._lock:
            conns, self._conns = self._conns, []
        for s in conns:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
                s.close()

    def restore(self) -> None:
        self._down.clear()


@contextlib.contextmanager
def database(base_url: str | None, workdir: Path) -> Iterator[str]:
    """A fresh, migrated database: a SQLite file, or a new schema in the given PostgreSQL database."""
    if base_url is None:
        url = f"sqlite:///{workdir}/faults-{uuid.uuid4().hex[:6]}.db"
        upgrade(create_db_engine(url))
        yield url
        return
    schema = f"faults_{uuid.uuid4().hex[:8]}"
    admin = create_db_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{base_url}?options=-csearch_path%3D{schema}"
    try:
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def queue(url: str, count: int, tag: str) -> None:
    engine = create_db_engine(url)
    with make_sessions(engine).begin() as s:
        for i in range(count):
            outbox_repo.enqueue(
                s,
                team_id="T0TEAM1",
                dedupe_key=f"{tag}:{i}",
                method="chat.postMessage",
                payload={"channel": f"U{i:06d}", "text": f"{tag} {i}"},
                on_sent=None,
                now=datetime.now(UTC),
            )
    engine.dispose()


def wait_until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def tally(slack: SlackStandIn, name: str, count: int, since: float, note: str = "") -> Result:
    posted = Counter(c["channel"] for c in slack.messages())
    wanted = {f"U{i:06d}" for i in range(count)}
    return Result(
        name,
        count,
        lost=len(wanted - set(posted)),
        duplicated=sum(n - 1 for n in posted.values() if n > 1),
        drain_seconds=time.monotonic() - since,
        note=note,
    )


def drained(slack: SlackStandIn, count: int) -> Callable[[], bool]:
    return lambda: len({c["channel"] for c in slack.messages()}) >= count


def kill9(slack: SlackStandIn, url: str, workdir: Path, count: int = 300) -> Result:
    slack.slow_down("chat.postMessage", 0.02)
    queue(url, count, "kill9")
    first = Bot(slack, url, workdir, "kill9-a")
    wait_until(lambda: len(slack.messages()) >= count // 3, DRAIN_TIMEOUT)
    first.kill()
    restarted = time.monotonic()
    second = Bot(slack, url, workdir, "kill9-b")
    wait_until(drained(slack, count), DRAIN_TIMEOUT)
    result = tally(slack, "kill -9 mid fan-out", count, restarted, "drain measured from the restart")
    second.stop()
    return result


def replicas(slack: SlackStandIn, url: str, workdir: Path, count: int = 45) -> Result:
    slack.slow_down("chat.postMessage", 1.0)
    bots = [Bot(slack, url, workdir, f"replica-{i}") for i in range(3)]
    started = time.monotonic()
    queue(url, count, "replicas")
    wait_until(drained(slack, count), DRAIN_TIMEOUT)
    time.sleep(3)  # a late duplicate would arrive now
    result = tally(slack, "3 replicas + slow Slack (1 s/post)", count, started)
    result.drain_seconds -= 3
    for bot in bots:
        bot.stop()
    return result


def db_outage(slack: SlackStandIn, url: str, workdir: Path, count: int = 120, outage: float = 20.0) -> Result:
    parts = urlsplit(url)
    proxy = Proxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    proxied = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    slack.slow_down("chat.postMessage", 0.05)
    queue(url, count, "outage")
    bot = Bot(slack, proxied, workdir, "outage")
    wait_until(lambda: len(slack.messages()) >= count // 4, DRAIN_TIMEOUT)
    proxy.cut()
    time.sleep(outage)
    proxy.restore()
    restored = time.monotonic()
    wait_until(drained(slack, count), DRAIN_TIMEOUT)
    result = tally(
        slack, f"database unreachable {outage:.0f} s", count, restored, "drain measured from recovery"
    )
    bot.stop()
    return result


def storm(slack: SlackStandIn, url: str, workdir: Path, count: int = 100) -> Result:
    slack.fail_every(4, status=429, retry_after=1, methods={"chat.postMessage"})
    bot = Bot(slack, url, workdir, "storm")
    started = time.monotonic()
    queue(url, count, "storm")
    wait_until(drained(slack, count), DRAIN_TIMEOUT)
    result = tally(slack, "429 storm (every 4th call, Retry-After 1)", count, started)
    bot.stop()
    return result


SCENARIOS = {"kill9": kill9, "replicas": replicas, "db-outage": db_outage, "429-storm": storm}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", help="PostgreSQL database to create scratch schemas in")
    parser.add_argument("--only", choices=sorted(SCENARIOS))
    args = parser.parse_args()
    base = (
        args.database_url.replace("postgresql://", "postgresql+psycopg://", 1) if args.database_url else None
    )
    slack = SlackStandIn()
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, scenario in SCENARIOS.items():
            if args.only and name != args.only:
                continue
            if name == "db-outage" and base is None:
                print("db-outage: skipped (needs --database-url; the proxy sits in front of PostgreSQL)")
                continue
            slack.reset()
            workdir = Path(tmp) / name
            workdir.mkdir()
            with database(base, workdir) as url:
                results.append(scenario(slack, url, workdir))
            print(results[-1], flush=True)
    slack.close()
    print("\n| fault | messages | lost | duplicated | time to drain | |\n|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r.name} | {r.messages} | {r.lost} | {r.duplicated} | {r.drain_seconds:.1f} s | {r.note} |")


if __name__ == "__main__":
    main()
