"""Every owner/manager-only action, sent by an ordinary member and by an owner of another workspace, is
refused with the policy's message and changes nothing; the same request from an owner does act.

The meta-tests prove the table has teeth: neutralising any one `require`/`allows` call site in bot/,
handlers/ or jobs/ (or every check of one Permission) makes at least one case of the table fail."""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import pytest
from slack_bolt import BoltResponse
from sqlalchemy import select

from bot import policy
from bot.container import Container
from bot.domain.actor import Actor
from bot.domain.errors import NotAllowed
from bot.domain.feedback import FeedbackInput
from bot.policy import Permission
from bot.views import ids
from bot.views.common import WORKING
from jobs.pulse import resolve_pulse_launches
from storage.models import Base
from tests.conftest import OWNER
from tests.pulse_helpers import launch_values, people
from tests.slack_requests import TEAM_ID, SlackDriver, response_json
from tests.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]
TEAM_A, TEAM_B = TEAM_ID, "T0TEAM2"
MEMBER = "UMEMBER01"  # an ordinary member of workspace A
OWNER_B = "UOWNERB01"  # workspace B's stored owner (so the EMPATHY_OWNERS fallback does not apply there)
OWNERS = {TEAM_A: OWNER, TEAM_B: OWNER_B}
HOME = {"id": "VHOME", "type": "home"}
RULES_MODAL = {"id": "VRULES", "type": "modal", "callback_id": ids.FEEDBACK_ROUTING_MODAL}
# Who is refused: an ordinary member of A in A, and A's owner acting in B (whose owners are someone else).
REFUSED = (("member", TEAM_A, MEMBER), ("owner of another workspace", TEAM_B, OWNER))
# Slack calls a refusal may make: telling the person, nothing else (auth.test is Bolt's own start-up call).
TELLING = {"views.open", "chat.postEphemeral", "respond"}


@dataclass
class Team:
    open_survey: int
    closed_survey: int
    rules: list[int]
    source_name: str


@dataclass
class World:
    container: Container
    driver: SlackDriver
    slack: SlackStandIn
    teams: dict[str, Team] = field(default_factory=dict)

    def actor(self, team: str, user: str) -> Actor:
        return self.container.actors.of(team, user)


@dataclass
class Outcome:
    text: str  # everything the person was told (HTTP answer, Slack calls), or the service's result
    rows_changed: bool
    calls: list[dict[str, Any]]
    error: BaseException | None = None


# A request: (world, team, user) -> what came back (a Bolt response, a service result, or NotAllowed).
Request = Callable[[World, str, str], Any]


@dataclass(frozen=True)
class Case:
    name: str
    permission: Permission
    request: Request
    effect: str  # what the owner's request does: "rows" (stored something), "modal" (opened it), "answers"
    modal: str | None = None  # the guarded modal's callback_id, which must never open for the refused


def _snapshot(container: Container) -> dict[str, list[str]]:
    with container.engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def _call_dict(call: Any) -> dict[str, Any]:
    return {"method": call.method, **dict(call.params)}


def run(world: World, case: Case, team: str, user: str) -> Outcome:
    before = _snapshot(world.container)
    calls_before = len(world.slack.calls)
    text, error = "", None
    try:
        result = case.request(world, team, user)
        text = result.body if isinstance(result, BoltResponse) else json.dumps(result, default=repr)
    except NotAllowed as refused:
        text = refused.message
    except Exception as exc:  # noqa: BLE001 - the table reports it as the case's failure
        error = exc
    world.container.outbox.drain()
    calls = [_call_dict(c) for c in world.slack.calls[calls_before:] if c.method != "auth.test"]
    changed = _snapshot(world.container) != before
    told = text + "".join(json.dumps(c, default=str) for c in calls)
    return Outcome(told, changed, calls, error)


