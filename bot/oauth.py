"""OAuth distribution: Bolt's OAuth flow with slack_sdk's SQLAlchemy stores, and per-team bot tokens.

Bolt refreshes rotating tokens only while it handles a request from that workspace; scheduled jobs
resolve tokens here, rotating them with slack_sdk's TokenRotator when they are about to expire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from sqlalchemy import Engine

from bot.clock import Clock
from bot.config import EnvConfig
from bot.manifest import BOT_SCOPES
from bot.slack import make_client

log = logging.getLogger(__name__)

STATE_EXPIRATION_SECONDS = 600


def installation_store(settings: EnvConfig, engine: Engine) -> SQLAlchemyInstallationStore:
    assert settings.client_id is not None
    return SQLAlchemyInstallationStore(client_id=settings.client_id, engine=engine)


def oauth_settings(
    settings: EnvConfig,
    engine: Engine,
    store: SQLAlchemyInstallationStore,
    on_installed: Callable[[str, str, str | None], None],
    on_installer: Callable[[str, str], object] | None = None,
) -> OAuthSettings:
    """Bolt's OAuth settings; `on_installed(team_id, team_name, bot_user_id)` runs after each install,
    then `on_installer(team_id, installer_user_id)` (the installer is the first owner of a new workspace)."""
    assert settings.client_id is not None and settings.client_secret is not None

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.team_id is not None:
            on_installed(installation.team_id, installation.team_name or "", installation.bot_user_id)
            if on_installer is not None and installation.user_id:
                on_installer(installation.team_id, installation.user_id)
        return args.default.success(args)

    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=sorted(set(BOT_SCOPES)),
        installation_store=store,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine),
        authorization_url=settings.api_url.replace("/api/", "/oauth/v2/authorize"),
        callback_options=CallbackOptions(success=success, failure=_default_failure),
    )


def _default_failure(args: FailureArgs) -> BoltResponse:
    return args.default.failure(args)


class InstalledTokens:
    """Bot token of an installed workspace, rotated when it is about to expire."""

    def __init__(self, settings: EnvConfig, clock: Clock, store: SQLAlchemyInstallationStore) -> None:
        assert settings.client_id is not None and settings.client_secret is not None
        self._store = store
        self._rotator = TokenRotator(
            client_id=settings.client_id,
            client_secret=settings.client_secret,
            client=make_client(settings, clock),
        )

    def __call__(self, team_id: str) -> str | None:
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            log.warning("no installation for workspace %s", team_id)
            return None
        if bot.bot_token_expires_at is not None:
            refreshed = self._rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=10)
            if refreshed is not None:
                self._store.save_bot(refreshed)
                bot = refreshed
        return bot.bot_token
