"""The README says what the code does: its command table matches the parser, its configuration table
lists every variable bot/config.py reads."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

from bot.__main__ import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def synopses(parser: argparse.ArgumentParser) -> Iterator[str]:
    """`empathy-bot CMD [options] positionals` for every leaf command, as argparse's usage line says."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                nested = [a for a in child._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    yield from synopses(child)
                    continue
                usage = " ".join(child.format_usage().split())
                yield usage.removeprefix("usage: ").replace(" [-h]", "")


def readme_commands() -> list[str]:
    section = README[README.index("## Commands") : README.index("## Pulse surveys")]
    return re.findall(r"^\| `(empathy-bot [^`]+)` \|", section, flags=re.MULTILINE)


def test_the_command_table_is_the_parsers_synopses() -> None:
    assert readme_commands() == list(synopses(build_parser()))


def test_the_configuration_table_lists_every_variable_the_code_reads() -> None:
    code = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r"""(?:get|env\.get)\(\s*"([A-Z][A-Z0-9_]+)\"""", code))
    assert {"SLACK_BOT_TOKEN", "EMPATHY_ENV_FILE", "LOG_FORMAT", "SLACK_CLIENT_ID"} <= read
    section = README[README.index("## Configuration") : README.index("## Running in production")]
    documented = {
        name
        for row in re.findall(r"^\| (`[^|]+) \|", section, flags=re.MULTILINE)
        for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row)
    }
    assert read == documented, f"missing from README: {read - documented}; not read: {documented - read}"


def test_the_example_env_file_names_every_variable_too() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    code = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r"""(?:get|env\.get)\(\s*"([A-Z][A-Z0-9_]+)\"""", code))
    assert read - {"EMPATHY_ENV_FILE"} <= listed
