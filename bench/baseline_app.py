"""The baseline for bench/load.py: a bare Bolt app behind the same WSGI server, every listener only acks."""

from __future__ import annotations

import os
import re

import waitress
from slack_bolt import Ack, App
from slack_sdk import WebClient


def main() -> None:
    app = App(
        client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
        token="xoxb-bench",
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
    )

    def only_ack(ack: Ack) -> None:
        ack()

    app.command(re.compile(".*"))(only_ack)
    app.action(re.compile(".*"))(only_ack)
    app.view(re.compile(".*"))(only_ack)
    app.event(re.compile(".*"))(only_ack)

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    print("baseline listening", flush=True)
    waitress.serve(SlackRequestHandler(app), host="127.0.0.1", port=int(os.environ["PORT"]), threads=8)


if __name__ == "__main__":
    main()
