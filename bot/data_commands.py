"""Data rights on the command line: export a workspace, forget a customer, forget a person."""

from __future__ import annotations

import argparse
import json
import sys

from bot.config import EnvConfig, with_secret_key
from bot.domain.actor import Actor
from bot.domain.errors import NotFound

COMMANDS = ("export", "forget-customer", "forget-user")


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = sub.add_parser(
        "export", help="write all of a workspace's data as JSON (no respondent-answer link)"
    )
    export.add_argument("--team", help="workspace id (default: the only installed workspace)")
    export.add_argument("--out", help="file to write (default: standard output)")
    customer = sub.add_parser(
        "forget-customer", help="delete one customer's feedback (by customer or external id)"
    )
    customer.add_argument("ref", help="the customer's name or the feedback's external id")
    customer.add_argument("--team", help="workspace id (default: the only installed workspace)")
    user = sub.add_parser(
        "forget-user", help="remove a person's kudos, survey participation and messages to them"
    )
    user.add_argument("user_id", help="the person's Slack member ID, like U012ABCDEF")
    user.add_argument("--team", help="workspace id (default: the only installed workspace)")


def main(args: argparse.Namespace, settings: EnvConfig) -> int:
    from bot.container import build_container
    from storage import migrate as migrations

    container = build_container(with_secret_key(settings))
    try:
        migrations.upgrade(container.engine)
        team_id = container.workspaces.pick(args.team)
        operator = Actor.operator(team_id)
        if args.command == "export":
            data = json.dumps(
                container.data_rights.export(operator), indent=2, ensure_ascii=False, default=str
            )
            if args.out:
                with open(args.out, "w", encoding="utf-8") as stream:
                    stream.write(data + "\n")
                print(f"Exported workspace {team_id} to {args.out}.")
            else:
                sys.stdout.write(data + "\n")
            return 0
        if args.command == "forget-customer":
            print(container.data_rights.forget_customer(operator, args.ref))
            return 0
        print(container.data_rights.forget_user(operator, args.user_id))
        return 0
    except NotFound as error:
        print(f"empathy-bot: {error.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"empathy-bot: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    finally:
        container.close()