def refusal_problems(world: World, case: Case, team: str, user: str) -> list[str]:
    """Why this request was not a clean refusal (empty when it was refused with nothing changed)."""
    outcome = run(world, case, team, user)
    message = _message(case.permission)
    problems = []
    if outcome.error is not None:
        problems.append(f"failed with {outcome.error!r} instead of the policy's refusal")
    if message not in outcome.text:
        problems.append(f"not told {message!r}: {outcome.text[:300]}")
    if (
        WORKING.rstrip(".…") in outcome.text
    ):  # slow commands refuse in the ack, never "working on it" and then no
        problems.append("answered 'working on it' before refusing")
    if outcome.rows_changed:
        problems.append("stored data changed")
    for call in outcome.calls:
        if call["method"] not in TELLING:
            problems.append(f"Slack was called: {call['method']}")
        elif call.get("view") and case.modal and case.modal in json.dumps(call["view"]):
            problems.append(f"the guarded modal {case.modal} opened")
    return problems


def _refusal(permission: Permission) -> str:
    try:
        policy.require(Actor(TEAM_A, MEMBER, frozenset()), permission)
    except NotAllowed as refused:
        return refused.message
    raise AssertionError(f"the policy lets a member {permission.action}")


ORIGINAL_REQUIRE = policy.require
ORIGINAL_ALLOWS = policy.allows
MESSAGES = {permission: _refusal(permission) for permission in Permission}  # before any patching


def _message(permission: Permission) -> str:
    return MESSAGES[permission]


# The requests ---------------------------------------------------------------------------------------


def _slash(command: str, text: str = "") -> Request:
    return lambda w, team, user: w.driver.command(command, text, user=user, team=team)


def _pulse(sub: str, which: str) -> Request:
    def send(w: World, team: str, user: str) -> Any:
        survey = getattr(w.teams[team], which)
        return w.driver.command("/pulse", f"{sub} {survey}", user=user, team=team)

    return send


def _launch(w: World, team: str, user: str) -> Any:
    values = launch_values(closes=w.container.clock.now() + timedelta(days=3), title="A second survey")
    return w.driver.submit(ids.PULSE_MODAL, values, user=user, team=team)


def _preview(w: World, team: str, user: str) -> Any:
    values = launch_values(closes=w.container.clock.now() + timedelta(days=3), title="A second survey")
    form = {"id": "VLAUNCH", "type": "modal", "callback_id": ids.PULSE_MODAL, "state": {"values": values}}
    return w.driver.action(ids.PULSE_PREVIEW, user=user, team=team, view=form, response_url=None)


def _response_note(w: World, team: str, user: str) -> Any:
    values = {
        ids.PULSE_FOLLOW_UP_BLOCK: {ids.PULSE_VALUE: {"type": "plain_text_input", "value": "We heard."}}
    }
    survey = w.teams[team].closed_survey
    return w.driver.submit(
        ids.PULSE_FOLLOW_UP_MODAL, values, user=user, team=team, private_metadata=str(survey)
    )


def _settings_form() -> dict[str, Any]:
    return {
        ids.SETTINGS_BLOCK_PREFIX + "digest_time": {
            ids.SETTINGS_VALUE: {"type": "timepicker", "selected_time": "07:15"}
        }
    }


def _rule_form() -> dict[str, Any]:
    return {
        ids.FEEDBACK_RULE_KIND_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "static_select", "selected_option": {"value": "keyword"}}
        },
        ids.FEEDBACK_RULE_PATTERN_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "plain_text_input", "value": "invoice"}
        },
        ids.FEEDBACK_RULE_CHANNEL_BLOCK: {
            ids.FEEDBACK_VALUE: {"type": "channels_select", "selected_channel": "CBILL01"}
        },
    }


def _rule_button(action_id: str, index: int) -> Request:
    def send(w: World, team: str, user: str) -> Any:
        rule = w.teams[team].rules[index]
        return w.driver.action(
            action_id, user=user, team=team, value=str(rule), view=RULES_MODAL, response_url=None
        )

    return send


def _service(call: Callable[[Container, Actor, Team], Any]) -> Request:
    return lambda w, team, user: call(w.container, w.actor(team, user), w.teams[team])


