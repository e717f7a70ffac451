"""All models, imported here so that Base.metadata knows every table (Alembic and tests rely on it)."""

from storage.models.base import Base, UTCDateTime
from storage.models.core import OutboxMessage, PeriodClaim, ProcessedEvent, Workspace, WorkspaceSetting
from storage.models.delivery import HealthBeat, SeenSlackRequest  # noqa: F401
from storage.models.directory import DirectoryFill, DirectoryPerson  # noqa: F401
from storage.models.feedback import Feedback, FeedbackEvent, FeedbackNudge, FeedbackSource, RoutingRule  # noqa: F401
from storage.models.kudos import Kudos, KudosPlusOne, KudosRecipient  # noqa: F401
from storage.models.oauth import slack_bots, slack_installations, slack_oauth_states
from storage.models.pulse import (  # noqa: F401
    AwayRow,
    BankItemRow,
    Survey,
    SurveyInvitee,
    SurveyParticipation,
    SurveyResponse,
)
from storage.models.sentiment import SentimentExample, SentimentModel  # noqa: F401
from storage.models.speakup import (  # noqa: F401
    SpeakupBlock,
    SpeakupCard,
    SpeakupConversation,
    SpeakupDailyCount,
    SpeakupFlag,
    SpeakupMessage,
)

__all__ = [
    "Base",
    "OutboxMessage",
    "PeriodClaim",
    "ProcessedEvent",
    "UTCDateTime",
    "Workspace",
    "WorkspaceSetting",
    "slack_bots",
    "slack_installations",
    "slack_oauth_states",
]
