"""The composition root for services: builds engine, sessions, clock, Slack clients and every service."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import EnvConfig
from bot.oauth import InstalledTokens, installation_store
from bot.services.data_rights import DataRights
from bot.services.digest import DigestService
from bot.services.feedback import FeedbackService
from bot.services.kudos import KudosService
from bot.services.outbox import Outbox
from bot.services.pulse import PulseService
from bot.services.retention import Retention
from bot.services.settings import SettingsService
from bot.services.workspaces import Roles, Workspaces
from bot.slack import SlackClients
from storage.db import create_db_engine, make_sessions


@dataclass
class Container:
    config: EnvConfig
    clock: Clock
    engine: Engine
    sessions: sessionmaker[Session]
    slack: SlackClients
    workspace_settings: SettingsService
    workspaces: Workspaces
    roles: Roles
    outbox: Outbox
    feedback: FeedbackService
    pulse: PulseService
    retention: Retention
    data_rights: DataRights
    kudos: KudosService
    digests: DigestService
    installations: SQLAlchemyInstallationStore | None = None  # OAuth mode only

    def close(self) -> None:
        self.engine.dispose()


def build_container(
    settings: EnvConfig, *, clock: Clock | None = None, engine: Engine | None = None
) -> Container:
    clock = clock or SystemClock()
    engine = engine or create_db_engine(settings.database_url)
    sessions = make_sessions(engine)
    installations = installation_store(settings, engine) if settings.oauth_enabled else None
    tokens = InstalledTokens(settings, clock, installations) if installations is not None else None
    slack = SlackClients(settings, clock, token_for_team=tokens)
    workspace_settings = SettingsService(
        sessions, clock, timezone=settings.timezone, env_owners=settings.owners
    )
    outbox = Outbox(sessions, clock, slack)
    outbox.owners_of = lambda team_id: workspace_settings.get(team_id).owners
    return Container(
        config=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        slack=slack,
        workspace_settings=workspace_settings,
        workspaces=Workspaces(sessions, clock),
        roles=(roles := Roles(workspace_settings)),
        outbox=outbox,
        feedback=FeedbackService(sessions, clock, workspace_settings, outbox),
        pulse=(
            pulse := PulseService(sessions, clock, workspace_settings, roles, outbox, settings.secret_key)
        ),
        retention=Retention(sessions, clock, workspace_settings),
        data_rights=DataRights(sessions, pulse, outbox),
        kudos=(kudos := KudosService(sessions, clock, workspace_settings, outbox)),
        digests=DigestService(sessions, clock, workspace_settings, pulse, kudos, outbox),
        installations=installations,
    )