CASES = [
    Case(
        "/pulse (launch modal)",
        Permission.LAUNCH_SURVEY,
        _slash("/pulse"),
        "modal",
        ids.PULSE_MODAL,
    ),
    Case("launch submission", Permission.LAUNCH_SURVEY, _launch, "rows"),
    Case("preview a launch", Permission.LAUNCH_SURVEY, _preview, "modal", ids.PULSE_PREVIEW_MODAL),
    Case(
        "/pulse list",
        Permission.LIST_SURVEYS,
        _slash("/pulse", "list"),
        "answers",
    ),
    Case("/pulse results N", Permission.SEE_SURVEY_RESULTS, _pulse("results", "closed_survey"), "answers"),
    Case("/pulse close N", Permission.CLOSE_SURVEY, _pulse("close", "open_survey"), "rows"),
    Case("/pulse skip N", Permission.WRITE_RESPONSE_NOTE, _pulse("skip", "closed_survey"), "rows"),
    Case(
        "/pulse bank add",
        Permission.LAUNCH_SURVEY,
        _slash("/pulse", "bank add voice 1-5 When I raise a problem here, someone follows it up."),
        "rows",
    ),
    Case(
        "/pulse respond N",
        Permission.WRITE_RESPONSE_NOTE,
        _pulse("respond", "closed_survey"),
        "modal",
        ids.PULSE_FOLLOW_UP_MODAL,
    ),
    Case("response-note submission", Permission.WRITE_RESPONSE_NOTE, _response_note, "rows"),
    Case(
        "/digest",
        Permission.PREVIEW_DIGEST,
        _slash("/digest"),
        "answers",
    ),
    Case(
        "open settings",
        Permission.CHANGE_SETTINGS,
        lambda w, t, u: w.driver.action(ids.OPEN_SETTINGS, user=u, team=t, view=HOME, response_url=None),
        "modal",
        ids.SETTINGS_MODAL,
    ),
    Case(
        "save settings",
        Permission.CHANGE_SETTINGS,
        lambda w, t, u: w.driver.submit(ids.SETTINGS_MODAL, _settings_form(), user=u, team=t),
        "rows",
    ),
    Case(
        "settings (service)",
        Permission.CHANGE_SETTINGS,
        _service(lambda c, a, _t: c.workspace_settings.update(a, {"digest_time": "07:15"}) and None),
        "rows",
    ),
    Case(
        "open routing rules",
        Permission.EDIT_ROUTING,
        lambda w, t, u: w.driver.action(
            ids.FEEDBACK_OPEN_ROUTING, user=u, team=t, view=HOME, response_url=None
        ),
        "modal",
        ids.FEEDBACK_ROUTING_MODAL,
    ),
    Case(
        "add a rule",
        Permission.EDIT_ROUTING,
        lambda w, t, u: w.driver.submit(ids.FEEDBACK_ROUTING_MODAL, _rule_form(), user=u, team=t),
        "rows",
    ),
    Case("delete a rule", Permission.EDIT_ROUTING, _rule_button(ids.FEEDBACK_DELETE_RULE, 0), "rows"),
    Case("move a rule up", Permission.EDIT_ROUTING, _rule_button(ids.FEEDBACK_MOVE_RULE_UP, 1), "rows"),
    Case(
        "list the sources (service)",
        Permission.MANAGE_FEEDBACK_SOURCES,
        _service(lambda c, a, _t: [s.name for s in c.sources.list_all(a)]),
        "answers",
    ),
    Case(
        "a source's last delivery (service)",
        Permission.MANAGE_FEEDBACK_SOURCES,
        _service(lambda c, a, t: repr(c.sources.last_delivery(a, t.source_name))),
        "answers",
    ),
    Case(
        "change a source's rating scale (service)",
        Permission.MANAGE_FEEDBACK_SOURCES,
        _service(lambda c, a, t: c.sources.configure(a, t.source_name, rating_scale="1-5") and None),
        "rows",
    ),
    Case(
        "add a feedback source (service)",
        Permission.MANAGE_FEEDBACK_SOURCES,
        _service(lambda c, a, _t: c.sources.add(a, "typeform") and None),
        "rows",
    ),
    Case(
        "set a source's secret (service)",
        Permission.MANAGE_FEEDBACK_SOURCES,
        _service(lambda c, a, t: c.sources.set_secret(a, t.source_name, "s" * 20)),
        "rows",
    ),
    Case(
        "export data (service)",
        Permission.EXPORT_DATA,
        _service(lambda c, a, _t: c.data_rights.export(a)),
        "answers",
    ),
    Case(
        "forget a customer (service)",
        Permission.FORGET_DATA,
        _service(lambda c, a, _t: c.data_rights.forget_customer(a, "CUST-1")),
        "rows",
    ),
    Case(
        "forget a person (service)",
        Permission.FORGET_DATA,
        _service(lambda c, a, _t: c.data_rights.forget_user(a, "UP00001")),
        "rows",
    ),
    Case(
        "close a survey (service)",
        Permission.CLOSE_SURVEY,
        _service(lambda c, a, t: c.pulse.close(a, t.open_survey)),
        "rows",
    ),
    Case(
        "survey results (service)",
        Permission.SEE_SURVEY_RESULTS,
        _service(lambda c, a, t: c.pulse.results_for(a, t.closed_survey)),
        "answers",
    ),
    Case(
        "digest preview (service)",
        Permission.PREVIEW_DIGEST,
        _service(lambda c, a, _t: c.digests.preview(a, "")),
        "answers",
    ),
    Case(
        "Speak up counts (service)",
        Permission.SEE_SPEAKUP_COUNTS,
        _service(lambda c, a, _t: c.speakup.summary(a, date(2026, 11, 1), date(2026, 12, 1))),
        "answers",
    ),
]


