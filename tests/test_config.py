"""Configuration: one clear line per problem, secrets never echoed, and the CLI exits non-zero."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, EnvConfig, normalise_database_url, with_secret_key

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "shh-very-secret"}


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        EnvConfig.from_env(env)
    return caught.value.problems


def test_valid_environment_gives_http_mode_settings() -> None:
    settings = EnvConfig.from_env({**GOOD, "SLACK_API_URL": "http://127.0.0.1:9/api", "PORT": "8080"})
    assert not settings.socket_mode
    assert settings.api_url == "http://127.0.0.1:9/api/", (
        "a trailing slash keeps WebClient from dropping /api"
    )
    assert settings.port == 8080
    assert settings.database_url == "sqlite:///empathy-bot.db"
    assert "shh-very-secret" not in repr(settings) and "xoxb" not in repr(settings)


def test_only_a_bot_token_names_socket_modes_app_token_and_the_env_file() -> None:
    [line] = problems({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert line.startswith("Socket Mode needs SLACK_APP_TOKEN (xapp-…): Basic Information > App-Level Tokens")
    assert "put it in .env (see .env.example)" in line


def test_missing_signing_secret_in_oauth_http_mode_is_one_line_naming_where_to_find_it() -> None:
    [line] = problems({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"})
    assert line.startswith("HTTP mode (OAuth installs) needs SLACK_SIGNING_SECRET")
    assert "Basic Information" in line and ".env" in line


def test_socket_mode_needs_no_signing_secret() -> None:
    settings = EnvConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1-abc"})
    assert settings.socket_mode


def test_every_problem_is_reported_at_once_without_echoing_secrets() -> None:
    found = problems(
        {
            "SLACK_BOT_TOKEN": "xoxp-user-token-secret",
            "SLACK_APP_TOKEN": "nope-secret",
            "PORT": "99999",
            "LOG_LEVEL": "loud",
            "EMPATHY_TIMEZONE": "Mars/Olympus",
            "EMPATHY_OWNERS": "U012ABC,bob",
            "SLACK_API_URL": "ftp://x",
        }
    )
    joined = "\n".join(found)
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_APP_TOKEN",
        "PORT",
        "LOG_LEVEL",
        "EMPATHY_TIMEZONE",
        "EMPATHY_OWNERS",
        "SLACK_API_URL",
    ):
        assert name in joined
    assert "xoxp-user-token-secret" not in joined and "nope-secret" not in joined


def test_postgres_urls_are_rewritten_for_psycopg3() -> None:
    assert normalise_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_postgres_requires_a_shared_secret_key() -> None:
    found = problems({**GOOD, "DATABASE_URL": "postgresql://u@h/db"})
    assert any(p.startswith("EMPATHY_SECRET_KEY is required") for p in found)


def test_sqlite_secret_key_is_created_once_beside_the_database(tmp_path: Path) -> None:
    settings = EnvConfig.from_env({**GOOD, "DATABASE_URL": f"sqlite:///{tmp_path}/bot.db"})
    first = with_secret_key(settings).secret_key
    assert first and with_secret_key(settings).secret_key == first
    key_file = tmp_path / "bot.db.secret"
    assert key_file.stat().st_mode & 0o077 == 0


def _cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "EMPATHY_ENV_FILE": str(cwd / "none.env")}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_run_with_only_a_bot_token_exits_non_zero_with_one_line_naming_the_app_token(tmp_path: Path) -> None:
    result = _cli("run", env={"SLACK_BOT_TOKEN": "xoxb-1-2"}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("empathy-bot: Socket Mode needs SLACK_APP_TOKEN")
    assert not (tmp_path / "empathy-bot.db").exists(), "nothing is created before the config is valid"


def test_dotenv_file_supplies_values_but_the_environment_wins(tmp_path: Path) -> None:
    (tmp_path / "custom.env").write_text("SLACK_BOT_TOKEN=xoxb-from-file\nLOG_LEVEL=verbose\n")
    result = _cli(
        "run", env={"EMPATHY_ENV_FILE": str(tmp_path / "custom.env"), "LOG_LEVEL": "INFO"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "LOG_LEVEL" not in result.stderr
    assert f"put it in {tmp_path / 'custom.env'}" in result.stderr, "the message names the file in use"


def test_migrate_needs_only_a_database(tmp_path: Path) -> None:
    result = _cli("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Applied")
    again = _cli("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path}/m.db"}, cwd=tmp_path)
    assert again.stdout.strip() == "Database is up to date."


def test_check_reports_config_database_and_token(tmp_path: Path, slack) -> None:  # type: ignore[no-untyped-def]
    from bot.manifest import BOT_SCOPES

    slack.scopes = ",".join(BOT_SCOPES)  # a workspace installed from the current manifest
    env = {**GOOD, "SLACK_API_URL": slack.url, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    result = _cli("check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Configuration: OK" in result.stdout
    assert "c.db does not exist yet: `empathy-bot run` or `migrate` creates it" in result.stdout
    assert not (tmp_path / "c.db").exists(), "check never creates the database it was asked to check"
    assert "Bot token: OK (workspace Example Co T0TEAM1" in result.stdout
    assert "xoxb-1-2-abc" not in result.stdout + result.stderr


def test_check_fails_when_slack_refuses_the_token(tmp_path: Path, slack) -> None:  # type: ignore[no-untyped-def]
    slack.fail_next("auth.test", "invalid_auth")
    env = {**GOOD, "SLACK_API_URL": slack.url, "DATABASE_URL": f"sqlite:///{tmp_path}/c.db"}
    result = _cli("check", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "Bot token: FAILED (Slack refused SLACK_BOT_TOKEN (invalid_auth)" in result.stdout
