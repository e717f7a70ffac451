"""Intake sources: scoped to their workspace by URL id (issue 21 item 1), tokens kept only as a hash and
HMAC secrets sealed at rest (item 5), legacy rows sealed on first use, and the generic JSON endpoint."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import FieldError, NotAllowed
from bot.services.sources import SourceKeys
from bot.web import build_web_app
from handlers import ingest
from storage.models import Feedback, FeedbackSource
from tests.conftest import OWNER
from tests.http_client import HttpResult, call_wsgi
from tests.intake_helpers import add_source, auth_headers, deliver, fixture, raw_body, secret_and_token, send
from tests.slack_requests import TEAM_ID
from tests.test_feedback_relay import signed

OTHER = "T0OTHER"
BODY = {"id": "Z-1", "text": "The checkout is broken and support never answered."}


@pytest.fixture
def two_teams(container: Container) -> Container:
    container.workspace_settings.update(container.actors.of(TEAM_ID, OWNER), {"feedback_channel": "CFEED01"})
    container.workspace_settings.update(container.actors.of(OTHER, OWNER), {"feedback_channel": "COTHER1"})
    return container


def post(container: Container, body: object, headers: dict[str, str], query: str = "") -> HttpResult:
    raw = json.dumps(body).encode()
    web = build_web_app(container, None, extra_routes=ingest.routes(container))
    return call_wsgi(
        web, "POST", ingest.PATH, raw, {"Content-Type": "application/json", **headers}, query=query
    )


def teams_of_items(container: Container) -> list[str]:
    with container.sessions() as s:
        return [f.team_id for f in s.scalars(select(Feedback).order_by(Feedback.id))]


def test_two_workspaces_with_a_source_of_the_same_name_each_get_their_own_feedback(
    two_teams: Container,
) -> None:
    first_secret, _ = secret_and_token(two_teams, Actor.operator(TEAM_ID), "zendesk")
    second_secret, second_token = secret_and_token(two_teams, Actor.operator(OTHER), "zendesk")
    now = int(two_teams.clock.now().timestamp())
    assert post(two_teams, BODY, signed(second_secret, BODY, timestamp=now)).status == 201
    assert post(two_teams, BODY, signed(first_secret, BODY, timestamp=now)).status == 201
    body = {**BODY, "id": "Z-2"}
    assert post(two_teams, body, {"Authorization": f"Bearer {second_token}"}).status == 201
    assert teams_of_items(two_teams) == [OTHER, TEAM_ID, OTHER]


def test_the_url_id_names_the_workspace_and_a_token_of_another_source_is_refused(
    two_teams: Container,
) -> None:
    mine = two_teams.sources.add(Actor.operator(TEAM_ID), "api")
    theirs = two_teams.sources.add(Actor.operator(OTHER), "api")
    assert mine.path == f"/feedback/ingest?source={mine.source.url_id}"
    query = f"source={mine.source.url_id}"
    refused = post(two_teams, BODY, {"Authorization": f"Bearer {theirs.token}"}, query)
    assert refused.status == 401 and teams_of_items(two_teams) == []
    accepted = post(two_teams, BODY, {"Authorization": f"Bearer {mine.token}"}, query)
    assert accepted.status == 201, accepted.body
    assert teams_of_items(two_teams) == [TEAM_ID]


def legacy_source(container: Container, name: str) -> tuple[str, str]:
    """A row as sources made before migration 0009 left it: secret and token in plain text, no URL id."""
    secret, token = "legacy-secret-" + name, "legacy-token-" + name
    with container.sessions.begin() as s:
        s.add(
            FeedbackSource(
                team_id=TEAM_ID, name=name, secret=secret, token=token, created_at=container.clock.now()
            )
        )
    return secret, token


def test_new_sources_keep_no_secret_or_token_in_plain_text(two_teams: Container) -> None:
    secret, token = secret_and_token(two_teams, Actor.operator(TEAM_ID), "zendesk")
    with two_teams.sessions() as s:
        row = s.scalars(select(FeedbackSource)).one()
        kept = json.dumps([row.secret, row.token, row.token_hash, row.secret_sealed, row.url_id])
    assert secret not in kept and token not in kept and row.url_id and row.secret_sealed
    assert two_teams.sources.seal_legacy() == 0


def test_seal_legacy_at_start_seals_every_plain_text_row(two_teams: Container) -> None:
    secret, token = legacy_source(two_teams, "old-a")
    legacy_source(two_teams, "old-b")
    assert two_teams.sources.seal_legacy() == 2
    with two_teams.sessions() as s:
        kept = json.dumps([[r.secret, r.token, r.secret_sealed] for r in s.scalars(select(FeedbackSource))])
    assert secret not in kept and token not in kept
    assert post(two_teams, BODY, {"Authorization": f"Bearer {token}"}).status == 201
    assert two_teams.sources.seal_legacy() == 0


def test_legacy_sources_are_sealed_on_first_use_and_keep_working(two_teams: Container) -> None:
    secret, token = legacy_source(two_teams, "zendesk")
    assert post(two_teams, BODY, {"Authorization": f"Bearer {token}"}).status == 201
    with two_teams.sessions() as s:
        row = s.scalars(select(FeedbackSource)).one()
        kept = json.dumps([row.secret, row.token, row.token_hash, row.secret_sealed, row.url_id])
    assert secret not in kept and token not in kept and row.url_id
    now = int(two_teams.clock.now().timestamp())
    body = {**BODY, "id": "Z-3"}
    assert post(two_teams, body, signed(secret, body, timestamp=now)).status == 201
    assert two_teams.sources.seal_legacy() == 0


def test_sealed_secrets_open_only_with_the_same_key_and_source() -> None:
    keys = SourceKeys("k" * 64)
    sealed = keys.seal("whsec_abc", "url-1")
    assert "whsec_abc" not in sealed
    assert keys.open(sealed, "url-1") == "whsec_abc"
    assert keys.open(sealed, "url-2") is None
    assert SourceKeys("z" * 64).open(sealed, "url-1") is None


def test_adding_sources_is_for_owners_and_names_the_field(two_teams: Container) -> None:
    with pytest.raises(NotAllowed):
        two_teams.sources.add(Actor(team_id=TEAM_ID, user_id="U0NOBODY"), "x", "typeform")
    with pytest.raises(FieldError) as bad_kind:
        two_teams.sources.add(Actor.operator(TEAM_ID), "x", "myspace")
    assert bad_kind.value.field == "kind" and "typeform" in bad_kind.value.message
    add_source(two_teams, "typeform")
    with pytest.raises(FieldError) as taken:
        add_source(two_teams, "typeform")
    assert taken.value.field == "name"


def test_a_vendor_generated_secret_can_be_set_later(two_teams: Container) -> None:
    case = fixture("stripe")
    source = two_teams.sources.add(Actor.operator(TEAM_ID), "billing", "stripe")
    two_teams.sources.set_secret(Actor.operator(TEAM_ID), "billing", "whsec_from_stripe_dashboard")
    old = send(two_teams, {**case, "kind": "stripe"}, source)
    assert old.status == 401
    renewed = type(source)(source.source, "whsec_from_stripe_dashboard", source.token)
    assert send(two_teams, case, renewed).status == 201


def test_a_stale_stripe_signature_is_refused(two_teams: Container) -> None:
    case = fixture("stripe")
    source = add_source(two_teams, "stripe")
    raw, content_type = raw_body(case)
    stale = int(two_teams.clock.now().timestamp()) - 3600
    headers = auth_headers("stripe", source.secret, source.token, raw, stale)
    result = deliver(two_teams, "stripe", source.source.url_id, raw, headers, content_type)
    assert result.status == 401