# The world both workspaces live in ------------------------------------------------------------------


def _launch_as_owner(world: World, team: str, title: str) -> int:
    values = launch_values(closes=world.container.clock.now() + timedelta(days=3), title=title)
    response = world.driver.submit(ids.PULSE_MODAL, values, user=OWNERS[team], team=team)
    assert response.status == 200 and not response_json(response).get("errors"), response.body
    resolve_pulse_launches(world.container)  # the launch is stored before the ack; a job finds its audience
    operator = Actor.operator(team)
    return max(info.id for info, _ in world.container.pulse.list_for(operator))


@pytest.fixture
def world(container: Container, driver: SlackDriver, slack: SlackStandIn) -> World:
    world = World(container, driver, slack)
    people(slack, 6)
    container.workspaces.ensure(TEAM_A)
    container.workspaces.ensure(TEAM_B)
    container.workspace_settings.update(Actor.operator(TEAM_B), {"owners": [OWNER_B]})
    for team in (TEAM_A, TEAM_B):
        operator = Actor.operator(team)
        container.workspace_settings.update(operator, {"feedback_channel": "CFEED01"})
        closed = _launch_as_owner(world, team, f"Closed survey of {team}")
        container.pulse.close(operator, closed)
        opened = _launch_as_owner(world, team, f"Open survey of {team}")
        rules = [
            container.feedback.add_rule(operator, "keyword", "refund", "CBILL01").id,
            container.feedback.add_rule(operator, "tag", "billing", "CBILL02").id,
        ]
        container.sources.add(operator, "web")
        container.feedback.ingest(team, FeedbackInput("email", "CUST-1", "The order never came."))
        world.teams[team] = Team(opened, closed, rules, "web")
    container.outbox.drain()
    assert container.actors.of(TEAM_A, OWNER).is_owner and not container.actors.of(TEAM_B, OWNER).is_owner
    assert (
        container.actors.of(TEAM_B, OWNER_B).is_owner and not container.actors.of(TEAM_A, MEMBER).is_manager
    )
    return world


# The table ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_for_a_member_and_for_another_workspaces_owner_and_done_for_the_owner(
    world: World, case: Case
) -> None:
    for who, team, user in REFUSED:
        problems = refusal_problems(world, case, team, user)
        assert not problems, f"{case.name} as {who}: " + "; ".join(problems)
    for team in (TEAM_A, TEAM_B):
        _assert_acts_for_the_owner(world, case, team)


