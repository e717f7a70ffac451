"""The composition root for services: builds engine, sessions, clock, Slack clients and every service."""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import Clock, SystemClock
from bot.config import EnvConfig
from bot.directory import Directory
from bot.notify import Notifier
from bot.notify import digest as digest_notes
from bot.notify import feedback as feedback_notes
from bot.notify import intake as intake_notes
from bot.notify import kudos as kudos_notes
from bot.notify import pulse as pulse_notes
from bot.notify import speakup as speakup_notes
from bot.notify.outbox import Outbox
from bot.notify.wakeup import Wakeup
from bot.oauth import InstalledTokens, installation_store
from bot.services.data_rights import DataRights
from bot.services.digest import DigestService
from bot.services.feedback import FeedbackService
from bot.services.kudos import KudosService
from bot.services.pulse import PulseService
from bot.services.retention import Retention
from bot.services.sentiment_model import SentimentModelService
from bot.services.settings import SettingsService
from bot.services.sources import SourcesService
from bot.services.speakup import SpeakupService
from bot.services.workspaces import Actors, Workspaces
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
    actors: Actors
    wakeup: Wakeup  # the scheduler subscribes to it: new outbox rows are due
    outbox: Outbox
    notifier: Notifier
    feedback: FeedbackService
    sentiment: SentimentModelService
    pulse: PulseService
    retention: Retention
    data_rights: DataRights
    kudos: KudosService
    digests: DigestService
    sources: SourcesService
    speakup: SpeakupService
    directory: Directory
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
    wakeup = Wakeup()
    outbox = Outbox(
        sessions,
        clock,
        slack,
        wakeup=wakeup,
        owners_of=lambda team_id: workspace_settings.get(team_id).owners,
    )
    notifier = Notifier(
        outbox,
        {
            **feedback_notes.RENDERERS,
            **pulse_notes.RENDERERS,
            **kudos_notes.RENDERERS,
            **digest_notes.RENDERERS,
            **speakup_notes.RENDERERS,
            **intake_notes.RENDERERS,
        },
    )
    return Container(
        config=settings,
        clock=clock,
        engine=engine,
        sessions=sessions,
        slack=slack,
        workspace_settings=workspace_settings,
        workspaces=Workspaces(sessions, clock),
        actors=Actors(workspace_settings),
        wakeup=wakeup,
        outbox=outbox,
        notifier=notifier,
        sentiment=(sentiment := SentimentModelService(sessions, clock)),
        feedback=FeedbackService(sessions, clock, workspace_settings, notifier, sentiment),
        pulse=(pulse := PulseService(sessions, clock, workspace_settings, notifier, settings.secret_key)),
        retention=Retention(sessions, clock, workspace_settings),
        data_rights=DataRights(sessions, pulse, notifier, sentiment=sentiment),
        kudos=(kudos := KudosService(sessions, clock, workspace_settings, notifier)),
        speakup=(
            speakup := SpeakupService(sessions, clock, workspace_settings, notifier, settings.secret_key)
        ),
        digests=DigestService(sessions, clock, workspace_settings, pulse, kudos, speakup, notifier),
        sources=SourcesService(sessions, clock, workspace_settings, settings.secret_key, notifier),
        directory=Directory(sessions, clock),
        installations=installations,
    )
