"""The bot's environment as the benchmarks run it: the one signing secret and the EnvConfig they share."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import EnvConfig

SECRET = "bench-signing-secret"


def bench_config(database_url: str, api_url: str, owner: str) -> EnvConfig:
    """A bot token, SECRET, a fixed secret key, the stand-in's URL and one owner from the environment."""
    from bot.config import EnvConfig

    return EnvConfig(
        bot_token="xoxb-bench",
        signing_secret=SECRET,
        secret_key="b" * 64,
        api_url=api_url,
        database_url=database_url,
        owners=(owner,),
    )