def _assert_acts_for_the_owner(world: World, case: Case, team: str) -> None:
    """Positive control: the refused request was well-formed (it does something for the owner)."""
    outcome = run(world, case, team, OWNERS[team])
    where = f"{case.name} as the owner of {team}"
    assert outcome.error is None, f"{where}: {outcome.error!r}"
    assert _message(case.permission) not in outcome.text, f"{where}: refused"
    if case.effect == "rows":
        assert outcome.rows_changed, f"{where}: nothing stored"
    elif case.effect == "modal":
        opened = [c for c in outcome.calls if c["method"] in ("views.open", "views.push", "views.update")]
        assert opened and str(case.modal) in json.dumps(opened[-1]["view"]), f"{where}: modal not opened"
    else:
        assert outcome.text not in ("", "{}", "null"), f"{where}: no answer"


# The table has teeth --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    path: str
    line: int
    permission: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.permission})"


def _check_sites() -> list[Site]:
    """Every `require(actor, Permission.X)` / `allows(actor, Permission.X)` call in the code."""
    sites = []
    for folder in ("bot", "handlers", "jobs"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "bot" / "policy.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                name = (
                    node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                )
                if name not in ("require", "allows"):
                    continue
                for arg in node.args:
                    if isinstance(arg, ast.Attribute) and getattr(arg.value, "id", "") == "Permission":
                        sites.append(Site(str(path.relative_to(ROOT)), node.lineno, arg.attr))
    return sites


SITES = _check_sites()
USED = sorted({site.permission for site in SITES})


def _caller_site(frame: FrameType) -> tuple[str, int]:
    if frame.f_code is ORIGINAL_REQUIRE.__code__ and frame.f_back is not None:
        frame = frame.f_back
    return str(Path(frame.f_code.co_filename).resolve().relative_to(ROOT)), frame.f_lineno


def _neutralise(
    monkeypatch: pytest.MonkeyPatch, lets_through: Callable[[tuple[str, int], Permission], bool]
) -> None:
    """Every `require` goes through `policy.allows` (looked up at call time), and handlers call
    `policy.allows`: patching it lets a chosen check pass for everyone, wherever it was imported."""

    def allows(actor: Actor, permission: Permission) -> bool:
        if lets_through(_caller_site(sys._getframe(1)), permission):
            return True
        return ORIGINAL_ALLOWS(actor, permission)

    monkeypatch.setattr(policy, "allows", allows)


def _first_failure(world: World, first: str) -> str | None:
    """Run the refusals of the table (cases of permission `first` first); the first one that is not a
    clean refusal, or None when every refusal held."""
    ordered = sorted(CASES, key=lambda c: c.permission.name != first)
    for case in ordered:
        for who, team, user in REFUSED:
            if problems := refusal_problems(world, case, team, user):
                return f"{case.name} as {who}: {problems[0]}"
    return None


def test_every_check_site_is_found_and_every_permission_used_has_a_case() -> None:
    assert len(SITES) >= 20, SITES
    covered = {case.permission.name for case in CASES}
    uncovered = [name for name in USED if name not in covered]
    assert not uncovered, f"Permission(s) checked in the code that no case of the table covers: {uncovered}"


@pytest.mark.parametrize("site", SITES, ids=str)
def test_neutralising_any_one_check_site_makes_the_table_fail(
    world: World, monkeypatch: pytest.MonkeyPatch, site: Site
) -> None:
    _neutralise(monkeypatch, lambda where, _permission: where == (site.path, site.line))
    failure = _first_failure(world, site.permission)
    assert failure is not None, f"the check at {site} was neutralised and every case still passed"


@pytest.mark.parametrize("permission", USED)
def test_neutralising_every_check_of_one_permission_makes_the_table_fail(
    world: World, monkeypatch: pytest.MonkeyPatch, permission: str
) -> None:
    covered = {case.permission.name for case in CASES}
    assert permission in covered, f"no case of the table covers Permission.{permission}"
    _neutralise(monkeypatch, lambda _where, checked: checked.name == permission)
    assert _first_failure(world, permission) is not None, f"Permission.{permission} neutralised, all passed"


def test_an_untouched_policy_passes_the_whole_table(world: World) -> None:
    """The meta-tests' failures come from the neutralised check, not from a table that always fails."""
    assert _first_failure(world, "") is None
