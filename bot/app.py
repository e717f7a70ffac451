"""create_app: the Bolt App with its middleware, listeners and error handler, wired to a Container."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.answer_at_ack import AckAwareExecutor, signal_ack
from bot.container import Container
from bot.oauth import oauth_settings
from handlers import register_all

log = logging.getLogger(__name__)


def create_app(
    container: Container, *, process_before_response: bool = False, check_token_now: bool = False
) -> App:
    """`check_token_now`: ask auth.test here, once, as `run` does after its own checks passed. Otherwise
    Bolt asks it on the first request, and every request arriving before that answer asks it again."""
    settings = container.config
    oauth = (
        oauth_settings(
            settings,
            container.engine,
            container.installations,
            container.workspaces.record_installation,
            container.workspace_settings.claim_first_owner,
        )
        if container.installations is not None
        else None
    )
    app = App(
        # The bot token rides on the client (Bolt takes it from there; passing both makes it warn).
        client=container.slack.base,
        oauth_settings=oauth,
        signing_secret=settings.signing_secret or "",
        # Socket Mode requests are authenticated by the socket; HTTP requests by their signature.
        request_verification_enabled=not settings.socket_mode,
        token_verification_enabled=check_token_now,
        process_before_response=process_before_response,
        listener_executor=AckAwareExecutor(max_workers=8, thread_name_prefix="listener"),
        logger=logging.getLogger("slack_bolt"),
    )

    if not process_before_response:  # otherwise listeners run in the request's thread: nothing to wait for
        app.middleware(signal_ack)

    @app.middleware
    def provide_services(
        context: BoltContext, request: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        """Put the container on `context` (listeners take it as `services`); note the workspace once."""
        context["services"] = container
        context["actor"] = container.actors.of(context.team_id or "", context.user_id or "")
        if context.team_id:
            try:
                container.workspaces.ensure(context.team_id)
            except SQLAlchemyError:
                # The listener will meet the same outage and tell the user; nothing to do here.
                log.warning("could not record workspace %s: database unavailable", context.team_id)
        return next()

    register_all(app)
    return app
